package io.maintenance.datastore.falkordb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.maintenance.api.ChangeKind;
import io.maintenance.api.CountChange;
import io.maintenance.api.DatastoreManifest;
import io.maintenance.api.DatastorePlan;
import io.maintenance.api.ErrorCode;
import io.maintenance.api.ItemChange;
import io.maintenance.api.MaintenanceException;
import io.maintenance.api.ResourceDiff;
import io.maintenance.api.ResourceSummary;
import io.maintenance.datastore.falkordb.internal.Artifact;
import io.maintenance.datastore.falkordb.internal.FalkorConnection;
import io.maintenance.spi.Fingerprint;
import io.maintenance.tck.DatastoreHarness;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The logical mode: exact round trips, plans, fingerprints, graph selection and bad input against a real FalkorDB. */
class FalkorDbRoundTripIT {
  private static final String G = "rt_types";
  private static FalkorConnection conn;
  private FalkorDbDatastore datastore;
  private DatastoreHarness harness;

  @BeforeAll
  static void connect() {
    conn = TestServer.connect();
  }

  @AfterAll
  static void disconnect() {
    TestServer.dropGraphs(conn, "rt_");
    conn.close();
  }

  @BeforeEach
  void setUp() {
    TestServer.dropGraphs(conn, "rt_");
    datastore = TestServer.datastore("graphs").include("rt_*").format("logical").batchSize(7).readBatchSize(5).build();
    harness = new DatastoreHarness(datastore);
  }

  @AfterEach
  void tearDown() throws Exception {
    datastore.close();
  }

  private static void q(String graph, String cypher) {
    TestServer.query(conn, graph, cypher);
  }

  private static List<Double> doubles() {
    return Corpus.doubles();
  }

  private static String lit(double d) {
    return Corpus.lit(d);
  }

  private static final String UNICODE = Corpus.UNICODE;

  private static void seedTypes() {
    Corpus.floats(conn, G);
    q(G, "CREATE (:F {i: 1000, v: 0.0/0.0}), (:F {i: 1001, v: 1.0/0.0}), (:F {i: 1002, v: -1.0/0.0})");
    TestServer.query(conn, G, "CREATE (:S {s: '', t: $t})", Map.of("t", UNICODE));
    q(G, "CREATE (:I {min: -9223372036854775808, max: 9223372036854775807, zero: 0, b: true, nb: false})");
    q(G, "CREATE (:L {empty: [], mixed: [1, 'a', [2.5, false]], flat: [0.30000000000000004, 0.3333333333333333, -0.0],"
        + " deep: [[[[0.30000000000000004, 'x']]], 1], specials: [date('2024-01-02'), point({latitude: 1.5, longitude: -2.25}),"
        + " vecf32([1.5]), 0.0/0.0, [localtime('10:11:12'), duration('P1D'), 1.0/0.0]]})");
    q(G, "CREATE (:T:Temporal:Multi {d: date('1815-12-10'), old: date({year: -5, month: 3, day: 1}), t: localtime('23:59:59'),"
        + " dt: localdatetime('2024-02-29T12:34:56'), early: localdatetime('0001-01-01T00:00:00'), du: duration('P1Y2M3DT4H5M6S'),"
        + " neg: duration({seconds: -1}), long: duration('P1000Y'), p: point({latitude: 51.50722, longitude: -0.1275}),"
        + " v: vecf32([0.1, -2.5, 3.4028235e38, 1.0e-45])})");
    q(G, "CREATE (), (:OnlyLabel), (a:N {uid: 1}), (b:N {uid: 2}), (a)-[:R {w: 0.1, at: date('2020-01-01')}]->(b),"
        + " (a)-[:R {w: 0.1, at: date('2020-01-01')}]->(b), (a)-[:R]->(b), (b)-[:LOOP {v: vecf32([2.0, 3.0])}]->(b),"
        + " (b)-[:`odd type`]->(a)");
    q(G, "CREATE INDEX FOR (n:N) ON (n.uid)");
    q(G, "CREATE INDEX FOR ()-[r:R]-() ON (r.w)");
    q(G, "CALL db.idx.fulltext.createNodeIndex({label: 'S', language: 'german', stopwords: ['der', 'die']}, {field: 't', weight: 2.0, nostem: true}, 's')");
    q(G, "CREATE FULLTEXT INDEX FOR ()-[r:R]-() ON (r.note)");
    q(G, "CREATE VECTOR INDEX FOR (t:T) ON (t.v) OPTIONS {dimension: 4, similarityFunction: 'cosine', M: 32, efConstruction: 100, efRuntime: 20}");
    q(G, "CREATE VECTOR INDEX FOR ()-[l:LOOP]-() ON (l.v) OPTIONS {dimension: 2, similarityFunction: 'euclidean'}");
    conn.command(G, "constraint", "GRAPH.CONSTRAINT", "CREATE", G, "UNIQUE", "NODE", "N", "PROPERTIES", "1", "uid");
    conn.command(G, "constraint", "GRAPH.CONSTRAINT", "CREATE", G, "MANDATORY", "NODE", "N", "PROPERTIES", "1", "uid");
  }

  private static boolean check(String cypher) {
    return Boolean.TRUE.equals(TestServer.query(conn, G, cypher).single());
  }

  @Test
  void everyStorableValueComesBackExactly() throws Exception {
    seedTypes();
    String before = TestServer.render(conn, G);
    DatastoreManifest m = harness.backup();
    conn.delete(G);

    DatastorePlan plan = harness.plan(m);
    assertThat(plan.resources()).singleElement().satisfies(d -> assertThat(d.change()).isEqualTo(ChangeKind.CREATE));
    harness.restore(m, plan);

    assertThat(TestServer.render(conn, G)).isEqualTo(before);
    // Replies show floats to 15 digits only: compare bit-exactly on the server against exact literals.
    List<Double> ds = doubles();
    for (int i = 0; i < ds.size(); i++) {
      double d = ds.get(i);
      String exact = d == 0.0 && 1 / d < 0 ? "1.0/n.v < 0.0 AND n.v = 0.0" : "n.v = $x AND 1.0/n.v = 1.0/$x";
      assertThat(check("CYPHER x=" + lit(d) + " MATCH (n:F {i: " + i + "}) RETURN " + exact)).as("float %s", d).isTrue();
    }
    assertThat(check("MATCH (n:F {i: 1000}) RETURN n.v <> n.v")).as("NaN").isTrue();
    assertThat(check("MATCH (n:F {i: 1001}) RETURN n.v = 1.0/0.0")).isTrue();
    assertThat(check("MATCH (n:F {i: 1002}) RETURN n.v = -1.0/0.0")).isTrue();
    assertThat(check("MATCH (n:L) RETURN n.flat = [0.30000000000000004, 0.3333333333333333, 0.0] AND 1.0/n.flat[2] < 0.0")).isTrue();
    assertThat(check("MATCH (n:L) RETURN n.deep = [[[[0.30000000000000004, 'x']]], 1]")).as("floats nested 4 deep").isTrue();
    assertThat(check("MATCH (n:L) RETURN n.specials[3] <> n.specials[3] AND n.specials[4][2] = 1.0/0.0")).isTrue();
    assertThat(TestServer.query(conn, G, "MATCH (n:S) RETURN n.t").single()).isEqualTo(UNICODE);
    assertThat(check("MATCH (:N {uid: 1})-[r:R]->(:N {uid: 2}) WITH count(r) AS parallel MATCH (b:N {uid: 2})-[:LOOP]->(b) "
        + "RETURN parallel = 3")).as("parallel edges and self-loop").isTrue();
    assertThat(TestServer.query(conn, G, "MATCH (n) WHERE size(labels(n)) = 0 AND size(keys(n)) = 0 RETURN count(n)").singleLong())
        .isEqualTo(1);
    assertThat(conn.graphList()).noneMatch(g -> g.startsWith("__maintenance__:"));
  }

  @Test
  void restoreReplacesTheGraphAndLeavesOtherGraphsAlone() throws Exception {
    q(G, "CREATE (:A {x: 1})-[:E]->(:B {x: 2})");
    q("rt_other", "CREATE (:Keep {x: 1})");
    String original = TestServer.render(conn, G);
    DatastoreManifest m = harness.backup();
    q(G, "MATCH (n:A) SET n.x = 99 CREATE (:C)");
    q("rt_other", "CREATE (:Keep {x: 2})");
    String other = TestServer.render(conn, "rt_other");

    DatastorePlan plan = harness.plan(m);
    ResourceDiff d = plan.resources().stream().filter(r -> r.name().equals(G)).findFirst().orElseThrow();
    assertThat(d.change()).isEqualTo(ChangeKind.REPLACE);
    harness.restore(m, plan);

    assertThat(TestServer.render(conn, G)).isEqualTo(original);
    // rt_other was in the backup too, so it is restored; a graph created after the backup is not touched.
    q("rt_new", "CREATE (:New)");
    assertThat(TestServer.render(conn, "rt_other")).isNotEqualTo(other);
    harness.restore(m, harness.plan(m));
    assertThat(TestServer.render(conn, "rt_new")).contains("(New {})");
    assertThat(conn.graphList()).noneMatch(g -> g.startsWith("__maintenance__:"));
  }

  @Test
  void planShowsCountsPerLabelAndTypeAndSchemaChanges() throws Exception {
    q(G, "CREATE (:P {n: 1}), (:P {n: 2}), (:Q)-[:K]->(:Q)");
    q(G, "CREATE INDEX FOR (p:P) ON (p.n)");
    DatastoreManifest m = harness.backup();
    q(G, "MATCH (p:P {n: 1}) DETACH DELETE p");
    q(G, "MATCH ()-[k:K]->() DELETE k");
    // The new nodes and edge take the ids just freed: they still count as lost (and the old ones as created).
    q(G, "CREATE (:Z)-[:NEW {since: 1}]->(:Z)");
    q(G, "DROP INDEX FOR (p:P) ON (p.n)");
    q(G, "CREATE INDEX FOR (z:Z) ON (z.w)");
    String live = TestServer.render(conn, G);

    DatastorePlan plan = harness.plan(m);

    assertThat(TestServer.render(conn, G)).as("plan is a dry run").isEqualTo(live);
    ResourceDiff d = plan.resources().get(0);
    Map<String, String> counts = d.counts().stream()
        .collect(Collectors.toMap(CountChange::metric, c -> c.before() + "->" + c.after()));
    assertThat(counts).containsEntry("nodes", "5->4").containsEntry("nodes:P", "1->2").containsEntry("nodes:Z", "2->0")
        .containsEntry("edges", "1->1").containsEntry("edges:K", "0->1").containsEntry("edges:NEW", "1->0");
    assertThat(d.schemaChanges()).containsExactlyInAnyOrder("+ RANGE INDEX NODE P(n)", "- RANGE INDEX NODE Z(w)");
    assertThat(d.itemsLost()).as("2 :Z nodes and the :NEW edge, gross").isEqualTo(3);
    assertThat(d.items()).contains(new ItemChange("nodes:Z", 2, 0), new ItemChange("nodes:P", 0, 1),
        new ItemChange("edges:NEW", 1, 0), new ItemChange("edges:K", 0, 1));
  }

  @Test
  void fingerprintChangesOnlyWhenTheNamedGraphChanges() throws Exception {
    q(G, "CREATE (:A)-[:E]->(:A)");
    q("rt_other", "CREATE (:B)");
    Fingerprint f = datastore.fingerprint(Set.of(G));
    q("rt_other", "CREATE (:B)");
    assertThat(datastore.fingerprint(Set.of(G))).isEqualTo(f);
    q(G, "MATCH (a:A) WITH a LIMIT 1 CREATE (a)-[:E]->(a)");
    assertThat(datastore.fingerprint(Set.of(G)).value()).isNotEqualTo(f.value());
    Fingerprint withIndex = datastore.fingerprint(Set.of(G));
    q(G, "CREATE INDEX FOR (a:A) ON (a.x)");
    assertThat(datastore.fingerprint(Set.of(G)).value()).as("schema change").isNotEqualTo(withIndex.value());
    assertThat(datastore.fingerprint(Set.of("rt_missing")).components()).containsEntry("rt_missing", "absent");
  }

  @Test
  void backupSelectsGraphsByPatternAndNeverItsOwnKeys() throws Exception {
    q("rt_a1", "CREATE (:X)");
    q("rt_a2", "CREATE (:X)");
    q("rt_b1", "CREATE (:X)");
    q("__maintenance__:staging:old:rt_a1", "CREATE (:X)");
    try (FalkorDbDatastore ds = TestServer.datastore("sel").include("rt_a*", "rt_b*").exclude("rt_a2").format("logical").build()) {
      DatastoreManifest m = new DatastoreHarness(ds).backup();
      assertThat(m.resources()).extracting(ResourceSummary::name).containsExactly("rt_a1", "rt_b1");
      assertThat(m.artifacts()).extracting(a -> a.name()).containsExactly(Artifact.nameFor("rt_a1"), Artifact.nameFor("rt_b1"));
    } finally {
      conn.delete("__maintenance__:staging:old:rt_a1");
    }
  }

  // ------------------------------------------------------------------ bad input

  private DatastoreManifest backupOfSmallGraph() throws Exception {
    q(G, "CREATE (:A {x: 1})-[:E {w: 2}]->(:B {x: 2})");
    return harness.backup();
  }

  /** Asserts that both preview and apply fail with {@code code}, naming the graph, and change nothing. */
  private void assertRejected(DatastoreManifest forged, ErrorCode code, String messagePart) throws Exception {
    String before = TestServer.render(conn, G);
    DatastorePlan approved = new DatastorePlan(datastore.id(), datastore.type(), List.of(), List.of());
    for (boolean apply : new boolean[] {false, true}) {
      assertThatThrownBy(() -> {
        if (apply) {
          harness.restore(forged, approved);
        } else {
          harness.plan(forged);
        }
      }).isInstanceOfSatisfying(MaintenanceException.class, e -> {
        assertThat(e.code()).isEqualTo(code);
        assertThat(e.details()).containsEntry("graph", G);
        assertThat(e.getMessage()).contains(G).contains(messagePart);
      });
      assertThat(TestServer.render(conn, G)).isEqualTo(before);
      assertThat(conn.graphList()).noneMatch(g -> g.startsWith("__maintenance__:"));
    }
  }

  private String artifactText(DatastoreManifest m) {
    return Artifacts.text(harness, m, Artifact.nameFor(G));
  }

  @Test
  void labelWithBacktickIsRejectedNotExecuted() throws Exception {
    DatastoreManifest m = backupOfSmallGraph();
    String forged = artifactText(m).replace("[\"A\"]", "[\"A`) MATCH (m) DETACH DELETE m //\"]");
    assertRejected(Artifacts.forge(harness, m, Artifact.nameFor(G), forged), ErrorCode.INCOMPATIBLE_ARTIFACT, "backtick");
  }

  @Test
  void propertyKeyAndTypeWithBacktickAreRejected() throws Exception {
    DatastoreManifest m = backupOfSmallGraph();
    String text = artifactText(m);
    assertRejected(Artifacts.forge(harness, m, Artifact.nameFor(G), text.replace("\"w\":", "\"w`} DELETE e //\":")),
        ErrorCode.INCOMPATIBLE_ARTIFACT, "backtick");
    DatastoreManifest m2 = harness.backup();
    assertRejected(Artifacts.forge(harness, m2, Artifact.nameFor(G), artifactText(m2).replace("\"E\"", "\"E`]->() DELETE x //\"")),
        ErrorCode.INCOMPATIBLE_ARTIFACT, "backtick");
  }

  @Test
  void cypherSyntaxInIdentifiersAndStringsIsStoredLiterallyNotExecuted() throws Exception {
    q("rt_bystander", "CREATE (:Keep)");
    DatastoreManifest m = backupOfSmallGraph();
    String label = "X) MATCH (m) DETACH DELETE m //";
    String key = "k} RETURN 1 //";
    String type = "T]->() DELETE x //";
    String value = "'}) MATCH (m) DETACH DELETE m //\\\"";
    String forged = artifactText(m).replace("[\"A\"]", "[\"" + label.replace("\"", "\\\"") + "\"]")
        .replace("\"w\":2", "\"" + key + "\":\"" + value + "\"").replace("\"E\"", "\"" + type + "\"");
    DatastoreManifest fm = Artifacts.forge(harness, m, Artifact.nameFor(G), forged);
    // The manifest's counts must agree with the artifact.
    List<ResourceSummary> resources = new ArrayList<>();
    for (ResourceSummary r : fm.resources()) {
      Map<String, Long> c = new java.util.TreeMap<>(r.counts());
      if (r.name().equals(G)) {
        c.put("nodes:" + label, c.remove("nodes:A"));
        c.put("edges:" + type, c.remove("edges:E"));
      }
      resources.add(new ResourceSummary(r.kind(), r.name(), c));
    }
    DatastoreManifest consistent = new DatastoreManifest(fm.id(), fm.type(), fm.pluginVersion(), fm.sourceFingerprint(),
        fm.artifacts(), resources, fm.metadata());

    harness.restore(consistent, harness.plan(consistent));

    assertThat(TestServer.query(conn, G, "MATCH (a)-[e]->(b) RETURN labels(a), type(e), e[$k]", Map.of("k", key)).rows())
        .singleElement().satisfies(row -> assertThat(row).containsExactly(List.of(label), type, value.replace("\\\"", "\"")));
    assertThat(TestServer.render(conn, "rt_bystander")).contains("(Keep {})");
  }

  @Test
  void truncatedArtifactFailsPreviewAndRestoreNamingTheGraph() throws Exception {
    DatastoreManifest m = backupOfSmallGraph();
    String key = harness.artifactKey(m, Artifact.nameFor(G));
    byte[] bytes = harness.storage().backing().bytes(key).orElseThrow();
    harness.storage().backing().tamper(key, Arrays.copyOf(bytes, bytes.length - 9));
    assertRejected(m, ErrorCode.INTEGRITY_MISMATCH, Artifact.nameFor(G));
  }

  @Test
  void alteredArtifactFailsPreviewAndRestoreNamingTheGraph() throws Exception {
    DatastoreManifest m = backupOfSmallGraph();
    String key = harness.artifactKey(m, Artifact.nameFor(G));
    byte[] bytes = harness.storage().backing().bytes(key).orElseThrow();
    bytes[bytes.length / 2] ^= 0x01;
    harness.storage().backing().tamper(key, bytes);
    assertRejected(m, ErrorCode.INTEGRITY_MISMATCH, Artifact.nameFor(G));
  }

  @Test
  void wellFormedButInvalidArtifactsAreRejected() throws Exception {
    DatastoreManifest m = backupOfSmallGraph();
    String text = artifactText(m);
    String a = Artifact.nameFor(G);
    Map<String, String> forgeries = Map.of(
        "references node", text.replaceFirst("\"e\":\\[\\d+", "\"e\":[999"),
        "another graph", text.replace("\"graph\":\"" + G + "\"", "\"graph\":\"rt_elsewhere\""),
        "unknown value kind", text.replace("\"x\":1", "\"x\":{\"$\":\"script\",\"v\":\"x\"}"),
        "cannot be null", text.replace("\"x\":1", "\"x\":null"),
        "end record", text.replace("\"nodes\":2", "\"nodes\":3"),
        "int64", text.replace("\"x\":1", "\"x\":99999999999999999999"),
        "format", text.replace("falkordb-graph", "something-else"));
    for (Map.Entry<String, String> f : forgeries.entrySet()) {
      assertThat(f.getValue()).as(f.getKey()).isNotEqualTo(text);
      assertRejected(Artifacts.forge(harness, m, a, f.getValue()), ErrorCode.INCOMPATIBLE_ARTIFACT, f.getKey());
    }
  }

  @Test
  void missingArtifactFailsNamingTheGraph() throws Exception {
    DatastoreManifest m = backupOfSmallGraph();
    DatastoreManifest without = new DatastoreManifest(m.id(), m.type(), m.pluginVersion(), m.sourceFingerprint(), List.of(),
        m.resources(), m.metadata());
    assertRejected(without, ErrorCode.ARTIFACT_MISSING, Artifact.nameFor(G));
  }

  @Test
  void aFailureAfterSomeNodesWereStagedLeavesTheOriginalInPlace() throws Exception {
    q(G, "UNWIND range(1, 50) AS i CREATE (:A {x: i})");
    q(G, "MATCH (a:A {x: 1}), (b:A {x: 2}) CREATE (a)-[:E]->(b)");
    DatastoreManifest m = harness.backup();
    q(G, "MATCH (a:A {x: 3}) DELETE a");
    String text = artifactText(m);
    // The edge comes after all 50 nodes were sent to the staging graph.
    String forged = text.replaceFirst("\"e\":\\[\\d+", "\"e\":[123456");
    assertRejected(Artifacts.forge(harness, m, Artifact.nameFor(G), forged), ErrorCode.INCOMPATIBLE_ARTIFACT, "references node");
  }

  /**
   * The server refusing a batch halfway through the load (here its per-query memory cap, met by one node's
   * large string after many small batches; batches are sent one ahead of the checks): the restore fails
   * with the server's reason, the live graph is unchanged and no staging key is left.
   */
  @Test
  void aBatchTheServerRefusesMidwayFailsTheRestoreAndChangesNothing() throws Exception {
    q(G, "UNWIND range(1, 60) AS i CREATE (:A {x: i})-[:E {w: i}]->(:B {y: i})");
    q(G, "CREATE (:Big {s: reduce(s = '', i IN range(1, 20) | s + s + 'x') + reduce(s = '', i IN range(1, 20) | s + s + 'y')})");
    q(G, "UNWIND range(1, 30) AS i CREATE (:C {z: i})");
    DatastoreManifest m = harness.backup();
    DatastorePlan plan = harness.plan(m);
    q(G, "MATCH (c:C) DELETE c");
    String live = Canonical.of(conn, G);
    Object before = ((List<?>) conn.raw("GRAPH.CONFIG", "GET", "QUERY_MEM_CAPACITY")).get(1);
    conn.raw("GRAPH.CONFIG", "SET", "QUERY_MEM_CAPACITY", "1048576");
    try {
      assertThatThrownBy(() -> harness.restore(m, plan)).isInstanceOfSatisfying(MaintenanceException.class, e -> {
        assertThat(e.code()).isEqualTo(ErrorCode.DATASTORE_FAILURE);
        assertThat(e.getMessage()).contains("mem consumption exceeded capacity");
      });
    } finally {
      conn.raw("GRAPH.CONFIG", "SET", "QUERY_MEM_CAPACITY", FalkorConnection.text(before));
    }
    assertThat(Canonical.of(conn, G)).isEqualTo(live);
    assertThat(TestServer.keys(conn, "__maintenance__:*")).isEmpty();
    assertThat(conn.graphList()).noneMatch(g -> g.startsWith("__maintenance__:"));
    harness.restore(m, harness.plan(m));
    assertThat(TestServer.query(conn, G, "MATCH (c:C) RETURN count(c)").singleLong()).isEqualTo(30);
  }
}
