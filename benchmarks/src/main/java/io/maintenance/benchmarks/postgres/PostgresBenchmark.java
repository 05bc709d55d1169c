package io.maintenance.benchmarks.postgres;

import io.maintenance.api.ArtifactInfo;
import io.maintenance.api.BackupType;
import io.maintenance.api.DatastoreManifest;
import io.maintenance.api.DatastorePlan;
import io.maintenance.benchmarks.PgbenchServer;
import io.maintenance.datastore.postgres.PostgresDatastore;
import io.maintenance.spi.ArtifactSource;
import io.maintenance.spi.DatastoreBackup;
import io.maintenance.spi.ProgressListener;
import io.maintenance.spi.RestoreContext;
import io.maintenance.spi.internal.BackupLayout;
import io.maintenance.spi.internal.Contexts;
import io.maintenance.spi.internal.StorageArtifactSink;
import io.maintenance.spi.internal.StorageArtifactSource;
import io.maintenance.spi.internal.UploadTracker;
import io.maintenance.storage.local.LocalStorageProvider;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * The PostgreSQL datastore against pg_dump / pg_restore on the same server, same data, same run.
 *
 * <pre>
 *   java -Xmx256m -cp ... io.maintenance.benchmarks.postgres.PostgresBenchmark backup|restore [jobs]
 * </pre>
 *
 * Environment: PG_BIN (pg_dump, pg_restore), PG_PORT, PG_USER, BENCH_DIR (work directory), BENCH_ROUNDS (3),
 * BENCH_WARMUP (1: uncounted rounds of both tools first, as a host service's JVM is warm after its first run).
 * {@code backup 1} times {@code pg_dump -Fc -Z0} and {@code PostgresDatastore.backup} (jobs 1) into local
 * storage (fsync on, SHA-256 on the way, as the engine does, no compression) alternately; {@code backup 2}
 * times {@code pg_dump -Fd -Z0 -j 2} (the directory format is what {@code -j} needs) against jobs 2;
 * {@code restore N} times {@code pg_restore -j N} and {@code PostgresDatastore.restore} with jobs N into
 * fresh databases (schema, data, keys) and checks the restored data equals the source. Each phase ends
 * with the JVM's peak RSS (VmHWM).
 */
public final class PostgresBenchmark {
  private static final String SOURCE_DB = "bench";
  private final String bin = PgbenchServer.env("PG_BIN", "/usr/lib/postgresql/15/bin");
  private final PgbenchServer server = new PgbenchServer();
  private final Path dir = Path.of(PgbenchServer.env("BENCH_DIR", "/tmp/pg-bench"));
  private final int rounds = Integer.parseInt(PgbenchServer.env("BENCH_ROUNDS", "3"));
  /** Uncounted rounds first: the library runs in a long-lived host JVM, whose classes are loaded and compiled once. */
  private final int warmup = Integer.parseInt(PgbenchServer.env("BENCH_WARMUP", "1"));
  private final int jobs;

  private PostgresBenchmark(int jobs) {
    this.jobs = jobs;
  }

  public static void main(String[] args) throws Exception {
    String phase = args.length > 0 ? args[0] : "backup";
    int jobs = args.length > 1 ? Integer.parseInt(args[1]) : 1;
    PostgresBenchmark b = new PostgresBenchmark(jobs);
    Files.createDirectories(b.dir);
    System.out.printf("phase %s, jobs %d, load average at start: %s%n", phase, jobs, loadAverage());
    switch (phase) {
      case "backup" -> b.backupPhase();
      case "restore" -> b.restorePhase();
      default -> throw new IllegalArgumentException("phase must be backup or restore");
    }
    System.out.printf("load average at end: %s%n", loadAverage());
    System.out.printf("JVM peak RSS (VmHWM) for the %s phase (jobs %d): %s, max heap %d MiB; the reference tool's peak RSS: %s%n",
        phase, jobs, vmHwm(), Runtime.getRuntime().maxMemory() >> 20, b.toolPeakRss < 0 ? "unknown" : b.toolPeakRss + " kB");
  }

  // ------------------------------------------------------------------ backup

  private void backupPhase() throws Exception {
    PGSimpleDataSource source = server.dataSource(SOURCE_DB);
    System.out.printf("source: %s rows in pgbench_accounts, database size %s%n",
        PgbenchServer.query(source, "SELECT count(*) FROM pgbench_accounts"), PgbenchServer.query(source, "SELECT pg_size_pretty(pg_database_size(current_database()))"));
    List<Double> dump = new ArrayList<>();
    List<Double> ours = new ArrayList<>();
    Path dumpFile = dir.resolve(jobs == 1 ? "bench.dump" : "bench.dir");
    List<String> pgDump = jobs == 1
        ? List.of(bin + "/pg_dump", "-Fc", "-Z0", "-f", dumpFile.toString())
        : List.of(bin + "/pg_dump", "-Fd", "-Z0", "-j", Integer.toString(jobs), "-f", dumpFile.toString());
    String tool = String.join(" ", pgDump.subList(1, pgDump.size() - 2)).replace(bin + "/", "");
    long postmaster = postmasterPid(source);
    for (int r = 1 - warmup; r <= rounds; r++) {
      deleteTree(dumpFile);
      List<String> command = new ArrayList<>(pgDump);
      command.addAll(List.of("-h", "127.0.0.1", "-p", Integer.toString(server.port()), "-U", server.user(), SOURCE_DB));
      double server0 = serverCpu(postmaster);
      dump.add(run(command));
      double server1 = serverCpu(postmaster);
      double jvm0 = jvmCpu();
      ours.add(ourBackup(source, "run" + jobs));
      double jvm1 = jvmCpu();
      double server2 = serverCpu(postmaster);
      System.out.printf("%s: pg_dump %s %.2f s, datastore backup (jobs %d) %.2f s; CPU s: pg_dump %.2f + server %.2f,"
              + " datastore JVM %.2f + server %.2f%n", r < 1 ? "warm-up (not counted)" : "round " + r,
          tool, dump.get(dump.size() - 1), jobs, ours.get(ours.size() - 1), toolCpu, server1 - server0, jvm1 - jvm0, server2 - server1);
      if (r < 1) {
        dump.clear();
        ours.clear();
      }
    }
    long dumpBytes = Files.isDirectory(dumpFile) ? folderSize(dir, dumpFile.getFileName().toString()) : Files.size(dumpFile);
    long ourBytes = folderSize(dir.resolve("store"), "run" + jobs);
    report("backup (jobs " + jobs + ")", "pg_dump " + tool, dump, ours);
    System.out.printf("output size: pg_dump %d bytes, datastore artifacts %d bytes (%.3f)%n", dumpBytes, ourBytes,
        (double) ourBytes / dumpBytes);
  }

  private double ourBackup(PGSimpleDataSource source, String backupId) throws IOException {
    LocalStorageProvider storage = LocalStorageProvider.builder().path(dir.resolve("store")).chunkSize(8 << 20).fsync(true).build();
    deleteTree(dir.resolve("store").resolve(backupId));
    StorageArtifactSink sink = new StorageArtifactSink(storage, BackupLayout.datastoreFolder("", backupId, "pg"),
        UploadTracker.NONE, Optional.empty());
    PostgresDatastore ds = PostgresDatastore.builder("pg").dataSource(source).jobs(jobs).build();
    long start = System.nanoTime();
    DatastoreBackup result =
        ds.backup(new Contexts.Backup(backupId, BackupType.FULL, Optional.empty(), sink, ProgressListener.NONE));
    double secs = (System.nanoTime() - start) / 1e9;
    // Keep the manifest next to the artifacts for the restore phase.
    StringBuilder sb = new StringBuilder();
    for (ArtifactInfo a : sink.completed()) {
      sb.append(a.name()).append('\t').append(a.size()).append('\t').append(a.sha256()).append('\t').append(a.contentType()).append('\n');
    }
    Files.writeString(dir.resolve(backupId + ".artifacts"), sb.toString());
    Files.writeString(dir.resolve(backupId + ".resources"), result.resources().toString());
    return secs;
  }

  // ------------------------------------------------------------------ restore

  private void restorePhase() throws Exception {
    String backupId = "run1";
    List<ArtifactInfo> artifacts = new ArrayList<>();
    for (String line : Files.readAllLines(dir.resolve(backupId + ".artifacts"))) {
      String[] f = line.split("\t");
      artifacts.add(new ArtifactInfo(f[0], Long.parseLong(f[1]), f[2], f[3], io.maintenance.api.Compression.NONE, Optional.empty()));
    }
    PGSimpleDataSource source = server.dataSource(SOURCE_DB);
    String expected = PgbenchServer.checksum(source);
    List<Double> ref = new ArrayList<>();
    List<Double> ours = new ArrayList<>();
    double plan = 0;
    for (int r = 1 - warmup; r <= rounds; r++) {
      server.recreate("bench_ref");
      ref.add(run(List.of(bin + "/pg_restore", "-j", Integer.toString(jobs), "-h", "127.0.0.1", "-p", Integer.toString(server.port()),
          "-U", server.user(), "-d", "bench_ref", dir.resolve("bench.dump").toString())));
      server.recreate("bench_ours");
      PostgresDatastore target = PostgresDatastore.builder("pg").dataSource(server.dataSource("bench_ours")).jobs(jobs).build();
      LocalStorageProvider storage = LocalStorageProvider.builder().path(dir.resolve("store")).chunkSize(8 << 20).fsync(true).build();
      DatastoreManifest manifest = new DatastoreManifest("pg", "postgres", "bench", "n/a", artifacts, List.of(), Map.of());
      long start = System.nanoTime();
      DatastorePlan p = target.plan(context(storage, manifest, backupId, Optional.empty()));
      plan = (System.nanoTime() - start) / 1e9;
      start = System.nanoTime();
      target.restore(context(storage, manifest, backupId, Optional.of(p)));
      ours.add((System.nanoTime() - start) / 1e9);
      System.out.printf("%s: pg_restore -j %d %.2f s, datastore restore (jobs %d) %.2f s (its preview took %.2f s, not counted)%n",
          r < 1 ? "warm-up (not counted)" : "round " + r, jobs, ref.get(ref.size() - 1), jobs, ours.get(ours.size() - 1), plan);
      String got = PgbenchServer.checksum(server.dataSource("bench_ours"));
      if (!got.equals(expected)) {
        throw new IllegalStateException("restored data differs from the source: " + got + " vs " + expected);
      }
      String refSum = PgbenchServer.checksum(server.dataSource("bench_ref"));
      if (!refSum.equals(expected)) {
        throw new IllegalStateException("pg_restore data differs from the source: " + refSum + " vs " + expected);
      }
      if (r < 1) {
        ref.clear();
        ours.clear();
      }
    }
    System.out.println("restored data checked: row counts and per-row hashes of all four pgbench tables equal the source,"
        + " indexes: " + PgbenchServer.query(server.dataSource("bench_ours"), "SELECT string_agg(indexname, ',' ORDER BY indexname) FROM pg_indexes WHERE schemaname = 'public'"));
    report("restore (jobs " + jobs + ")", "pg_restore -j " + jobs, ref, ours);
    // Replacing existing tables (the usual production case), for information.
    PostgresDatastore target = PostgresDatastore.builder("pg").dataSource(server.dataSource("bench_ours")).jobs(jobs).build();
    LocalStorageProvider storage = LocalStorageProvider.builder().path(dir.resolve("store")).chunkSize(8 << 20).fsync(true).build();
    DatastoreManifest manifest = new DatastoreManifest("pg", "postgres", "bench", "n/a", artifacts, List.of(), Map.of());
    long start = System.nanoTime();
    target.restore(context(storage, manifest, backupId, Optional.empty()));
    System.out.printf("datastore restore over the existing tables (truncate, drop safe indexes, load, rebuild): %.2f s%n",
        (System.nanoTime() - start) / 1e9);
  }

  private static RestoreContext context(LocalStorageProvider storage, DatastoreManifest m, String backupId, Optional<DatastorePlan> plan) {
    ArtifactSource source = new StorageArtifactSource(storage, m.artifacts(),
        a -> BackupLayout.artifactKey("", backupId, "pg", a.name()));
    return new Contexts.Restore("bench", backupId, m, source, Map.of(), plan, ProgressListener.NONE);
  }

  // ------------------------------------------------------------------ helpers

  private static void report(String what, String tool, List<Double> ref, List<Double> ours) {
    double bestRef = ref.stream().min(Double::compare).orElseThrow();
    double bestOurs = ours.stream().min(Double::compare).orElseThrow();
    double medianRatio = median(ours) / median(ref);
    System.out.printf("RESULT %s: %s best %.2f s, datastore best %.2f s, ratio (best/best) %.2f, ratio (median/median) %.2f%n",
        what, tool, bestRef, bestOurs, bestOurs / bestRef, medianRatio);
  }

  private static double median(List<Double> xs) {
    List<Double> s = xs.stream().sorted().toList();
    return s.size() % 2 == 1 ? s.get(s.size() / 2) : (s.get(s.size() / 2 - 1) + s.get(s.size() / 2)) / 2;
  }

  /** The reference tool's largest peak RSS (kB) over the rounds, from GNU time; -1 where it is not installed. */
  private long toolPeakRss = -1;
  /** The reference tool's CPU seconds (user + system) in its last run, from GNU time; NaN where it is not installed. */
  private double toolCpu = Double.NaN;

  /** CPU seconds this JVM used so far (all its threads): with the server's, what a run costs on a shared machine. */
  private static double jvmCpu() {
    return ProcessHandle.current().info().totalCpuDuration().map(d -> d.toNanos() / 1e9).orElse(Double.NaN);
  }

  /** The benchmark server's postmaster (parent of its checkpointer), for {@link #serverCpu}; -1 if not readable. */
  private static long postmasterPid(PGSimpleDataSource ds) throws SQLException {
    String pid = PgbenchServer.query(ds, "SELECT pid FROM pg_stat_activity WHERE backend_type = 'checkpointer'");
    return pid == null ? -1 : ProcessHandle.of(Long.parseLong(pid)).flatMap(ProcessHandle::parent).map(ProcessHandle::pid).orElse(-1L);
  }

  /**
   * CPU seconds used so far by the benchmark server: its live processes plus the postmaster's reaped
   * children (ended backends), from /proc (Linux; NaN elsewhere). Approximate: autovacuum and the
   * checkpointer count too.
   */
  private static double serverCpu(long postmaster) {
    if (postmaster < 0) {
      return Double.NaN;
    }
    try {
      // Let the postmaster reap the run's ended backends: one caught between exit and reaping is counted nowhere.
      Thread.sleep(300);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    try (Stream<ProcessHandle> children = ProcessHandle.of(postmaster).map(ProcessHandle::children).orElse(Stream.empty())) {
      long ticks = procTicks(postmaster, true);
      for (ProcessHandle h : children.toList()) {
        ticks += procTicks(h.pid(), false);
      }
      return ticks / 100.0; // USER_HZ
    } catch (IOException e) {
      return Double.NaN;
    }
  }

  private static long procTicks(long pid, boolean withReapedChildren) throws IOException {
    String stat;
    try {
      stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
    } catch (java.nio.file.NoSuchFileException e) {
      return 0; // ended meanwhile: counted in the postmaster's reaped children
    }
    String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    // After the command: state(0) ... utime(11) stime(12) cutime(13) cstime(14)
    long t = Long.parseLong(f[11]) + Long.parseLong(f[12]);
    return withReapedChildren ? t + Long.parseLong(f[13]) + Long.parseLong(f[14]) : t;
  }

  private double run(List<String> command) throws IOException, InterruptedException {
    Path rss = Files.createTempFile(dir, "rss", ".txt");
    List<String> timed = new ArrayList<>();
    boolean gnuTime = Files.isExecutable(Path.of("/usr/bin/time"));
    if (gnuTime) {
      // The process's own start-up is negligible next to the run; %M is its peak RSS in kB.
      timed.addAll(List.of("/usr/bin/time", "-f", "%U %S %M", "-o", rss.toString()));
    }
    timed.addAll(command);
    long start = System.nanoTime();
    Process p = new ProcessBuilder(timed).inheritIO().start();
    int rc = p.waitFor();
    double secs = (System.nanoTime() - start) / 1e9;
    if (rc != 0) {
      throw new IllegalStateException(command.get(0) + " exited with " + rc);
    }
    if (gnuTime) {
      String out = Files.readString(rss).trim();
      String[] f = out.substring(out.lastIndexOf('\n') + 1).trim().split(" ");
      toolCpu = Double.parseDouble(f[0]) + Double.parseDouble(f[1]);
      toolPeakRss = Math.max(toolPeakRss, Long.parseLong(f[2]));
    }
    Files.deleteIfExists(rss);
    return secs;
  }

  private static long folderSize(Path root, String backupId) throws IOException {
    try (Stream<Path> s = Files.walk(root.resolve(backupId))) {
      return s.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
    }
  }

  private static void deleteTree(Path p) throws IOException {
    if (!Files.exists(p)) {
      return;
    }
    try (Stream<Path> s = Files.walk(p)) {
      for (Path x : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.delete(x);
      }
    }
  }

  private static String vmHwm() throws IOException {
    return Files.readAllLines(Path.of("/proc/self/status")).stream().filter(l -> l.startsWith("VmHWM"))
        .map(l -> l.substring(6).trim()).findFirst().orElse("unknown");
  }

  private static String loadAverage() {
    try {
      return Files.readString(Path.of("/proc/loadavg")).trim();
    } catch (IOException e) {
      return "unknown";
    }
  }
}
