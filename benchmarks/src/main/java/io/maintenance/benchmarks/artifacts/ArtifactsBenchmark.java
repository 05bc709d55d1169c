package io.maintenance.benchmarks.artifacts;

import io.maintenance.api.ArtifactInfo;
import io.maintenance.api.BackupManifest;
import io.maintenance.api.BackupType;
import io.maintenance.api.DatastoreManifest;
import io.maintenance.api.DatastorePlan;
import io.maintenance.benchmarks.PgbenchServer;
import io.maintenance.core.internal.Json;
import io.maintenance.core.internal.artifacts.ArtifactPolicy;
import io.maintenance.core.internal.artifacts.Artifacts;
import io.maintenance.datastore.postgres.PostgresDatastore;
import io.maintenance.spi.ProgressListener;
import io.maintenance.spi.internal.BackupLayout;
import io.maintenance.spi.internal.Contexts;
import io.maintenance.spi.internal.StorageArtifactSink;
import io.maintenance.spi.internal.StorageArtifactSource;
import io.maintenance.spi.internal.UploadTracker;
import io.maintenance.storage.local.LocalStorageProvider;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * The engine's artifact pipeline (compress -> encrypt -> hash -> store) against the command-line tools.
 *
 * <pre>
 *   java -Xmx256m -cp ... io.maintenance.benchmarks.artifacts.ArtifactsBenchmark pipeline|pg-backup|pg-restore
 * </pre>
 *
 * {@code pipeline}: a generated 1 GiB table-dump-like stream (BENCH_BYTES) through {@code StorageArtifactSink}
 * with the engine's codec (zstd level 3; then zstd + Tink streaming AEAD with a keyset-file data key) into
 * {@code storage-local} (fsynced), against {@code zstd -3 | tee >(sha256sum) > file && sync} on the same file.
 * {@code pg-backup}/{@code pg-restore}: {@code PostgresDatastore} through the engine's codec against
 * {@code pg_dump -Fc} (default compression) and {@code pg_restore}, same server and data (PG_BIN, PG_PORT, PG_USER).
 * Each phase prints best and median ratios and the load average at start and end.
 */
public final class ArtifactsBenchmark {
  private final Path dir = Path.of(PgbenchServer.env("BENCH_DIR", "/tmp/artifacts-bench"));
  private final int rounds = Integer.parseInt(PgbenchServer.env("BENCH_ROUNDS", "3"));
  private final long bytes = Long.parseLong(PgbenchServer.env("BENCH_BYTES", Long.toString(1L << 30)));
  private final String bin = PgbenchServer.env("PG_BIN", "/usr/lib/postgresql/15/bin");
  private final PgbenchServer server = new PgbenchServer();

  public static void main(String[] args) throws Exception {
    String phase = args.length > 0 ? args[0] : "pipeline";
    ArtifactsBenchmark b = new ArtifactsBenchmark();
    Files.createDirectories(b.dir);
    System.out.printf("phase %s, load average at start: %s%n", phase, loadAverage());
    switch (phase) {
      case "pipeline" -> b.pipeline();
      case "pg-backup" -> b.pgBackup();
      case "pg-restore" -> b.pgRestore();
      default -> throw new IllegalArgumentException("phase must be pipeline, pg-backup or pg-restore");
    }
    System.out.printf("load average at end: %s; JVM peak RSS (VmHWM) %s, max heap %d MiB%n", loadAverage(), vmHwm(),
        Runtime.getRuntime().maxMemory() >> 20);
  }

  private Map<String, String> policy(boolean encrypted) throws Exception {
    Map<String, String> p = new LinkedHashMap<>(Map.of("compression", "zstd", "compression.level", "3"));
    if (encrypted) {
      p.put("encryption", "keyset");
      p.put("encryption.keyset-file", keyset().toString());
    }
    return p;
  }

  /** A Tink keyset with one AES256_GCM key-encryption key (what `tinkey create-keyset --key-template AES256_GCM` writes). */
  private Path keyset() throws Exception {
    Path file = dir.resolve("kek.json");
    if (!Files.exists(file)) {
      com.google.crypto.tink.aead.AeadConfig.register();
      Files.writeString(file, com.google.crypto.tink.TinkJsonProtoKeysetFormat.serializeKeyset(
          com.google.crypto.tink.KeysetHandle.generateNew(com.google.crypto.tink.aead.PredefinedAeadParameters.AES256_GCM),
          com.google.crypto.tink.InsecureSecretKeyAccess.get()));
    }
    return file;
  }

  // ------------------------------------------------------------------ pipeline

  private void pipeline() throws Exception {
    Path data = dir.resolve("stream.csv");
    if (!Files.exists(data) || Files.size(data) != bytes) {
      generate(data);
    }
    System.out.printf("input: %s, %d MiB of table-dump-like rows (the same file for every side)%n", data, bytes >> 20);
    List<Double> ref = new ArrayList<>();
    List<Double> zstd = new ArrayList<>();
    List<Double> enc = new ArrayList<>();
    long refSize = 0;
    long ourSize = 0;
    for (int r = 1; r <= rounds; r++) {
      Path out = dir.resolve("ref.zst");
      Files.deleteIfExists(out);
      ref.add(run(List.of("bash", "-c", "zstd -3 -q -c < '" + data + "' | tee >(sha256sum > '" + dir.resolve("ref.sha256")
          + "') > '" + out + "' && sync")));
      refSize = Files.size(out);
      Files.delete(out);
      double[] z = ourPipeline(data, "z" + r, false);
      zstd.add(z[0]);
      ourSize = (long) z[1];
      enc.add(ourPipeline(data, "e" + r, true)[0]);
      System.out.printf("round %d: zstd -3 | tee >(sha256sum) > file && sync %.2f s; engine zstd %.2f s; engine zstd+encryption %.2f s%n",
          r, ref.get(r - 1), zstd.get(r - 1), enc.get(r - 1));
    }
    System.out.printf("stored: zstd CLI %d MiB, engine (zstd) %d MiB%n", refSize >> 20, ourSize >> 20);
    throughput("pipeline, zstd", ref, zstd);
    throughput("pipeline, zstd + encryption", ref, enc);
  }

  /** Seconds and stored bytes of one artifact through the engine's sink into fsynced local storage. */
  private double[] ourPipeline(Path data, String backupId, boolean encrypted) throws Exception {
    Path root = dir.resolve("store");
    deleteTree(root.resolve(backupId));
    LocalStorageProvider storage = LocalStorageProvider.builder().path(root).chunkSize(8 << 20).fsync(true).build();
    Artifacts artifacts = Artifacts.start(ArtifactPolicy.parse(policy(encrypted)));
    long start = System.nanoTime();
    StorageArtifactSink sink = new StorageArtifactSink(storage, backupId + "/ds", UploadTracker.NONE, Optional.empty(),
        artifacts.writer(backupId).codec("ds"));
    try (InputStream in = Files.newInputStream(data); OutputStream out = sink.create("stream.csv", "text/csv")) {
      in.transferTo(out);
    }
    double secs = (System.nanoTime() - start) / 1e9;
    long stored = sink.completed().get(0).size();
    deleteTree(root.resolve(backupId));
    return new double[] {secs, stored};
  }

  /** Rows like a table dump (ids, numbers, dates, a few words), deterministic; compresses about 4:1 with zstd -3. */
  private void generate(Path file) throws IOException {
    String[] words = {"alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "india", "juliet", "kilo",
        "lima", "mike", "november", "oscar", "papa", "quebec", "romeo", "sierra", "tango"};
    SplittableRandom rnd = new SplittableRandom(42);
    long written = 0;
    try (BufferedWriter w = Files.newBufferedWriter(file, StandardCharsets.US_ASCII)) {
      StringBuilder row = new StringBuilder(200);
      for (long id = 1; written < bytes; id++) {
        row.setLength(0);
        row.append(id).append('\t').append(rnd.nextInt(1, 200)).append('\t').append(rnd.nextInt(-99999, 99999)).append('\t')
            .append("2026-").append(1 + rnd.nextInt(12)).append('-').append(1 + rnd.nextInt(28)).append(' ')
            .append(rnd.nextInt(24)).append(':').append(rnd.nextInt(60)).append(":00+00\t")
            .append(words[rnd.nextInt(words.length)]).append(' ').append(words[rnd.nextInt(words.length)]).append(' ')
            .append(Long.toHexString(rnd.nextLong())).append('\n');
        int n = (int) Math.min(row.length(), bytes - written);
        w.append(row, 0, n);
        written += n;
      }
    }
  }

  // ------------------------------------------------------------------ pgbench

  private void pgBackup() throws Exception {
    PGSimpleDataSource source = server.dataSource("bench");
    System.out.printf("source: %s rows in pgbench_accounts, database size %s%n",
        PgbenchServer.query(source, "SELECT count(*) FROM pgbench_accounts"), PgbenchServer.query(source, "SELECT pg_size_pretty(pg_database_size(current_database()))"));
    List<Double> dump = new ArrayList<>();
    List<Double> zstd = new ArrayList<>();
    List<Double> enc = new ArrayList<>();
    Path dumpFile = dir.resolve("bench.dump");
    long zstdBytes = 0;
    long encBytes = 0;
    for (int r = 1; r <= rounds; r++) {
      Files.deleteIfExists(dumpFile);
      dump.add(run(List.of(bin + "/pg_dump", "-Fc", "-h", "127.0.0.1", "-p", Integer.toString(server.port()), "-U", server.user(),
          "-f", dumpFile.toString(), "bench")));
      zstd.add(ourBackup(source, "zstd", false));
      zstdBytes = folderSize(dir.resolve("store").resolve("zstd"));
      enc.add(ourBackup(source, "enc", true));
      encBytes = folderSize(dir.resolve("store").resolve("enc"));
      System.out.printf("round %d: pg_dump -Fc %.2f s; datastore backup, zstd %.2f s; zstd + encryption %.2f s%n",
          r, dump.get(r - 1), zstd.get(r - 1), enc.get(r - 1));
    }
    long dumpBytes = Files.size(dumpFile);
    System.out.printf("RESULT stored bytes: pg_dump -Fc %.1f MiB; engine zstd %.1f MiB (ratio %.2f); zstd + encryption %.1f MiB (ratio %.2f)%n",
        dumpBytes / 1048576.0, zstdBytes / 1048576.0, (double) zstdBytes / dumpBytes, encBytes / 1048576.0, (double) encBytes / dumpBytes);
    times("backup, zstd", "pg_dump -Fc", dump, zstd);
    times("backup, zstd + encryption", "pg_dump -Fc", dump, enc);
  }

  private double ourBackup(PGSimpleDataSource source, String backupId, boolean encrypted) throws Exception {
    Path root = dir.resolve("store");
    deleteTree(root.resolve(backupId));
    LocalStorageProvider storage = LocalStorageProvider.builder().path(root).chunkSize(8 << 20).fsync(true).build();
    Artifacts artifacts = Artifacts.start(ArtifactPolicy.parse(policy(encrypted)));
    PostgresDatastore ds = PostgresDatastore.builder("pg").dataSource(source).build();
    long start = System.nanoTime();
    Artifacts.Writer writer = artifacts.writer(backupId);
    StorageArtifactSink sink = new StorageArtifactSink(storage, BackupLayout.datastoreFolder("", backupId, "pg"),
        UploadTracker.NONE, Optional.empty(), writer.codec("pg"));
    ds.backup(new Contexts.Backup(backupId, BackupType.FULL, Optional.empty(), sink, ProgressListener.NONE));
    double secs = (System.nanoTime() - start) / 1e9;
    BackupManifest m = new BackupManifest(BackupManifest.FORMAT_VERSION, backupId, BackupType.FULL, Optional.empty(), Instant.now(),
        Instant.now(), "bench", List.of(new DatastoreManifest("pg", "postgres", "bench", "n/a", sink.completed(), List.of(), Map.of())),
        writer.dataKey().stream().toList());
    Files.write(dir.resolve(backupId + ".manifest"), Json.writePretty(m));
    return secs;
  }

  private void pgRestore() throws Exception {
    BackupManifest m = Json.MAPPER.readValue(Files.readAllBytes(dir.resolve("enc.manifest")), BackupManifest.class);
    DatastoreManifest section = m.datastores().get(0);
    Artifacts artifacts = Artifacts.start(ArtifactPolicy.parse(policy(true)));
    String expected = PgbenchServer.checksum(server.dataSource("bench"));
    List<Double> ref = new ArrayList<>();
    List<Double> ours = new ArrayList<>();
    for (int r = 1; r <= rounds; r++) {
      server.recreate("bench_ref");
      ref.add(run(List.of(bin + "/pg_restore", "-h", "127.0.0.1", "-p", Integer.toString(server.port()), "-U", server.user(),
          "-d", "bench_ref", dir.resolve("bench.dump").toString())));
      server.recreate("bench_ours");
      PostgresDatastore target = PostgresDatastore.builder("pg").dataSource(server.dataSource("bench_ours")).build();
      LocalStorageProvider storage = LocalStorageProvider.builder().path(dir.resolve("store")).chunkSize(8 << 20).fsync(true).build();
      DatastorePlan plan = target.plan(context(storage, m, section, artifacts, Optional.empty()));
      long start = System.nanoTime();
      target.restore(context(storage, m, section, artifacts, Optional.of(plan)));
      ours.add((System.nanoTime() - start) / 1e9);
      System.out.printf("round %d: pg_restore %.2f s; datastore restore, zstd + encryption %.2f s (its plan not counted)%n",
          r, ref.get(r - 1), ours.get(r - 1));
      if (!PgbenchServer.checksum(server.dataSource("bench_ours")).equals(expected) || !PgbenchServer.checksum(server.dataSource("bench_ref")).equals(expected)) {
        throw new IllegalStateException("restored data differs from the source");
      }
    }
    System.out.println("restored data checked: row counts and row hashes of all four pgbench tables equal the source");
    times("restore, zstd + encryption", "pg_restore", ref, ours);
  }

  private static io.maintenance.spi.RestoreContext context(LocalStorageProvider storage, BackupManifest m, DatastoreManifest section,
      Artifacts artifacts, Optional<DatastorePlan> plan) {
    StorageArtifactSource source = new StorageArtifactSource(storage, section.artifacts(),
        (ArtifactInfo a) -> BackupLayout.artifactKey("", m.backupId(), "pg", a.name()), artifacts.reader(m, section));
    return new Contexts.Restore("bench", m.backupId(), section, source, Map.of(), plan, ProgressListener.NONE);
  }

  // ------------------------------------------------------------------ helpers

  /** Throughput ratio = reference time / our time (higher is better for us). */
  private static void throughput(String what, List<Double> ref, List<Double> ours) {
    double best = ours.stream().min(Double::compare).orElseThrow();
    double bestRef = ref.stream().min(Double::compare).orElseThrow();
    System.out.printf("RESULT %s: throughput ratio (engine / CLI) best %.2f, median %.2f; CLI best %.2f s, engine best %.2f s%n",
        what, bestRef / best, median(ref) / median(ours), bestRef, best);
  }

  /** Time ratio = our time / reference time (lower is better for us). */
  private static void times(String what, String tool, List<Double> ref, List<Double> ours) {
    double best = ours.stream().min(Double::compare).orElseThrow();
    double bestRef = ref.stream().min(Double::compare).orElseThrow();
    System.out.printf("RESULT %s: wall time ratio (engine / %s) best %.2f, median %.2f; %s best %.2f s, engine best %.2f s%n",
        what, tool, best / bestRef, median(ours) / median(ref), tool, bestRef, best);
  }

  private static double median(List<Double> xs) {
    List<Double> s = xs.stream().sorted().toList();
    return s.size() % 2 == 1 ? s.get(s.size() / 2) : (s.get(s.size() / 2 - 1) + s.get(s.size() / 2)) / 2;
  }

  private static double run(List<String> command) throws IOException, InterruptedException {
    long start = System.nanoTime();
    Process p = new ProcessBuilder(command).inheritIO().start();
    int rc = p.waitFor();
    double secs = (System.nanoTime() - start) / 1e9;
    if (rc != 0) {
      throw new IllegalStateException(command + " exited with " + rc);
    }
    return secs;
  }

  private static long folderSize(Path p) throws IOException {
    try (Stream<Path> s = Files.walk(p)) {
      return s.filter(Files::isRegularFile).mapToLong(x -> x.toFile().length()).sum();
    }
  }

  private static void deleteTree(Path p) throws IOException {
    if (!Files.exists(p)) {
      return;
    }
    try (Stream<Path> s = Files.walk(p)) {
      for (Path x : s.sorted(Comparator.reverseOrder()).toList()) {
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
