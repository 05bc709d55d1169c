package io.maintenance.datastore.falkordb;

import static org.assertj.core.api.Assertions.assertThat;

import io.maintenance.api.DatastoreManifest;
import io.maintenance.api.DatastorePlan;
import io.maintenance.datastore.falkordb.internal.FalkorConnection;
import io.maintenance.spi.Fingerprint;
import io.maintenance.tck.DatastoreHarness;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * FalkorDB's {@code DUMP} unloads a graph's matrices and loads them back while holding only the graph's
 * read lock, so a query reading the graph meanwhile gets wrong degrees or crashes the server. The
 * fingerprint and the physical backup DUMP a private copy by default, and never run their structure
 * query beside their own DUMP: repeated fingerprints of a freshly restored graph are all the backup's,
 * and the server survives.
 * The race depends on timing (the query must reach a query thread just before the DUMP script starts),
 * so this guards the result rather than forcing the overlap; {@code -Dfalkordb.race.nodes=200000
 * -Dfalkordb.race.runs=20} runs it on the benchmark's size.
 */
class FingerprintRaceIT {
  private static final String G = "race_graph";
  private static final long NODES = Long.getLong("falkordb.race.nodes", 40_000);
  private static final int RUNS = Integer.getInteger("falkordb.race.runs", 2);
  private static final int FINGERPRINTS = Integer.getInteger("falkordb.race.fingerprints", 5);
  private static FalkorConnection conn;

  @org.junit.jupiter.api.BeforeEach
  void dropGraph() {
    TestServer.dropGraphs(conn, "race_");
  }

  @BeforeAll
  static void connect() {
    conn = TestServer.connect();
    TestServer.dropGraphs(conn, "race_");
  }

  @AfterAll
  static void disconnect() {
    TestServer.dropGraphs(conn, "race_");
    conn.close();
  }

  @Test
  void fingerprintsOfARestoredGraphAreTheBackupsAndTheServerSurvives() throws Exception {
    generate(NODES);
    for (String format : new String[] {"logical", "physical"}) {
      try (FalkorDbDatastore ds = TestServer.datastore("race").include(G).format(format).build()) {
        DatastoreHarness harness = new DatastoreHarness(ds);
        DatastoreManifest m = harness.backup();
        Fingerprint backedUp = ds.fingerprint(Set.of(G));
        assertThat(m.sourceFingerprint()).as(format + " backup's own fingerprint").isEqualTo(backedUp.value());
        for (int run = 0; run < RUNS; run++) {
          DatastorePlan plan = harness.plan(m);
          harness.restore(m, plan);
          // Right after an in-place restore the matrices still hold pending changes (the failing case).
          for (int i = 0; i < FINGERPRINTS; i++) {
            assertThat(ds.fingerprint(Set.of(G)).value()).as(format + " run " + run + " fingerprint " + i).isEqualTo(m.sourceFingerprint());
          }
        }
      }
    }
    assertThat(FalkorConnection.text(conn.raw("PING"))).isEqualTo("PONG");
  }

  /**
   * Fingerprints (what every restore preview and confirm takes) while another client keeps reading the
   * live graph's degrees: with {@code dump-source=copy} (default) the plugin DUMPs only a private copy,
   * so every degree answer is right, every fingerprint is the backup's, the server stays up and no
   * copy is left behind. ({@code -Dfalkordb.race.dumpSource=live} shows the race FalkorDB 4.16 has
   * beside a DUMP of the live graph: wrong degrees or a crashed server; don't run it on a shared server.)
   */
  @Test
  void fingerprintsBesideLiveReadersLeaveThemRightAndTheServerUp() throws Exception {
    long nodes = generateForReaders();
    try (FalkorDbDatastore ds = raceDatastore()) {
      String backedUp = new DatastoreHarness(ds).backup().sourceFingerprint();
      int fingerprints = besideLiveReaders(nodes, () -> assertThat(ds.fingerprint(Set.of(G)).value()).isEqualTo(backedUp));
      assertThat(fingerprints).isGreaterThanOrEqualTo(3);
    }
  }

  /**
   * Physical backups beside the same readers: the backup DUMPs a private copy too (its payload carries
   * the copy's name, and a restore renames it into place), so the readers are never disturbed, and each
   * backup restores to the graph it was taken from. {@code -Dfalkordb.race.dumpSource=live} DUMPs the
   * live graph instead and crashed the server within seconds on FalkorDB 4.16.3.
   */
  @Test
  void physicalBackupsBesideLiveReadersLeaveThemRightAndRestore() throws Exception {
    long nodes = generateForReaders();
    try (FalkorDbDatastore ds = raceDatastore()) {
      DatastoreHarness harness = new DatastoreHarness(ds);
      String before = Canonical.of(conn, G);
      List<DatastoreManifest> backups = new CopyOnWriteArrayList<>();
      int taken = besideLiveReaders(nodes, () -> backups.add(harness.backup()));
      assertThat(taken).isGreaterThanOrEqualTo(3);
      DatastoreManifest last = backups.get(backups.size() - 1);
      assertThat(last.sourceFingerprint()).isEqualTo(backups.get(0).sourceFingerprint());
      TestServer.query(conn, G, "MATCH (n) WHERE id(n) < 100 DETACH DELETE n");
      harness.restore(last, harness.plan(last));
      assertThat(Canonical.of(conn, G)).isEqualTo(before);
    }
  }

  /**
   * {@code GRAPH.COPY} (under every fingerprint, preview diff, physical backup and logical snapshot) while
   * the server runs a BGSAVE child: FalkorDB 4.16.3 then hangs the whole server (its copy retries the
   * fork forever holding the global lock). The plugin waits for the child to end: the fingerprint and a
   * logical backup complete after the BGSAVE, right, and the server answers throughout.
   */
  @Test
  void copiesWaitForTheServersBackgroundSave() throws Exception {
    TestServer.query(conn, G, "UNWIND range(1, 300) AS i CREATE (:A {i: i})-[:E]->(:B)");
    String before = null;
    try (FalkorDbDatastore ds = TestServer.datastore("race").include(G).format("logical").socketTimeout(Duration.ofSeconds(30)).build()) {
      before = ds.fingerprint(Set.of(G)).value();
      for (int round = 0; round < 2; round++) {
        conn.raw("CONFIG", "SET", "rdb-key-save-delay", "400000"); // 0.4 s per key: the BGSAVE child lasts a few seconds
        try {
          conn.raw("BGSAVE");
          assertThat(FalkorConnection.text(conn.raw("INFO", "persistence"))).contains("rdb_bgsave_in_progress:1");
          long t = System.nanoTime();
          DatastoreHarness harness = new DatastoreHarness(ds);
          CompletableFuture<String> work = CompletableFuture.supplyAsync(() -> {
            try {
              return ds.fingerprint(Set.of(G)).value() + "|" + harness.backup().sourceFingerprint();
            } catch (java.io.IOException e) {
              throw new java.io.UncheckedIOException(e);
            }
          });
          java.net.URI u = java.net.URI.create(TestServer.url());
          while (!work.isDone()) {
            try (redis.clients.jedis.Jedis other = new redis.clients.jedis.Jedis(u.getHost(), u.getPort(), 5000)) {
              assertThat(other.ping()).as("the server answers while the copy waits").isEqualTo("PONG");
            }
            Thread.sleep(200);
          }
          assertThat(work.get(40, TimeUnit.SECONDS)).isEqualTo(before + "|" + before);
          assertThat(FalkorConnection.text(conn.raw("INFO", "persistence"))).contains("rdb_bgsave_in_progress:0")
              .contains("rdb_last_bgsave_status:ok");
          assertThat(Duration.ofNanos(System.nanoTime() - t)).isGreaterThan(Duration.ofMillis(300));
        } finally {
          conn.raw("CONFIG", "SET", "rdb-key-save-delay", "0");
        }
      }
    }
    assertThat(TestServer.keys(conn, "__maintenance__:*")).isEmpty();
  }

  private interface Work {
    void run() throws Exception;
  }

  private static FalkorDbDatastore raceDatastore() {
    return TestServer.datastore("race").include(G).format("physical").dumpSource(System.getProperty("falkordb.race.dumpSource", "copy"))
        .build();
  }

  /**
   * Runs {@code work} for a few seconds (at least 3 times) while another connection keeps asking the live
   * graph of {@code nodes} nodes for its degrees; then checks that every answer was right, the server is up and none of our
   * reserved keys is left. Returns how often {@code work} ran.
   */
  private static long generateForReaders() {
    long nodes = Long.getLong("falkordb.race.readers.nodes", 25_000);
    generate(nodes);
    return nodes;
  }

  private static int besideLiveReaders(long nodes, Work work) throws Exception {
    String degrees = "MATCH (n) RETURN sum(indegree(n, 'KNOWS')), sum(outdegree(n)), sum(size((n)-->()))";
    List<Object> expected = TestServer.query(conn, G, degrees).rows().get(0);
    assertThat(expected).containsExactly((double) nodes, 2.0 * nodes, 2.0 * nodes);
    AtomicBoolean done = new AtomicBoolean();
    List<List<Object>> wrong = new CopyOnWriteArrayList<>();
    AtomicInteger reads = new AtomicInteger();
    CompletableFuture<Void> reader = CompletableFuture.runAsync(() -> {
      try (FalkorConnection other = TestServer.connect()) {
        while (!done.get()) {
          List<Object> row = other.readOnly(G, degrees, Map.of()).rows().get(0);
          reads.incrementAndGet();
          if (!row.equals(expected)) {
            wrong.add(row);
          }
        }
      }
    });
    int runs = 0;
    try {
      long until = System.nanoTime() + Duration.ofSeconds(Long.getLong("falkordb.race.readers.seconds", 4)).toNanos();
      while (System.nanoTime() < until || runs < 3) {
        work.run();
        runs++;
      }
    } finally {
      done.set(true);
    }
    reader.get(1, TimeUnit.MINUTES);
    assertThat(wrong).as("degree answers read beside the work").isEmpty();
    assertThat(reads.get()).as("degree queries run").isPositive();
    assertThat(FalkorConnection.text(conn.raw("PING"))).isEqualTo("PONG");
    assertThat(TestServer.keys(conn, "__maintenance__:*")).as("reserved keys left").isEmpty();
    assertThat(conn.graphList()).as("graphs listed").noneMatch(g -> g.startsWith("__maintenance__:"));
    return runs;
  }

  /** The benchmark's graph: N nodes with mixed properties (one in ten also a Company) and 2N edges of two types. */
  private static void generate(long n) {
    String props = "id: i, name: 'person ' + toString(i), score: toFloat(i) / 7.0, active: i % 2 = 0, tags: ['t' + toString(i % 10), 'all'], "
        + "born: date({year: 1950 + i % 50, month: 1 + i % 12, day: 1 + i % 28}), loc: point({latitude: toFloat(i % 90), longitude: 1.5})";
    String emb = ", emb: vecf32([toFloat(i % 7), 0.5, -1.25, toFloat(i) / 3.0])";
    TestServer.query(conn, G, "UNWIND range(0, " + (n - 1) + ") AS i "
        + "FOREACH (_ IN CASE WHEN i % 10 = 0 THEN [1] ELSE [] END | CREATE (:Person:Company {" + props + emb + "})) "
        + "FOREACH (_ IN CASE WHEN i % 10 = 0 THEN [] ELSE [1] END | CREATE (:Person {" + props + "}))");
    TestServer.query(conn, G, "UNWIND range(0, " + (n - 1) + ") AS i WITH i, (i * 7919 + 13) % " + n + " AS k MATCH (a) WHERE id(a) = i "
        + "MATCH (b) WHERE id(b) = k CREATE (a)-[:KNOWS {w: toFloat(i % 1000) / 3.0}]->(b)");
    TestServer.query(conn, G, "UNWIND range(0, " + (n - 1) + ") AS i WITH i, (i * 31 + 7) % " + n + " AS k MATCH (a) WHERE id(a) = i "
        + "MATCH (b) WHERE id(b) = k CREATE (a)-[:WORKS_WITH {role: 'r' + toString(i % 5)}]->(b)");
  }
}
