package io.maintenance.datastore.falkordb;

import static org.assertj.core.api.Assertions.assertThat;

import io.maintenance.api.DatastoreManifest;
import io.maintenance.datastore.falkordb.internal.Artifact;
import io.maintenance.datastore.falkordb.internal.FalkorConnection;
import io.maintenance.tck.DatastoreHarness;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The logical backup reads entities from the DUMP of its snapshot (snapshot=true) and by range queries
 * otherwise (snapshot=false): both must write the same artifacts, byte for byte, and the same
 * fingerprint, on the corpus (every value class, ids with gaps, nodes without or with several
 * labels, self-loops, parallel edges, unused names) and on a graph shaped like the benchmark's.
 */
class DumpExportIT {
  private static final List<String> GRAPHS = List.of("dx_corpus", "dx_bench", "dx_empty", "dx_hub");
  private static FalkorConnection conn;

  @BeforeAll
  static void connect() {
    conn = TestServer.connect();
  }

  @AfterAll
  static void disconnect() {
    TestServer.dropGraphs(conn, "dx_");
    conn.close();
  }

  @BeforeEach
  void clean() {
    TestServer.dropGraphs(conn, "dx_");
  }

  @Test
  void theDumpOfTheSnapshotGivesTheSameArtifactsAsTheQueries() throws Exception {
    Corpus.seed(conn, "dx_corpus");
    bench("dx_bench", 3000);
    conn.query("dx_empty", "RETURN 1", Map.of());
    // One node with many edges (the endpoint ranges narrow), edges created out of source order.
    conn.query("dx_hub", "CREATE (:Hub {i: 0})", Map.of());
    conn.query("dx_hub", "UNWIND range(1, 400) AS i CREATE (:Leaf {i: i})", Map.of());
    conn.query("dx_hub", "MATCH (h:Hub), (l:Leaf) WHERE l.i % 2 = 0 CREATE (l)-[:IN {w: l.i / 3.0}]->(h)", Map.of());
    conn.query("dx_hub", "MATCH (h:Hub), (l:Leaf) CREATE (h)-[:OUT {w: l.i / 7.0}]->(l)", Map.of());

    long dumps = dumpCalls();
    Backed fromDump = backup(true);
    assertThat(dumpCalls() - dumps).as("one DUMP per graph's snapshot").isEqualTo(GRAPHS.size());
    dumps = dumpCalls();
    Backed fromQueries = backup(false);
    assertThat(dumpCalls() - dumps).as("snapshot=false never DUMPs the live graph").isZero();
    dumps = dumpCalls();
    Backed beyondLimit = backup(true, 10);
    assertThat(dumpCalls() - dumps).as("only the empty graph is within physical-limit=10").isEqualTo(1);

    for (String g : GRAPHS) {
      String a = Artifacts.text(fromDump.harness, fromDump.manifest, Artifact.nameFor(g));
      String b = Artifacts.text(fromQueries.harness, fromQueries.manifest, Artifact.nameFor(g));
      assertThat(a).as(g).isEqualTo(b);
      assertThat(Artifacts.text(beyondLimit.harness, beyondLimit.manifest, Artifact.nameFor(g))).as(g).isEqualTo(b);
    }
    String corpus = Artifacts.text(fromDump.harness, fromDump.manifest, Artifact.nameFor("dx_corpus"));
    // a node without labels, one with three, a self-loop, gaps in the node and edge ids
    assertThat(corpus).containsPattern("\\{\"n\":\\[\\d+,\\[],\\{}]}").contains("[\"T\",\"Temporal\",\"Multi\"]")
        .containsPattern("\\{\"e\":\\[(\\d+),\\1,\"LOOP\"")
        .containsPattern("\\{\"e\":\\[\\d+,\\d+,\"NEXT\",\\{\"i\":8},\\d+]}\n\\{\"e\":\\[\\d+,\\d+,\"NEXT\",\\{\"i\":12},");
    long entities = conn.readOnly("dx_bench", "MATCH (n) RETURN count(n)", Map.of()).singleLong()
        + conn.readOnly("dx_bench", "MATCH ()-[e]->() RETURN count(e)", Map.of()).singleLong();
    assertThat(entities).isGreaterThan(8000);
    assertThat(Artifacts.text(fromDump.harness, fromDump.manifest, Artifact.nameFor("dx_bench")).lines().count()).isEqualTo(3 + entities);
    assertThat(fromDump.manifest.sourceFingerprint()).isEqualTo(fromQueries.manifest.sourceFingerprint())
        .isEqualTo(beyondLimit.manifest.sourceFingerprint());
    assertThat(fromDump.manifest.resources()).isEqualTo(fromQueries.manifest.resources());
    assertThat(fromDump.manifest.metadata()).containsOnlyKeys(fromQueries.manifest.metadata().keySet());
    fromQueries.manifest.metadata().forEach((k, v) -> {
      if (k.startsWith("falkordb.")) {
        assertThat(fromDump.manifest.metadata()).containsEntry(k, v);
      }
    });
    assertThat(fromDump.manifest.metadata().get("falkordb.warnings")).contains("vnan");
    assertThat(TestServer.keys(conn, "__maintenance__:*")).isEmpty();
  }

  private record Backed(DatastoreHarness harness, DatastoreManifest manifest) {}

  private static Backed backup(boolean snapshot) throws Exception {
    return backup(snapshot, 4_000_000);
  }

  private static Backed backup(boolean snapshot, long physicalLimit) throws Exception {
    // Small ranges: many label ranges queue up ahead of the payload, endpoint ranges adapt to the hub.
    try (FalkorDbDatastore d = TestServer.datastore("graphs").include("dx_*").format("logical").snapshot(snapshot).readBatchSize(7)
        .physicalLimit(physicalLimit).build()) {
      DatastoreHarness h = new DatastoreHarness(d);
      return new Backed(h, h.backup());
    }
  }

  /** The benchmark's graph shape (see FalkorDbBenchmark), with a few deleted nodes and edges. */
  private static void bench(String g, int n) {
    String props = "id: i, name: 'person ' + toString(i), score: toFloat(i) / 7.0, active: i % 2 = 0, "
        + "tags: ['t' + toString(i % 10), 'all'], born: date({year: 1950 + i % 50, month: 1 + i % 12, day: 1 + i % 28}), "
        + "loc: point({latitude: toFloat(i % 90), longitude: toFloat(i % 180) / 3.0})";
    String emb = ", emb: vecf32([toFloat(i % 7), 0.5, -1.25, toFloat(i) / 3.0])";
    conn.query(g, "UNWIND range(0, " + (n - 1) + ") AS i "
        + "FOREACH (_ IN CASE WHEN i % 10 = 0 THEN [1] ELSE [] END | CREATE (:Person:Company {" + props + emb + "})) "
        + "FOREACH (_ IN CASE WHEN i % 10 = 0 THEN [] ELSE [1] END | CREATE (:Person {" + props + "}))", Map.of());
    conn.query(g, "UNWIND range(0, " + (n - 1) + ") AS i WITH i, (i * 7919 + 13) % " + n + " AS k MATCH (a) WHERE id(a) = i "
        + "MATCH (b) WHERE id(b) = k CREATE (a)-[:KNOWS {w: toFloat(i % 1000) / 3.0, since: 2000 + i % 25}]->(b)", Map.of());
    conn.query(g, "UNWIND range(0, " + (n - 1) + ") AS i WITH i, (i * 31 + 7) % " + n + " AS k MATCH (a) WHERE id(a) = i "
        + "MATCH (b) WHERE id(b) = k CREATE (a)-[:WORKS_WITH {role: 'r' + toString(i % 5)}]->(b)", Map.of());
    // Deleted nodes (with their edges) and edges leave gaps in both id spaces.
    conn.query(g, "MATCH (x:Person) WHERE x.id % 30 = 17 DETACH DELETE x", Map.of());
    conn.query(g, "MATCH ()-[e:KNOWS]->() WHERE id(e) % 11 = 4 DELETE e", Map.of());
  }

  private static long dumpCalls() {
    Matcher m = Pattern.compile("cmdstat_dump:calls=(\\d+)").matcher(FalkorConnection.text(conn.raw("INFO", "commandstats")));
    return m.find() ? Long.parseLong(m.group(1)) : 0;
  }
}
