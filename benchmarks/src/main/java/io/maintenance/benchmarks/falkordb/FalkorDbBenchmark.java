package io.maintenance.benchmarks.falkordb;

import io.maintenance.api.ArtifactInfo;
import io.maintenance.api.BackupType;
import io.maintenance.api.DatastoreManifest;
import io.maintenance.api.DatastorePlan;
import io.maintenance.datastore.falkordb.FalkorDbDatastore;
import io.maintenance.spi.ArtifactSink;
import io.maintenance.spi.ArtifactSource;
import io.maintenance.spi.BackupContext;
import io.maintenance.spi.DatastoreBackup;
import io.maintenance.spi.ProgressListener;
import io.maintenance.spi.RestoreContext;
import io.maintenance.spi.RestoreOutcome;
import io.maintenance.spi.internal.Contexts;
import io.maintenance.spi.internal.StorageArtifactSink;
import io.maintenance.spi.internal.StorageArtifactSource;
import io.maintenance.spi.internal.UploadTracker;
import io.maintenance.storage.local.LocalStorageProvider;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.commands.ProtocolCommand;

/**
 * Backup and restore of a graph of N nodes and 2N edges with mixed properties, in the physical and
 * the logical format, compared in the same run with what the server does by itself: {@code BGSAVE}
 * of the server (which holds only that graph), {@code GRAPH.COPY} of the graph and
 * {@code redis-cli --rdb}. Every operation runs several times; best and median are reported, with
 * the load average, the time the server was blocked by DUMP / RESTORE (from its SLOWLOG), and a
 * check that each restore gives back exactly the backed-up graph (its content fingerprint).
 *
 * <pre>java -Xmx256m ... FalkorDbBenchmark redis://127.0.0.1:6379 200000,1000000 [workDir] [redis-cli] [repetitions]</pre>
 */
public final class FalkorDbBenchmark {
  private static final String GRAPH = "bench";

  private enum Cmd implements ProtocolCommand {
    QUERY("GRAPH.QUERY"), COPY("GRAPH.COPY"), DELETE("GRAPH.DELETE");

    private final byte[] raw;

    Cmd(String name) {
      raw = name.getBytes(StandardCharsets.US_ASCII);
    }

    @Override
    public byte[] getRaw() {
      return raw;
    }
  }

  private static String url;
  private static Path work;
  private static String redisCli;
  private static int reps;

  public static void main(String[] args) throws Exception {
    url = args.length > 0 ? args[0] : System.getenv("MAINTENANCE_IT_FALKORDB_URL");
    long[] sizes = Arrays.stream((args.length > 1 ? args[1] : "200000,1000000").split(",")).mapToLong(Long::parseLong).toArray();
    work = Path.of(args.length > 2 ? args[2] : "benchmarks/target/falkordb-bench");
    redisCli = args.length > 3 ? args[3] : "redis-cli";
    reps = args.length > 4 ? Integer.parseInt(args[4]) : 3;
    Files.createDirectories(work);
    URI u = URI.create(url);
    try (Jedis j = new Jedis(new HostAndPort(u.getHost(), u.getPort()), redis.clients.jedis.DefaultJedisClientConfig.builder()
        .socketTimeoutMillis(1_800_000).build())) {
      j.configSet("repl-diskless-sync-delay", "0"); // redis-cli --rdb would otherwise wait 5 s for more replicas
      for (long n : sizes) {
        run(j, n);
      }
    }
  }

  private static void run(Jedis j, long nodes) throws Exception {
    System.out.printf("%n=== %,d nodes / %,d edges, %d runs each ===%n", nodes, 2 * nodes, reps);
    for (String format : List.of("physical", "logical")) {
      deleteTree(work.resolve("artifacts-" + format));
    }
    System.out.printf("load before: %s", Files.readString(Path.of("/proc/loadavg")));
    long t0 = System.nanoTime();
    generate(j, nodes);
    System.out.printf("generated %,d nodes and %,d edges in %.1f s; server used_memory %s%n", count(j, "MATCH (n) RETURN count(n)"),
        count(j, "MATCH ()-[e]->() RETURN count(e)"), secs(t0), info(j, "memory", "used_memory_human"));

    Map<String, double[]> times = new LinkedHashMap<>();
    times.put(announce("GRAPH.COPY"), repeat(() -> {
      j.sendCommand(Cmd.COPY, GRAPH, "bench_copy");
      return null;
    }, () -> j.sendCommand(Cmd.DELETE, "bench_copy")));
    times.put(announce("BGSAVE (server holding only the graph)"), repeat(() -> {
      bgsave(j);
      return null;
    }, null));
    Path rdb = work.resolve("dump.rdb");
    times.put(announce("redis-cli --rdb"), repeat(() -> {
      Files.deleteIfExists(rdb);
      URI u = URI.create(url);
      Process p = new ProcessBuilder(redisCli, "-h", u.getHost(), "-p", Integer.toString(u.getPort()), "--rdb", rdb.toString())
          .redirectErrorStream(true).redirectOutput(work.resolve("redis-cli.log").toFile()).start();
      if (p.waitFor() != 0) {
        throw new IllegalStateException("redis-cli --rdb failed, see " + work.resolve("redis-cli.log"));
      }
      return null;
    }, null));
    long rdbBytes = Files.size(rdb);

    Map<String, String> notes = new LinkedHashMap<>();
    for (String format : System.getProperty("bench.formats", "physical,logical").split(",")) {
      FalkorDbDatastore.Builder builder = FalkorDbDatastore.builder("bench").uri(url).include(GRAPH).format(format)
          .physicalLimit(Long.MAX_VALUE);
      if (System.getProperty("bench.batchSize") != null) {
        builder.batchSize(Integer.getInteger("bench.batchSize"));
      }
      if (System.getProperty("bench.readBatchSize") != null) {
        builder.readBatchSize(Integer.getInteger("bench.readBatchSize"));
      }
      if (System.getProperty("bench.dumpSource") != null) {
        builder.dumpSource(System.getProperty("bench.dumpSource")); // copy (default) or live: the fingerprint's cost both ways
      }
      try (FalkorDbDatastore ds = builder.build()) {
        // The engine's own artifact plumbing (SHA-256 on the way in, verified reads) over local files;
        // fsync off, as the reference tools do not fsync either.
        LocalStorageProvider storage = LocalStorageProvider.builder().path(work.resolve("artifacts-" + format)).chunkSize(8 << 20).fsync(false).build();
        Object[] last = new Object[2];
        int[] run = {0};
        slowlogReset(j);
        times.put(announce(format + " backup"), repeat(() -> {
          StorageArtifactSink files = new StorageArtifactSink(storage, "bench/" + format + "-" + run[0]++, UploadTracker.NONE,
              Optional.empty());
          DatastoreBackup b = ds.backup(backupContext(files));
          last[0] = b;
          last[1] = files;
          return null;
        }, null));
        long dumpBlocked = slowlogMaxMicros(j);
        DatastoreBackup backup = (DatastoreBackup) last[0];
        StorageArtifactSink files = (StorageArtifactSink) last[1];
        String prefix = "bench/" + format + "-" + (run[0] - 1) + "/";
        DatastoreManifest manifest = new DatastoreManifest("bench", "falkordb", "bench", backup.sourceFingerprint().value(),
            files.completed(), backup.resources(), backup.metadata());
        ArtifactSource source = new StorageArtifactSource(storage, manifest.artifacts(), a -> prefix + a.name());
        DatastorePlan[] plan = new DatastorePlan[1];
        times.put(announce(format + " plan (verify, validate, diff)"), repeat(() -> {
          plan[0] = ds.plan(restoreContext(manifest, source, Optional.empty()));
          return null;
        }, null));
        slowlogReset(j);
        times.put(announce(format + " restore (in place)"), repeat(() -> {
          RestoreOutcome outcome = ds.restore(restoreContext(manifest, source, Optional.of(plan[0])));
          if (!outcome.resources().get(0).counts().equals(backup.resources().get(0).counts())) {
            throw new IllegalStateException("restored counts differ: " + outcome.resources() + " vs " + backup.resources());
          }
          return null;
        }, null));
        long restoreBlocked = slowlogMaxMicros(j);
        // The restored graph is the backed-up one to the bit, id and schema name (content fingerprint).
        io.maintenance.spi.Fingerprint now = ds.fingerprint(Set.of(GRAPH));
        if (!now.value().equals(backup.sourceFingerprint().value())) {
          throw new IllegalStateException(format + ": the restored graph's fingerprint differs from the backup's: "
              + now.components() + " vs " + backup.sourceFingerprint().components());
        }
        if (format.equals("physical")) {
          times.put(announce("fingerprint (content checksum, drift check)"), repeat(() -> ds.fingerprint(Set.of(GRAPH)), null));
        }
        if (format.equals("physical") && System.getProperty("bench.dumpSource") == null) {
          // What the default's safety costs: the same steps DUMPing the live graph (exposed to FalkorDB 4.16's DUMP race).
          try (FalkorDbDatastore live = builder.dumpSource("live").build()) {
            times.put(announce("physical backup (dump-source=live)"), repeat(() -> live.backup(backupContext(new StorageArtifactSink(
                storage, "bench/live-" + run[0]++, UploadTracker.NONE, Optional.empty()))), null));
            times.put(announce("fingerprint (dump-source=live)"), repeat(() -> live.fingerprint(Set.of(GRAPH)), null));
          }
        }
        long bytes = files.completed().stream().mapToLong(ArtifactInfo::size).sum();
        notes.put(format, String.format(Locale.ROOT, "%s artifacts %,d bytes; longest single server command during backup %.3f s, "
            + "during restore %.3f s; restored graph verified identical", format, bytes, dumpBlocked / 1e6, restoreBlocked / 1e6));
      }
    }

    System.out.printf("load after: %s%n", Files.readString(Path.of("/proc/loadavg")));
    System.out.printf("%-46s %9s %9s%n", "operation (seconds)", "best", "median");
    times.forEach((k, v) -> System.out.printf(Locale.ROOT, "%-46s %9.2f %9.2f%n", k, v[0], median(v)));
    System.out.printf("redis-cli --rdb file: %,d bytes%n", rdbBytes);
    notes.values().forEach(System.out::println);
    System.out.println();
    ratio(times, "physical backup", "BGSAVE (server holding only the graph)", 2);
    ratio(times, "physical restore (in place)", "GRAPH.COPY", 2);
    ratio(times, "logical backup", "GRAPH.COPY", 3);
    ratio(times, "logical restore (in place)", "GRAPH.COPY", 5);
    ratio(times, "physical backup (dump-source=live)", "BGSAVE (server holding only the graph)", 2);
    ratio(times, "physical backup", "redis-cli --rdb", 0);
    System.out.printf("JVM: max heap %d MiB, peak RSS (VmHWM) %s; server used_memory_peak %s%n", Runtime.getRuntime().maxMemory() >> 20,
        vmHwm(), info(j, "memory", "used_memory_peak_human"));
  }

  private static String announce(String op) {
    System.out.println(op + ":");
    return op;
  }

  private static void ratio(Map<String, double[]> times, String ours, String reference, double target) {
    double[] a = times.get(ours);
    double[] b = times.get(reference);
    if (a == null || b == null) {
      return;
    }
    System.out.printf(Locale.ROOT, "%-28s / %-38s best %5.2f  median %5.2f%s%n", ours, reference, a[0] / b[0], median(a) / median(b),
        target > 0 ? "  (target <= " + (int) target + ")" : "");
  }

  /** Runs {@code op} {@link #reps} times ({@code after} after each, untimed); returns sorted seconds. */
  private static double[] repeat(Callable<Object> op, Callable<Object> after) throws Exception {
    System.out.print("");
    double[] s = new double[reps];
    for (int i = 0; i < reps; i++) {
      long t = System.nanoTime();
      op.call();
      s[i] = secs(t);
      System.out.printf(Locale.ROOT, "  %.2f s%n", s[i]);
      if (after != null) {
        after.call();
      }
    }
    Arrays.sort(s);
    return s;
  }

  private static double median(double[] sorted) {
    int n = sorted.length;
    return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
  }

  private static void bgsave(Jedis j) throws InterruptedException {
    String before = info(j, "persistence", "rdb_saves");
    j.bgsave();
    while (!"0".equals(info(j, "persistence", "rdb_bgsave_in_progress")) || before.equals(info(j, "persistence", "rdb_saves"))) {
      Thread.sleep(5);
    }
    if (!"ok".equals(info(j, "persistence", "rdb_last_bgsave_status"))) {
      throw new IllegalStateException("BGSAVE failed");
    }
  }

  private static String info(Jedis j, String section, String field) {
    for (String line : j.info(section).split("\r?\n")) {
      if (line.startsWith(field + ":")) {
        return line.substring(field.length() + 1).trim();
      }
    }
    return "";
  }

  private static void slowlogReset(Jedis j) {
    j.configSet("slowlog-log-slower-than", "100000"); // commands over 0.1 s
    j.slowlogReset();
  }

  /** The longest command since the reset, in microseconds (how long the server could serve nobody else). */
  private static long slowlogMaxMicros(Jedis j) {
    // Raw reply: entries from scripts have no client address, which Jedis' Slowlog parser refuses.
    List<?> entries = (List<?>) j.sendCommand(redis.clients.jedis.Protocol.Command.SLOWLOG, "GET", "128");
    return entries.stream().mapToLong(e -> (Long) ((List<?>) e).get(2)).max().orElse(0);
  }

  /** N nodes (Person and Company, mixed property types) and 2N edges; node ids are 0..N-1 in a fresh graph. */
  private static void generate(Jedis j, long n) {
    if (count(j, "MATCH (n) RETURN count(n)") == n && count(j, "MATCH ()-[e]->() RETURN count(e)") == 2 * n) {
      return;
    }
    j.sendCommand(Cmd.QUERY, GRAPH, "RETURN 1");
    j.sendCommand(Cmd.DELETE, GRAPH);
    long chunk = 100_000;
    // Labels are given at creation: adding a label to many existing nodes is quadratic on the server.
    String props = "id: i, name: 'person ' + toString(i), score: toFloat(i) / 7.0, active: i % 2 = 0, "
        + "tags: ['t' + toString(i % 10), 'all'], born: date({year: 1950 + i % 50, month: 1 + i % 12, day: 1 + i % 28}), "
        + "loc: point({latitude: toFloat(i % 90), longitude: toFloat(i % 180) / 3.0})";
    String emb = ", emb: vecf32([toFloat(i % 7), 0.5, -1.25, toFloat(i) / 3.0])";
    for (long lo = 0; lo < n; lo += chunk) {
      long hi = Math.min(n, lo + chunk) - 1;
      // One node in ten is also a Company, with a small embedding.
      query(j, "UNWIND range(" + lo + ", " + hi + ") AS i "
          + "FOREACH (_ IN CASE WHEN i % 10 = 0 THEN [1] ELSE [] END | CREATE (:Person:Company {" + props + emb + "})) "
          + "FOREACH (_ IN CASE WHEN i % 10 = 0 THEN [] ELSE [1] END | CREATE (:Person {" + props + "}))");
    }
    query(j, "CREATE INDEX FOR (p:Person) ON (p.id)");
    for (long lo = 0; lo < n; lo += chunk) {
      long hi = Math.min(n, lo + chunk) - 1;
      query(j, "UNWIND range(" + lo + ", " + hi + ") AS i WITH i, (i * 7919 + 13) % " + n + " AS k MATCH (a) WHERE id(a) = i "
          + "MATCH (b) WHERE id(b) = k CREATE (a)-[:KNOWS {w: toFloat(i % 1000) / 3.0, since: 2000 + i % 25}]->(b)");
      query(j, "UNWIND range(" + lo + ", " + hi + ") AS i WITH i, (i * 31 + 7) % " + n + " AS k MATCH (a) WHERE id(a) = i "
          + "MATCH (b) WHERE id(b) = k CREATE (a)-[:WORKS_WITH {role: 'r' + toString(i % 5)}]->(b)");
    }
  }

  private static Object query(Jedis j, String q) {
    return j.sendCommand(Cmd.QUERY, GRAPH.getBytes(StandardCharsets.UTF_8), q.getBytes(StandardCharsets.UTF_8));
  }

  private static long count(Jedis j, String q) {
    try {
      List<?> reply = (List<?>) j.sendCommand(Cmd.QUERY, GRAPH.getBytes(StandardCharsets.UTF_8), q.getBytes(StandardCharsets.UTF_8),
          "--compact".getBytes(StandardCharsets.US_ASCII));
      List<?> row = (List<?>) ((List<?>) reply.get(1)).get(0);
      return (Long) ((List<?>) row.get(0)).get(1);
    } catch (RuntimeException e) {
      return -1;
    }
  }

  private static double secs(long start) {
    return (System.nanoTime() - start) / 1e9;
  }

  private static void deleteTree(Path dir) throws IOException {
    if (Files.exists(dir)) {
      try (var paths = Files.walk(dir)) {
        for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
          Files.delete(p);
        }
      }
    }
  }

  private static String vmHwm() throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
      if (line.startsWith("VmHWM:")) {
        return line.substring(6).trim();
      }
    }
    return "unknown";
  }

  private static BackupContext backupContext(ArtifactSink files) {
    return new Contexts.Backup("bench-backup", BackupType.FULL, Optional.empty(), files, ProgressListener.NONE);
  }

  private static RestoreContext restoreContext(DatastoreManifest m, ArtifactSource files, Optional<DatastorePlan> plan) {
    return new Contexts.Restore("bench-restore-" + System.nanoTime(), "bench-backup", m, files, Map.of(), plan,
        ProgressListener.NONE);
  }
}
