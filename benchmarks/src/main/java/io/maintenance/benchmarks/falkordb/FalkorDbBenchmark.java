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
import io.maintenance.spi.support.Contexts;
import io.maintenance.spi.support.StorageArtifactSink;
import io.maintenance.spi.support.StorageArtifactSource;
import io.maintenance.spi.support.UploadTracker;
import io.maintenance.storage.local.LocalStorage;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.commands.ProtocolCommand;

/**
 * Backup and restore of a graph of N nodes and 2N edges with mixed properties, compared in the same
 * run with GRAPH.COPY of the same graph and with {@code redis-cli --rdb} of the whole server.
 *
 * <pre>java -Xmx256m ... FalkorDbBenchmark redis://127.0.0.1:6379 [nodes] [workDir] [redis-cli]</pre>
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

  public static void main(String[] args) throws Exception {
    String url = args.length > 0 ? args[0] : System.getenv("MAINTENANCE_IT_FALKORDB_URL");
    long nodes = args.length > 1 ? Long.parseLong(args[1]) : 1_000_000L;
    Path work = Path.of(args.length > 2 ? args[2] : "benchmarks/target/falkordb-bench");
    String redisCli = args.length > 3 ? args[3] : "redis-cli";
    URI u = URI.create(url);
    Files.createDirectories(work);

    System.out.printf("load before: %s", Files.readString(Path.of("/proc/loadavg")));
    try (Jedis j = new Jedis(new HostAndPort(u.getHost(), u.getPort()), redis.clients.jedis.DefaultJedisClientConfig.builder()
        .socketTimeoutMillis(600_000).build())) {
      long t0 = System.nanoTime();
      generate(j, nodes);
      System.out.printf("generated %,d nodes and %,d edges in %.1f s%n", count(j, "MATCH (n) RETURN count(n)"),
          count(j, "MATCH ()-[e]->() RETURN count(e)"), secs(t0));

      // Reference 1: the server's own in-memory copy of the graph.
      long t = System.nanoTime();
      j.sendCommand(Cmd.COPY, GRAPH, "bench_copy");
      double copy = secs(t);
      j.sendCommand(Cmd.DELETE, "bench_copy");

      // Reference 2: a full RDB snapshot of the server streamed to a file (without the default 5 s
      // wait for more replicas before a diskless transfer starts).
      j.configSet("repl-diskless-sync-delay", "0");
      Path rdb = work.resolve("dump.rdb");
      Files.deleteIfExists(rdb);
      t = System.nanoTime();
      Process p = new ProcessBuilder(redisCli, "-h", u.getHost(), "-p", Integer.toString(u.getPort()), "--rdb", rdb.toString())
          .redirectErrorStream(true).redirectOutput(work.resolve("redis-cli.log").toFile()).start();
      if (p.waitFor() != 0) {
        throw new IllegalStateException("redis-cli --rdb failed, see " + work.resolve("redis-cli.log"));
      }
      double rdbSecs = secs(t);
      long rdbBytes = Files.size(rdb);

      FalkorDbDatastore.Builder builder = FalkorDbDatastore.builder("bench").uri(url).include(GRAPH);
      if (System.getProperty("bench.batchSize") != null) {
        builder.batchSize(Integer.getInteger("bench.batchSize"));
      }
      if (System.getProperty("bench.readBatchSize") != null) {
        builder.readBatchSize(Integer.getInteger("bench.readBatchSize"));
      }
      FalkorDbDatastore ds = builder.build();
      // The engine's own artifact plumbing (SHA-256 on the way in, verified reads) over local files;
      // fsync off, as the reference tools do not fsync either.
      LocalStorage storage = new LocalStorage(work.resolve("artifacts"), 8 << 20, false);
      StorageArtifactSink files = new StorageArtifactSink(storage, "bench/graph", UploadTracker.NONE, Optional.empty());
      t = System.nanoTime();
      DatastoreBackup backup = ds.backup(backupContext(files));
      double backupSecs = secs(t);
      long heapAfterBackup = usedHeap();

      DatastoreManifest manifest = new DatastoreManifest("bench", "falkordb", "bench", backup.sourceFingerprint().value(),
          files.completed(), backup.resources(), backup.metadata());
      t = System.nanoTime();
      ArtifactSource source = new StorageArtifactSource(storage, manifest.artifacts(), a -> "bench/graph/" + a.name());
      DatastorePlan plan = ds.plan(restoreContext(manifest, source, Optional.empty()));
      double planSecs = secs(t);
      t = System.nanoTime();
      RestoreOutcome outcome = ds.restore(restoreContext(manifest, source, Optional.of(plan)));
      double restoreSecs = secs(t);
      if (!outcome.resources().get(0).counts().equals(backup.resources().get(0).counts())) {
        throw new IllegalStateException("restored counts differ: " + outcome.resources() + " vs " + backup.resources());
      }

      System.out.printf("load after: %s", Files.readString(Path.of("/proc/loadavg")));
      System.out.println();
      System.out.printf("%-44s %10s %12s%n", "operation", "seconds", "bytes");
      System.out.printf("%-44s %10.2f %12s%n", "GRAPH.COPY (server-side clone)", copy, "-");
      System.out.printf("%-44s %10.2f %,12d%n", "redis-cli --rdb (whole server)", rdbSecs, rdbBytes);
      System.out.printf("%-44s %10.2f %,12d%n", "backup (logical export, gzip, incl. snapshot)", backupSecs, files.completed().stream().mapToLong(ArtifactInfo::size).sum());
      System.out.printf("%-44s %10.2f %12s%n", "plan (verify + validate artifact, dry run)", planSecs, "-");
      System.out.printf("%-44s %10.2f %12s%n", "restore (staging build + swap + verify)", restoreSecs, "-");
      System.out.println();
      System.out.printf(Locale.ROOT, "ratios: backup/GRAPH.COPY %.1f, backup/rdb %.1f, restore/GRAPH.COPY %.1f, restore/rdb %.1f%n",
          backupSecs / copy, backupSecs / rdbSecs, restoreSecs / copy, restoreSecs / rdbSecs);
      System.out.printf("throughput: backup %,.0f entities/s, restore %,.0f entities/s%n",
          (nodes * 3) / backupSecs, (nodes * 3) / restoreSecs);
      System.out.printf("JVM: max heap %d MiB, heap used after backup %d MiB, peak RSS (VmHWM) %s%n",
          Runtime.getRuntime().maxMemory() >> 20, heapAfterBackup >> 20, vmHwm());
      System.out.println("counts: " + backup.resources().get(0).counts());
    }
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
      // One node in ten is also a Company, with a small embedding; node i gets id i.
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

  private static long usedHeap() {
    Runtime r = Runtime.getRuntime();
    return r.totalMemory() - r.freeMemory();
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
    return new Contexts.Restore("bench-restore", "bench-backup", m, files, Map.of(), plan, ProgressListener.NONE);
  }
}
