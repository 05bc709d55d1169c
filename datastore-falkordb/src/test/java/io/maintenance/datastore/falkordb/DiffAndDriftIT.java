package io.maintenance.datastore.falkordb;

import static org.assertj.core.api.Assertions.assertThat;

import io.maintenance.api.DatastoreManifest;
import io.maintenance.api.DatastorePlan;
import io.maintenance.api.ItemChange;
import io.maintenance.api.ResourceDiff;
import io.maintenance.datastore.falkordb.internal.FalkorConnection;
import io.maintenance.spi.Fingerprint;
import io.maintenance.tck.DatastoreHarness;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The diff counts what a restore removes and adds (gross), and the fingerprint sees every content change. */
class DiffAndDriftIT {
  private static final String G = "dd_graph";
  private static FalkorConnection conn;

  @BeforeAll
  static void connect() {
    conn = TestServer.connect();
  }

  @AfterAll
  static void disconnect() {
    TestServer.dropGraphs(conn, "dd_");
    conn.close();
  }

  @BeforeEach
  void clean() {
    TestServer.dropGraphs(conn, "dd_");
    q("UNWIND range(1, 10) AS i CREATE (:A {i: i})");
    q("UNWIND range(1, 5) AS i CREATE (:B {i: i, w: 0.1})");
    q("MATCH (a:A), (b:B) WHERE a.i = b.i CREATE (a)-[:T {k: a.i}]->(b)");
  }

  private static void q(String cypher) {
    TestServer.query(conn, G, cypher);
  }

  private static FalkorDbDatastore datastore(String format) {
    return TestServer.datastore("graphs").include("dd_*").format(format).build();
  }

  @ParameterizedTest
  @ValueSource(strings = {"physical", "logical"})
  void itemsCreatedAfterTheBackupAndItemsDeletedSinceAreBothCounted(String format) throws Exception {
    try (FalkorDbDatastore ds = datastore(format)) {
      DatastoreHarness h = new DatastoreHarness(ds);
      DatastoreManifest m = h.backup();
      // Counts stay the same: 2 :A nodes deleted, 2 others created (FalkorDB reuses their ids), one :B edited,
      // 3 edges added.
      q("MATCH (a:A) WHERE a.i IN [1, 2] DETACH DELETE a");
      q("CREATE (:A {i: 101}), (:A {i: 102})");
      q("MATCH (b:B {i: 3}) SET b.w = 0.30000000000000004");
      q("MATCH (a:A), (b:B) WHERE a.i = 5 AND b.i < 4 CREATE (a)-[:T {k: 0}]->(b)");

      DatastorePlan plan = h.plan(m);
      ResourceDiff d = plan.resources().get(0);
      Map<String, ItemChange> items = d.items().stream().collect(Collectors.toMap(ItemChange::metric, i -> i));
      assertThat(items.get("nodes:A")).isEqualTo(new ItemChange("nodes:A", 2, 2));
      assertThat(items.get("nodes:B")).isEqualTo(new ItemChange("nodes:B", 1, 1));
      assertThat(items.get("nodes")).isEqualTo(new ItemChange("nodes", 3, 3));
      // The two deleted :A nodes took their edges with them: 2 edges come back, 3 added ones go.
      assertThat(items.get("edges:T")).isEqualTo(new ItemChange("edges:T", 3, 2));
      assertThat(d.itemsLost()).isEqualTo(3 + 3);
      assertThat(d.counts()).anySatisfy(c -> {
        assertThat(c.metric()).isEqualTo("nodes:A");
        assertThat(c.delta()).isZero();
      });
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"physical", "logical"})
  void nothingChangedMeansNothingLost(String format) throws Exception {
    try (FalkorDbDatastore ds = datastore(format)) {
      DatastoreHarness h = new DatastoreHarness(ds);
      DatastoreManifest m = h.backup();
      ResourceDiff d = h.plan(m).resources().get(0);
      assertThat(d.itemsLost()).isZero();
      assertThat(d.items()).allSatisfy(i -> assertThat(i.lost() + i.created()).isZero());
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "MATCH (b:B {i: 2}) SET b.w = 0.1 + 1e-17 * 0 + 5e-17",
      "MATCH (b:B {i: 2}) SET b.extra = 'x'",
      "MATCH (a:A {i: 3}) SET a:Relabelled",
      "MATCH (a:A {i: 4}) REMOVE a:A SET a:Z",
      "MATCH (a:A {i: 1})-[t:T]->(b:B {i: 1}) DELETE t WITH 1 AS x MATCH (a:A {i: 1}), (b:B {i: 2}) CREATE (a)-[:T {k: 1}]->(b)",
      "MATCH (b:B {i: 5}) SET b.w = 0.1"})
  void everyContentChangeChangesTheFingerprintAndNothingElseDoes(String change) throws Exception {
    try (FalkorDbDatastore ds = datastore("physical")) {
      Fingerprint before = ds.fingerprint(Set.of(G));
      assertThat(ds.fingerprint(Set.of(G))).as("unchanged graph, same fingerprint").isEqualTo(before);
      TestServer.query(conn, G, "MATCH (n) RETURN count(n)"); // reads change nothing
      assertThat(ds.fingerprint(Set.of(G))).isEqualTo(before);
      q(change);
      boolean noop = change.endsWith("SET b.w = 0.1");
      if (noop) {
        assertThat(ds.fingerprint(Set.of(G))).as("setting the same value").isEqualTo(before);
      } else {
        assertThat(ds.fingerprint(Set.of(G)).value()).as(change).isNotEqualTo(before.value());
      }
    }
  }
}
