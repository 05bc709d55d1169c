package io.maintenance.benchmarks.operations;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.maintenance.api.BackupRecord;
import io.maintenance.api.BackupRequest;
import io.maintenance.api.BackupType;
import io.maintenance.api.DatastoreManifest;
import io.maintenance.api.Principal;
import io.maintenance.core.MaintenanceEngine;
import io.maintenance.datastore.postgres.PostgresDatastore;
import io.maintenance.spi.ArtifactSink;
import io.maintenance.spi.BackupContext;
import io.maintenance.spi.ProgressListener;
import io.maintenance.spi.internal.StorageArtifactSink;
import io.maintenance.spi.internal.UploadTracker;
import io.maintenance.storage.local.LocalStorageProvider;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * What progress reporting costs a backup (issue 11): the same PostgreSQL data (pgbench's tables at scale SCALE)
 * backed up by the engine, which tracks bytes on its storage streams, the plugin's item reports and writes
 * progress to the catalog every second, against the same datastore writing the same artifacts to the same
 * storage through the SPI alone (no engine: no catalog, no progress), alternating, same run. Artifacts are not
 * compressed in either, so the difference is the engine's own work, progress included: an upper bound of
 * what progress costs. Run it with {@code benchmarks/progress.sh}.
 */
public final class ProgressCostBenchmark {
  private static final Principal OPS = Principal.system("bench");

  public static void main(String[] args) throws Exception {
    int scale = Integer.getInteger("scale", 20);
    int rounds = Integer.getInteger("rounds", 5);
    String pgbench = System.getenv("PGBENCH");
    Path work = Files.createTempDirectory("maintenance-bench-progress-");
    System.out.printf("scale %d, %d rounds (+1 warm-up), max heap %d MiB, %d cores, load %s%n", scale, rounds,
        Runtime.getRuntime().maxMemory() >> 20, Runtime.getRuntime().availableProcessors(), load());
    try (EmbeddedPostgres pg = EmbeddedPostgres.builder().setDataDirectory(work.resolve("pg")).setCleanDataDirectory(true).start()) {
      try (Connection c = pg.getPostgresDatabase().getConnection(); Statement st = c.createStatement()) {
        st.execute("CREATE DATABASE app");
        st.execute("CREATE DATABASE catalog");
      }
      if (pgbench != null && !pgbench.isBlank()) {
        Process p = new ProcessBuilder(pgbench, "-i", "-s", Integer.toString(scale), "-h", "127.0.0.1", "-p",
            Integer.toString(pg.getPort()), "-U", "postgres", "app").inheritIO().start();
        if (p.waitFor() != 0) {
          throw new IllegalStateException("pgbench -i failed");
        }
      } else {
        // pgbench -i's tables and rows, generated the way its server-side init does.
        try (Connection c = pg.getDatabase("postgres", "app").getConnection(); Statement st = c.createStatement()) {
          st.execute("CREATE TABLE pgbench_branches (bid int NOT NULL PRIMARY KEY, bbalance int, filler char(88))");
          st.execute("CREATE TABLE pgbench_tellers (tid int NOT NULL PRIMARY KEY, bid int, tbalance int, filler char(84))");
          st.execute("CREATE TABLE pgbench_accounts (aid int NOT NULL PRIMARY KEY, bid int, abalance int, filler char(84))");
          st.execute("CREATE TABLE pgbench_history (tid int, bid int, aid int, delta int, mtime timestamp, filler char(22))");
          st.execute("INSERT INTO pgbench_branches (bid, bbalance) SELECT b, 0 FROM generate_series(1, " + scale + ") b");
          st.execute("INSERT INTO pgbench_tellers (tid, bid, tbalance) SELECT t, (t - 1) / 10 + 1, 0 FROM generate_series(1, "
              + scale * 10 + ") t");
          st.execute("INSERT INTO pgbench_accounts (aid, bid, abalance, filler) SELECT a, (a - 1) / 100000 + 1, 0, ''"
              + " FROM generate_series(1, " + scale * 100000 + ") a");
          st.execute("VACUUM ANALYZE");
        }
      }
      PostgresDatastore app = PostgresDatastore.builder("app").dataSource(pg.getDatabase("postgres", "app")).build();
      LocalStorageProvider storage = LocalStorageProvider.builder().path(work.resolve("store")).chunkSize(8 << 20).fsync(true).build();
      HikariConfig hc = new HikariConfig();
      hc.setJdbcUrl(pg.getJdbcUrl("postgres", "catalog"));
      hc.setMaximumPoolSize(4);
      try (HikariDataSource pool = new HikariDataSource(hc);
          MaintenanceEngine engine = MaintenanceEngine.builder().dataSource(pool).storage(storage).datastore(app)
              .artifacts(Map.of("compression", "none")).build()) {
        List<Double> ratios = new ArrayList<>();
        for (int round = 0; round <= rounds; round++) {
          long t0 = System.nanoTime();
          BackupRecord b = engine.backup(BackupRequest.all(), OPS);
          double withProgress = (System.nanoTime() - t0) / 1e9;
          long t1 = System.nanoTime();
          long bytes = direct(app, storage, "direct-" + round);
          double without = (System.nanoTime() - t1) / 1e9;
          engine.deleteBackup(b.id(), OPS);
          delete(work.resolve("store").resolve("direct-" + round));
          double ratio = withProgress / without;
          System.out.printf("%s round %d: engine (progress on) %.2f s, %d bytes; SPI alone (no progress) %.2f s, %d bytes;"
              + " time ratio %.3f; load %s%n", round == 0 ? "warm-up" : "counted", round, withProgress, b.totalBytes(), without,
              bytes, ratio, load());
          if (round > 0) {
            ratios.add(ratio);
          }
        }
        ratios.sort(Comparator.naturalOrder());
        System.out.printf("engine / SPI alone time ratio: best %.3f, median %.3f (1.02 = 2%% slower)%n", ratios.get(0),
            ratios.get(ratios.size() / 2));
      }
    }
  }

  /** The datastore's backup through the SPI alone, into the same storage: what the engine adds is left out. */
  private static long direct(PostgresDatastore ds, LocalStorageProvider storage, String folder) throws Exception {
    StorageArtifactSink sink = new StorageArtifactSink(storage, folder + "/app", UploadTracker.NONE, Optional.empty());
    ds.backup(new BackupContext() {
      @Override
      public String backupId() {
        return folder;
      }

      @Override
      public BackupType type() {
        return BackupType.FULL;
      }

      @Override
      public Optional<DatastoreManifest> parent() {
        return Optional.empty();
      }

      @Override
      public ArtifactSink artifacts() {
        return sink;
      }

      @Override
      public ProgressListener progress() {
        return ProgressListener.NONE;
      }
    });
    return sink.completed().stream().mapToLong(a -> a.size()).sum();
  }

  private static void delete(Path dir) throws Exception {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }

  private static String load() {
    return String.format("%.2f", ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
  }

  private ProgressCostBenchmark() {}
}
