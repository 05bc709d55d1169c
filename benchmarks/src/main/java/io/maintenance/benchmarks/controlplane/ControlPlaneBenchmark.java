package io.maintenance.benchmarks.controlplane;

import io.maintenance.api.BackupQuery;
import io.maintenance.api.BackupRecord;
import io.maintenance.api.BackupRequest;
import io.maintenance.api.Page;
import io.maintenance.api.Principal;
import io.maintenance.api.RestorePreview;
import io.maintenance.api.RestoreRequest;
import io.maintenance.core.MaintenanceEngine;
import io.maintenance.datastore.postgres.PostgresDatastore;
import io.maintenance.spi.ReadRequest;
import io.maintenance.spi.internal.StorageArtifactSink;
import io.maintenance.spi.internal.StorageArtifactSource;
import io.maintenance.spi.internal.UploadTracker;
import io.maintenance.storage.local.LocalStorageProvider;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * Control-plane overhead (issue 2): preview+confirm latency without data to move, listing 10,000
 * catalog rows, and local storage throughput for a 1 GiB stream against {@code cp} in the same run.
 * Run it with {@code benchmarks/control-plane.sh} (heap capped at 256 MiB).
 */
public final class ControlPlaneBenchmark {
  private static final Principal OPS = Principal.system("bench");

  public static void main(String[] args) throws Exception {
    int runs = Integer.parseInt(System.getProperty("runs", "200"));
    long bytes = Long.parseLong(System.getProperty("bytes", Long.toString(1L << 30)));
    boolean storageOnly = Boolean.getBoolean("storageOnly");
    int chunk = Integer.getInteger("chunkMiB", 8) << 20;
    Path work = Files.createTempDirectory("maintenance-bench-");
    System.out.printf("max heap %d MiB, %d cores, work dir %s%n", Runtime.getRuntime().maxMemory() >> 20,
        Runtime.getRuntime().availableProcessors(), work);
    if (storageOnly) {
      storage(work, bytes, chunk);
      return;
    }
    try (EmbeddedPostgres pg = EmbeddedPostgres.builder().setDataDirectory(work.resolve("pg")).setCleanDataDirectory(true).start()) {
      try (Connection c = pg.getPostgresDatabase().getConnection(); Statement st = c.createStatement()) {
        st.execute("CREATE DATABASE app");
        st.execute("CREATE DATABASE catalog");
      }
      try (Connection c = pg.getDatabase("postgres", "app").getConnection(); Statement st = c.createStatement()) {
        st.execute("CREATE TABLE settings (key text PRIMARY KEY, value text)");
        st.execute("INSERT INTO settings VALUES ('mode', 'on')");
      }
      // Without a pool every catalog statement opens a connection (a PostgreSQL backend process);
      // hosts normally pass a pooled DataSource, so both are measured.
      Timings timings = new Timings();
      try (MaintenanceEngine engine = engine(pg, work, pg.getDatabase("postgres", "catalog"), timings)) {
        previewConfirm(engine, runs, "unpooled catalog DataSource (PGSimpleDataSource)", timings);
      }
      HikariConfig hc = new HikariConfig();
      hc.setJdbcUrl(pg.getJdbcUrl("postgres", "catalog"));
      hc.setMaximumPoolSize(4);
      try (HikariDataSource pool = new HikariDataSource(hc); MaintenanceEngine engine = engine(pg, work, pool, timings)) {
        previewConfirm(engine, runs, "pooled catalog DataSource (HikariCP, 4 connections)", timings);
        listing(engine, pg);
      }
    }
    storage(work, bytes, chunk);
    System.out.printf("peak RSS of this JVM: %d MiB%n", peakRssKiB() / 1024);
  }

  private static MaintenanceEngine engine(EmbeddedPostgres pg, Path work, javax.sql.DataSource catalog, Timings timings) {
    return MaintenanceEngine.builder()
        .dataSource(timings.counted(catalog))
        .storage(LocalStorageProvider.builder().path(work.resolve("store")).chunkSize(8 << 20).fsync(true).build())
        .datastore(timings.timed(PostgresDatastore.builder("app").dataSource(pg.getDatabase("postgres", "app")).build()))
        .build();
  }

  private static void previewConfirm(MaintenanceEngine engine, int runs, String setup, Timings timings) {
    BackupRecord b = engine.backup(BackupRequest.all(), OPS);
    for (int i = 0; i < 20; i++) {
      engine.confirmRestore(engine.previewRestore(RestoreRequest.of(b.id()), OPS).token(), OPS);
    }
    long[] preview = new long[runs];
    long[] confirm = new long[runs];
    long[] both = new long[runs];
    long[] datastore = new long[runs];
    long[] catalog = new long[runs];
    long[] checkout = new long[runs];
    long[] rest = new long[runs];
    long[] statements = new long[runs];
    long[] commits = new long[runs];
    for (int i = 0; i < runs; i++) {
      timings.reset();
      long t0 = System.nanoTime();
      RestorePreview p = engine.previewRestore(RestoreRequest.of(b.id()), OPS);
      long t1 = System.nanoTime();
      engine.confirmRestore(p.token(), OPS);
      long t2 = System.nanoTime();
      preview[i] = t1 - t0;
      confirm[i] = t2 - t1;
      both[i] = t2 - t0;
      datastore[i] = timings.datastoreNanos.get();
      catalog[i] = timings.catalogNanos.get();
      checkout[i] = timings.connectionNanos.get();
      rest[i] = both[i] - datastore[i] - catalog[i] - checkout[i];
      statements[i] = timings.catalogStatements.get();
      commits[i] = timings.catalogCommits.get();
    }
    System.out.printf("%n== preview + confirm of a 1-row table, %d runs (no approvals, no safety backup), %s%n", runs, setup);
    System.out.printf("   %-18s %8s %8s %8s %8s%n", "", "p50 ms", "p95 ms", "p99 ms", "max ms");
    row("preview", preview);
    row("confirm", confirm);
    row("preview+confirm", both);
    System.out.println("   where preview+confirm spends its time (per run; threads of the engine's own heartbeat included):");
    row("  datastore", datastore);
    row("  catalog SQL", catalog);
    row("  conn checkout", checkout);
    row("  engine rest", rest);
    long[] st = statements.clone();
    long[] cm = commits.clone();
    Arrays.sort(st);
    Arrays.sort(cm);
    System.out.printf("   catalog statements per run: median %d (min %d, max %d); commits: median %d%n", st[st.length / 2], st[0],
        st[st.length - 1], cm[cm.length / 2]);
  }

  private static void listing(MaintenanceEngine engine, EmbeddedPostgres pg) throws Exception {
    try (Connection c = pg.getDatabase("postgres", "catalog").getConnection(); Statement st = c.createStatement()) {
      st.execute("INSERT INTO maintenance_backups (id, status, type, datastores, storage_provider, storage_prefix, requested_by,"
          + " owner, started_at, finished_at, manifest_sha256, total_bytes, artifact_count)"
          + " SELECT 'bk-bench-' || lpad(i::text, 6, '0'), 'SUCCEEDED', 'FULL', '{app}', 'local', 'backups', 'bench', 'bench',"
          + " now() - i * interval '1 minute', now(), md5(i::text) || md5(i::text), 1000, 2 FROM generate_series(1, 10000) i");
      st.execute("ANALYZE maintenance_backups");
    }
    long[] full = new long[7];
    int count = 0;
    for (int r = 0; r < full.length; r++) {
      long t0 = System.nanoTime();
      count = 0;
      BackupQuery q = BackupQuery.firstPage(1000);
      while (true) {
        Page<?> page = engine.listBackups(q, OPS);
        count += page.items().size();
        if (page.nextCursor().isEmpty()) {
          break;
        }
        q = q.after(page.nextCursor().get());
      }
      full[r] = System.nanoTime() - t0;
    }
    long[] deep = new long[50];
    Page<?> mid = engine.listBackups(BackupQuery.firstPage(1000), OPS);
    for (int i = 0; i < 4; i++) {
      mid = engine.listBackups(BackupQuery.firstPage(1000).after(mid.nextCursor().orElseThrow()), OPS);
    }
    String cursor = mid.nextCursor().orElseThrow();
    for (int i = 0; i < deep.length; i++) {
      long t0 = System.nanoTime();
      engine.listBackups(BackupQuery.firstPage(100).after(cursor), OPS);
      deep[i] = System.nanoTime() - t0;
    }
    System.out.printf("%n== listing the catalog (%,d rows)%n", count);
    System.out.printf("   %-34s %8s %8s%n", "", "p50 ms", "max ms");
    System.out.printf("   %-34s %8.1f %8.1f%n", "all rows, pages of 1000", pct(full, 50), pct(full, 100));
    System.out.printf("   %-34s %8.2f %8.2f%n", "one page of 100 after row 5000", pct(deep, 50), pct(deep, 100));
  }

  private static void storage(Path work, long bytes, int chunk) throws Exception {
    Path source = work.resolve("source.bin");
    writeRandom(source, bytes);
    LocalStorageProvider store = LocalStorageProvider.builder().path(work.resolve("store")).chunkSize(chunk).fsync(true).build();
    System.out.printf("%n== local storage, %,d bytes (source file in the page cache for every contender)%n", bytes);

    long cpTime = timeCmd("cp", source.toString(), work.resolve("cp-copy.bin").toString());
    long cpSyncTime = cpTime + timeCmd("sync", "-f", work.resolve("cp-copy.bin").toString());
    long cpReadTime = timeCmd("sh", "-c", "cat '" + work.resolve("cp-copy.bin") + "' > /dev/null");
    long shaSumTime = timeCmd("sh", "-c", "sha256sum '" + work.resolve("cp-copy.bin") + "' > /dev/null");

    // What a backup does: stream through SHA-256 into a resumable, fsynced, atomically renamed upload.
    long t0 = System.nanoTime();
    StorageArtifactSink sink = new StorageArtifactSink(store, "bench/b1/ds", UploadTracker.NONE, Optional.empty());
    try (InputStream in = Files.newInputStream(source); OutputStream out = sink.create("big.bin", "application/octet-stream")) {
      in.transferTo(out);
    }
    long writeTime = System.nanoTime() - t0;

    t0 = System.nanoTime();
    StorageArtifactSource src = new StorageArtifactSource(store, sink.completed(), a -> "bench/b1/ds/" + a.name());
    src.verifyAll();
    long readTime = System.nanoTime() - t0;

    t0 = System.nanoTime();
    try (InputStream in = store.openRead(ReadRequest.whole("bench/b1/ds/big.bin"))) {
      in.transferTo(OutputStream.nullOutputStream());
    }
    long rawReadTime = System.nanoTime() - t0;

    System.out.printf("   %-46s %9s %9s %12s%n", "", "seconds", "MiB/s", "ratio to cp");
    line("cp (no fsync)", cpTime, bytes, cpTime);
    line("cp + sync of the file", cpSyncTime, bytes, cpTime);
    line("LocalStorageProvider write: SHA-256 + fsync per " + (chunk >> 20) + " MiB", writeTime, bytes, cpSyncTime);
    line("cat > /dev/null", cpReadTime, bytes, cpReadTime);
    line("sha256sum", shaSumTime, bytes, cpReadTime);
    line("LocalStorageProvider read, verifying SHA-256", readTime, bytes, cpReadTime);
    line("LocalStorageProvider read, raw", rawReadTime, bytes, cpReadTime);
    System.out.println("   (write ratio is against cp + sync, the same durability; read ratios against cat;"
        + " sha256sum shows what verifying costs any reader)");
  }

  private static void writeRandom(Path file, long bytes) throws Exception {
    byte[] block = new byte[1 << 20];
    SplittableRandom r = new SplittableRandom(1);
    try (OutputStream out = Files.newOutputStream(file)) {
      for (long done = 0; done < bytes; done += block.length) {
        r.nextBytes(block);
        out.write(block, 0, (int) Math.min(block.length, bytes - done));
      }
    }
  }

  private static long timeCmd(String... cmd) throws Exception {
    long t0 = System.nanoTime();
    Process p = new ProcessBuilder(cmd).inheritIO().start();
    if (!p.waitFor(10, TimeUnit.MINUTES) || p.exitValue() != 0) {
      throw new IllegalStateException(Arrays.toString(cmd) + " failed");
    }
    return System.nanoTime() - t0;
  }

  private static void line(String what, long nanos, long bytes, long reference) {
    double s = nanos / 1e9;
    System.out.printf("   %-46s %9.2f %9.0f %12.2f%n", what, s, bytes / 1048576.0 / s, (double) reference / nanos);
  }

  private static void row(String what, long[] nanos) {
    System.out.printf("   %-18s %8.2f %8.2f %8.2f %8.2f%n", what, pct(nanos, 50), pct(nanos, 95), pct(nanos, 99), pct(nanos, 100));
  }

  private static double pct(long[] nanos, int p) {
    long[] s = nanos.clone();
    Arrays.sort(s);
    int i = Math.min(s.length - 1, (int) Math.ceil(p / 100.0 * s.length) - 1);
    return s[Math.max(0, i)] / 1e6;
  }

  private static long peakRssKiB() throws Exception {
    List<String> lines = new ArrayList<>(Files.readAllLines(Path.of("/proc/self/status")));
    return lines.stream().filter(l -> l.startsWith("VmHWM:")).map(l -> Long.parseLong(l.replaceAll("\\D", ""))).findFirst().orElse(-1L);
  }
}
