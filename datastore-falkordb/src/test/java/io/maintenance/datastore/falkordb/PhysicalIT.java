package io.maintenance.datastore.falkordb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.maintenance.api.ChangeKind;
import io.maintenance.api.DatastoreManifest;
import io.maintenance.api.DatastorePlan;
import io.maintenance.api.ErrorCode;
import io.maintenance.api.MaintenanceException;
import io.maintenance.api.ResourceDiff;
import io.maintenance.datastore.falkordb.internal.Artifact;
import io.maintenance.datastore.falkordb.internal.FalkorConnection;
import io.maintenance.spi.ProgressListener;
import io.maintenance.spi.RestoreOutcome;
import io.maintenance.spi.internal.Contexts;
import io.maintenance.tck.DatastoreHarness;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The physical mode (DUMP/RESTORE) against real FalkorDB servers, compared with a canonical export. */
class PhysicalIT {
  private static final String G = "ph_corpus";
  private static FalkorConnection conn;
  private static FalkorConnection target;
  private FalkorDbDatastore datastore;
  private DatastoreHarness harness;

  @BeforeAll
  static void connect() {
    conn = TestServer.connect();
    target = TestServer.connect(TestServer.targetUrl());
  }

  @AfterAll
  static void disconnect() {
    TestServer.dropGraphs(conn, "ph_");
    TestServer.dropGraphs(target, "ph_");
    conn.close();
    target.close();
  }

  @BeforeEach
  void setUp() {
    TestServer.dropGraphs(conn, "ph_");
    TestServer.dropGraphs(target, "ph_");
    datastore = TestServer.datastore("graphs").include("ph_*").format("physical").build();
    harness = new DatastoreHarness(datastore);
  }

  @AfterEach
  void tearDown() throws Exception {
    datastore.close();
  }

  private static void q(String graph, String cypher) {
    TestServer.query(conn, graph, cypher);
  }

  @Test
  void inPlaceRestoreGivesBackEveryBitIdAndSchemaName() throws Exception {
    Corpus.seed(conn, G);
    String before = Canonical.of(conn, G);
    DatastoreManifest m = harness.backup();
    assertThat(m.artifacts()).extracting(a -> a.name()).containsExactly(Artifact.dumpName(G), Artifact.metaName(G));
    // The payload is a DUMP of a private copy (never of the live graph, which other clients may be reading).
    assertThat(Artifacts.text(harness, m, Artifact.metaName(G))).contains("\"version\":2")
        .containsPattern("\"payloadGraph\":\"__maintenance__:backup-copy:[^\"]+:" + G + "\"");
    assertThat(TestServer.keys(conn, "__maintenance__:*")).isEmpty();

    q(G, "MATCH (n:F) WHERE n.i < 5 DETACH DELETE n");
    q(G, "MATCH (n:N {uid: 1}) SET n.extra = 'x', n.uid = 1");
    q(G, "CREATE (:Added {k: 1})-[:NEW]->(:Added)");
    assertThat(Canonical.of(conn, G)).isNotEqualTo(before);

    DatastorePlan plan = harness.plan(m);
    assertThat(plan.resources()).singleElement().satisfies(d -> assertThat(d.change()).isEqualTo(ChangeKind.REPLACE));
    harness.restore(m, plan);

    assertThat(Canonical.of(conn, G)).isEqualTo(before);
    Corpus.assertSchemaServes(conn, G);
    // The content fingerprint hashes every value to the bit: the same as at backup.
    assertThat(datastore.fingerprint(Set.of(G)).value()).isEqualTo(m.sourceFingerprint());
    assertThat(conn.graphList()).noneMatch(g -> g.startsWith("__maintenance__:"));
    // Writes work on the restored graph (the graph inside the value carries the key's name).
    q(G, "CREATE (:After)");
    assertThat(TestServer.query(conn, G, "MATCH (n:After) RETURN count(n)").singleLong()).isEqualTo(1);
  }

  @Test
  void restoreIntoAnEmptyServerGivesBackTheSameGraph() throws Exception {
    Corpus.seed(conn, G);
    String before = Canonical.of(conn, G);
    DatastoreManifest m = harness.backup();
    try (FalkorDbDatastore other = FalkorDbDatastore.builder("graphs").uri(TestServer.targetUrl()).include("ph_*").build()) {
      DatastoreHarness onTarget = new DatastoreHarness(other, harness.storage());
      DatastorePlan plan = onTarget.plan(m);
      assertThat(plan.resources()).singleElement().satisfies(d -> assertThat(d.change()).isEqualTo(ChangeKind.CREATE));
      onTarget.restore(m, plan);
    }
    assertThat(Canonical.of(target, G)).isEqualTo(before);
    Corpus.assertSchemaServes(target, G);
    assertThat(Canonical.of(conn, G)).isEqualTo(before);
    try (FalkorDbDatastore other = FalkorDbDatastore.builder("graphs").uri(TestServer.targetUrl()).include("ph_*").build()) {
      assertThat(other.fingerprint(Set.of(G)).value()).isEqualTo(m.sourceFingerprint());
    }
  }

  @Test
  void anUnrestorableGraphIsNamedAndTheOthersRestoreBySelection() throws Exception {
    q("ph_good", "CREATE (:A {x: 1})-[:E]->(:B)");
    q("ph_bad", "CREATE (:C {y: 2})");
    DatastoreManifest m = harness.backup();
    // The bad graph's payload claims a newer FalkorDB encoding than this server reads.
    String meta = new String(harness.storage().backing().bytes(harness.artifactKey(m, Artifact.metaName("ph_bad"))).orElseThrow(),
        StandardCharsets.UTF_8);
    DatastoreManifest forged = Artifacts.forgePlain(harness, m, Artifact.metaName("ph_bad"), meta.replaceFirst("\"encoding\":\\d+", "\"encoding\":99"));
    q("ph_good", "CREATE (:Later)");
    q("ph_bad", "CREATE (:Later)");
    String bad = Canonical.of(conn, "ph_bad");

    assertThatThrownBy(() -> harness.plan(forged)).isInstanceOfSatisfying(MaintenanceException.class, e -> {
      assertThat(e.code()).isEqualTo(ErrorCode.INCOMPATIBLE_ARTIFACT);
      assertThat(e.details()).containsEntry("graph", "ph_bad").containsEntry("graphs", "ph_bad");
      assertThat(e.getMessage()).contains("ph_bad").contains("encoding 99");
    });

    Contexts.Restore preview = new Contexts.Restore("r-1", "b", forged, harness.artifacts(forged), Set.of("ph_good"), Map.of(),
        Optional.empty(), ProgressListener.NONE);
    DatastorePlan plan = datastore.plan(preview);
    assertThat(plan.resources()).extracting(ResourceDiff::name).containsExactly("ph_good");
    RestoreOutcome out = datastore.restore(new Contexts.Restore("r-1", "b", forged, harness.artifacts(forged), Set.of("ph_good"),
        Map.of(), Optional.of(plan), ProgressListener.NONE));
    assertThat(out.resources()).extracting(r -> r.name()).containsExactly("ph_good");
    assertThat(TestServer.query(conn, "ph_good", "MATCH (n:Later) RETURN count(n)").singleLong()).isZero();
    assertThat(Canonical.of(conn, "ph_bad")).isEqualTo(bad);
  }

  @Test
  void aPayloadLargerThanTheServerTakesIsRefusedAtPreview() throws Exception {
    q(G, "CREATE (:A {x: 1})");
    DatastoreManifest m = harness.backup();
    String meta = new String(harness.storage().backing().bytes(harness.artifactKey(m, Artifact.metaName(G))).orElseThrow(),
        StandardCharsets.UTF_8);
    DatastoreManifest forged = Artifacts.forgePlain(harness, m, Artifact.metaName(G),
        meta.replaceFirst("\"payloadSize\":\\d+", "\"payloadSize\":2000000"));
    String before = FalkorConnection.text(((java.util.List<?>) conn.raw("CONFIG", "GET", "proto-max-bulk-len")).get(1));
    conn.raw("CONFIG", "SET", "proto-max-bulk-len", "1mb");
    try {
      assertThatThrownBy(() -> harness.plan(forged)).isInstanceOfSatisfying(MaintenanceException.class, e -> {
        assertThat(e.code()).isEqualTo(ErrorCode.INCOMPATIBLE_ARTIFACT);
        assertThat(e.getMessage()).contains("proto-max-bulk-len").contains(G);
      });
    } finally {
      conn.raw("CONFIG", "SET", "proto-max-bulk-len", before);
    }
  }

  @Test
  void damagedPayloadFailsPreviewAndRestoreAndChangesNothing() throws Exception {
    q(G, "UNWIND range(1, 100) AS i CREATE (:A {i: i, s: 'some text ' + toString(i)})");
    DatastoreManifest m = harness.backup();
    q(G, "CREATE (:Later)");
    String live = Canonical.of(conn, G);
    String key = harness.artifactKey(m, Artifact.dumpName(G));
    byte[] bytes = harness.storage().backing().bytes(key).orElseThrow();
    bytes[bytes.length / 2] ^= 0x40;
    harness.storage().backing().tamper(key, bytes);

    for (boolean apply : new boolean[] {false, true}) {
      assertThatThrownBy(() -> {
        if (apply) {
          harness.restore(m, new DatastorePlan("graphs", "falkordb", java.util.List.of(), java.util.List.of()));
        } else {
          harness.plan(m);
        }
      }).isInstanceOfSatisfying(MaintenanceException.class, e -> {
        assertThat(e.code()).isEqualTo(ErrorCode.INTEGRITY_MISMATCH);
        assertThat(e.details()).containsEntry("graph", G);
      });
      assertThat(Canonical.of(conn, G)).isEqualTo(live);
      assertThat(conn.graphList()).noneMatch(g -> g.startsWith("__maintenance__:"));
      assertThat(TestServer.keys(conn, "__maintenance__:*")).isEmpty();
    }
  }

  @Test
  void aPayloadOfAnotherGraphIsRefusedBeforeTheServerSeesIt() throws Exception {
    q(G, "CREATE (:A {x: 1})");
    q("ph_other", "CREATE (:B {y: 2})");
    DatastoreManifest m = harness.backup();
    // Swap the two payloads (and their metadata) consistently: the checksums match, the names do not.
    byte[] otherDump = harness.storage().backing().bytes(harness.artifactKey(m, Artifact.dumpName("ph_other"))).orElseThrow();
    DatastoreManifest forged = Artifacts.forgeBytes(harness, m, Artifact.dumpName(G), otherDump);
    String other = Canonical.of(conn, "ph_other");
    assertThatThrownBy(() -> harness.plan(forged)).isInstanceOfSatisfying(MaintenanceException.class, e -> {
      assertThat(e.code()).isEqualTo(ErrorCode.INCOMPATIBLE_ARTIFACT);
      assertThat(e.getMessage()).contains("holds graph '__maintenance__:backup-copy:").contains(":ph_other'");
    });
    assertThat(Canonical.of(conn, "ph_other")).isEqualTo(other);
  }

  /** A backup taken from the live graph ({@code dump-source=live}: the payload carries the graph's own name) restores as before. */
  @Test
  void aBackupOfTheLiveGraphRestoresInPlaceAndIntoAnEmptyServer() throws Exception {
    Corpus.seed(conn, G);
    String before = Canonical.of(conn, G);
    DatastoreManifest m;
    try (FalkorDbDatastore live = TestServer.datastore("graphs").include("ph_*").format("physical").dumpSource("live").build()) {
      m = new DatastoreHarness(live, harness.storage()).backup();
    }
    assertThat(Artifacts.text(harness, m, Artifact.metaName(G))).contains("\"version\":1").doesNotContain("payloadGraph");
    q(G, "MATCH (n:F) WHERE n.i < 5 DETACH DELETE n");
    harness.restore(m, harness.plan(m));
    assertThat(Canonical.of(conn, G)).isEqualTo(before);
    assertThat(datastore.fingerprint(Set.of(G)).value()).isEqualTo(m.sourceFingerprint());
    try (FalkorDbDatastore other = FalkorDbDatastore.builder("graphs").uri(TestServer.targetUrl()).include("ph_*").build()) {
      DatastoreHarness onTarget = new DatastoreHarness(other, harness.storage());
      onTarget.restore(m, onTarget.plan(m));
    }
    assertThat(Canonical.of(target, G)).isEqualTo(before);
  }

  /**
   * The payload's own name must be free on the target: a graph of that name in another database is refused
   * at preview (FalkorDB resolves graph names across databases); a leftover of ours (an interrupted
   * restore's) in this database is replaced.
   */
  @Test
  void thePayloadsOwnNameMustBeFreeOrALeftoverOfOurs() throws Exception {
    q(G, "CREATE (:A {x: 1})-[:E]->(:B {y: 2})");
    String before = Canonical.of(conn, G);
    DatastoreManifest m = harness.backup();
    String meta = Artifacts.text(harness, m, Artifact.metaName(G));
    java.util.regex.Matcher name = java.util.regex.Pattern.compile("\"payloadGraph\":\"([^\"]+)\"").matcher(meta);
    assertThat(name.find()).isTrue();
    String payloadGraph = name.group(1);
    try (FalkorDbDatastore other = FalkorDbDatastore.builder("graphs").uri(TestServer.targetUrl()).include("ph_*").build();
        FalkorConnection db1 = TestServer.connect(TestServer.targetUrl(), 1)) {
      DatastoreHarness onTarget = new DatastoreHarness(other, harness.storage());
      TestServer.query(db1, payloadGraph, "CREATE (:Someone {else: true})");
      try {
        assertThatThrownBy(() -> onTarget.plan(m)).isInstanceOfSatisfying(MaintenanceException.class, e -> {
          assertThat(e.code()).isEqualTo(ErrorCode.INCOMPATIBLE_ARTIFACT);
          assertThat(e.details()).containsEntry("reason", "PAYLOAD_NAME_TAKEN").containsEntry("graph", G);
          assertThat(e.getMessage()).contains(payloadGraph);
        });
        assertThat(target.graphList()).doesNotContain(G);
        assertThat(TestServer.query(db1, payloadGraph, "MATCH (n:Someone) RETURN count(n)").singleLong()).isEqualTo(1);
      } finally {
        db1.delete(payloadGraph);
      }
      TestServer.query(target, payloadGraph, "CREATE (:Leftover)");
      onTarget.restore(m, onTarget.plan(m));
    }
    assertThat(Canonical.of(target, G)).isEqualTo(before);
    assertThat(target.graphList()).noneMatch(g -> g.startsWith("__maintenance__:"));
  }
}
