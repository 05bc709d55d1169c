package io.maintenance.benchmarks.operations;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.maintenance.api.BackupRequest;
import io.maintenance.api.MaintenanceException;
import io.maintenance.api.Operation;
import io.maintenance.api.Principal;
import io.maintenance.core.MaintenanceEngine;
import io.maintenance.core.http.AdminRoutes;
import io.maintenance.examples.AdminServer;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Many clients polling operations through the admin routes while backups run and write their progress:
 * requests, errors and latency percentiles. Run it with {@code benchmarks/operations.sh}.
 */
public final class OperationsPollingBenchmark {
  private static final Principal OPS = Principal.system("bench");

  public static void main(String[] args) throws Exception {
    int clients = Integer.getInteger("clients", 100);
    int seconds = Integer.getInteger("seconds", 60);
    int rows = Integer.getInteger("rows", 1_000_000);
    Path work = Files.createTempDirectory("maintenance-bench-ops-");
    System.out.printf("%d clients for %d s, %d rows, max heap %d MiB, %d cores%n", clients, seconds, rows,
        Runtime.getRuntime().maxMemory() >> 20, Runtime.getRuntime().availableProcessors());
    try (EmbeddedPostgres pg = EmbeddedPostgres.builder().setDataDirectory(work.resolve("pg")).setCleanDataDirectory(true).start()) {
      try (Connection c = pg.getPostgresDatabase().getConnection(); Statement st = c.createStatement()) {
        st.execute("CREATE DATABASE app");
        st.execute("CREATE DATABASE catalog");
      }
      try (Connection c = pg.getDatabase("postgres", "app").getConnection(); Statement st = c.createStatement()) {
        st.execute("CREATE TABLE events (id bigint PRIMARY KEY, payload text NOT NULL)");
        st.execute("INSERT INTO events SELECT i, md5(i::text) || md5((i * 7)::text) FROM generate_series(1, " + rows + ") i");
      }
      HikariConfig hc = new HikariConfig();
      hc.setJdbcUrl(pg.getJdbcUrl("postgres", "catalog"));
      hc.setMaximumPoolSize(8);
      try (HikariDataSource pool = new HikariDataSource(hc);
          MaintenanceEngine engine = MaintenanceEngine.builder().dataSource(pool)
              .configure(Map.of("storage.type", "local", "storage.path", work.resolve("backups").toString(),
                  "datastores.app.type", "postgres", "datastores.app.url", pg.getJdbcUrl("postgres", "app"),
                  "datastores.app.user", "postgres", "retention.keep-last", "1"))
              .build();
          AdminServer server = AdminServer.start(new AdminRoutes(engine), new InetSocketAddress("127.0.0.1", 0),
              t -> t.equals("bench") ? Optional.of(OPS) : Optional.empty())) {
        run(engine, server.port(), clients, seconds);
      }
    }
  }

  private static void run(MaintenanceEngine engine, int port, int clients, int seconds) throws Exception {
    // Backups one after another for the whole run, so the polled operation is running and changing.
    AtomicReference<String> current = new AtomicReference<>(engine.submitBackup(BackupRequest.all(), OPS).id());
    AtomicBoolean stop = new AtomicBoolean();
    AtomicLong backups = new AtomicLong();
    Thread driver = new Thread(() -> {
      while (!stop.get()) {
        try {
          Operation op = engine.findOperation(current.get(), OPS).orElseThrow();
          if (op.status().finished()) {
            backups.incrementAndGet();
            if (!stop.get()) {
              current.set(engine.submitBackup(BackupRequest.all(), OPS).id());
            }
          }
          Thread.sleep(100);
        } catch (MaintenanceException e) {
          System.out.println("backup refused: " + e);
        } catch (InterruptedException e) {
          return;
        }
      }
    }, "backups");
    driver.start();

    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(10)).build();
    String base = "http://127.0.0.1:" + port + AdminRoutes.BASE;
    long end = System.nanoTime() + Duration.ofSeconds(seconds).toNanos();
    List<long[]> latencies = new ArrayList<>();
    int[] counts = new int[clients];
    AtomicLong errors = new AtomicLong();
    AtomicReference<String> firstError = new AtomicReference<>();
    CountDownLatch done = new CountDownLatch(clients);
    String loadBefore = load();
    for (int i = 0; i < clients; i++) {
      long[] mine = new long[1 << 17];
      latencies.add(mine);
      int index = i;
      Thread t = new Thread(() -> {
        try {
          int n = 0;
          while (System.nanoTime() < end && n < mine.length) {
            // Nine in ten follow the running operation, one in ten lists the latest twenty.
            String path = n % 10 == 9 ? "/operations?limit=20" : "/operations/" + current.get();
            HttpRequest req = HttpRequest.newBuilder(URI.create(base + path)).header("Authorization", "Bearer bench")
                .timeout(Duration.ofSeconds(30)).build();
            long t0 = System.nanoTime();
            try {
              HttpResponse<String> r = http.send(req, HttpResponse.BodyHandlers.ofString());
              if (r.statusCode() != 200) {
                errors.incrementAndGet();
                firstError.compareAndSet(null, r.statusCode() + " " + r.body());
              }
            } catch (Exception e) {
              errors.incrementAndGet();
              firstError.compareAndSet(null, e.toString());
            }
            mine[n++] = System.nanoTime() - t0;
          }
          counts[index] = n;
        } finally {
          done.countDown();
        }
      }, "client-" + i);
      t.start();
    }
    done.await();
    String loadAfter = load();
    stop.set(true);
    driver.interrupt();
    driver.join();

    int total = Arrays.stream(counts).sum();
    long[] all = new long[total];
    int k = 0;
    for (int i = 0; i < clients; i++) {
      System.arraycopy(latencies.get(i), 0, all, k, counts[i]);
      k += counts[i];
    }
    Arrays.sort(all);
    System.out.printf("requests %d (%.0f/s), errors %d%s%n", total, total / (double) seconds, errors.get(),
        firstError.get() == null ? "" : " (first: " + firstError.get() + ")");
    System.out.printf("latency ms: p50 %.1f, p95 %.1f, p99 %.1f, max %.1f%n", pct(all, 0.50), pct(all, 0.95), pct(all, 0.99),
        all.length == 0 ? 0 : all[all.length - 1] / 1e6);
    System.out.printf("backups finished during the run: %d; load average %s -> %s%n", backups.get(), loadBefore, loadAfter);
  }

  private static double pct(long[] sorted, double p) {
    return sorted.length == 0 ? 0 : sorted[Math.min(sorted.length - 1, (int) Math.ceil(p * sorted.length) - 1)] / 1e6;
  }

  private static String load() {
    return String.format("%.2f", ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
  }
}
