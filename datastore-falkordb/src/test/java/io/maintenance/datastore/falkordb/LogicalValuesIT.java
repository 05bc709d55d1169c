package io.maintenance.datastore.falkordb;

import static org.assertj.core.api.Assertions.assertThat;

import io.maintenance.api.DatastoreManifest;
import io.maintenance.api.DatastorePlan;
import io.maintenance.datastore.falkordb.internal.FalkorConnection;
import io.maintenance.tck.DatastoreHarness;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The logical mode with the values the server's constructors cannot rebuild naively (the ones found
 * unrestorable or changed before): every one comes back exactly, or the backup and the preview say
 * which value comes back how. Restored into an empty server and compared there.
 */
class LogicalValuesIT {
  private static final String G = "lv_corpus";
  private static FalkorConnection conn;
  private static FalkorConnection target;

  @BeforeAll
  static void connect() {
    conn = TestServer.connect();
    target = TestServer.connect(TestServer.targetUrl());
  }

  @AfterAll
  static void disconnect() {
    TestServer.dropGraphs(conn, "lv_");
    TestServer.dropGraphs(target, "lv_");
    conn.close();
    target.close();
  }

  @BeforeEach
  void clean() {
    TestServer.dropGraphs(conn, "lv_");
    TestServer.dropGraphs(target, "lv_");
  }

  private static Object one(FalkorConnection c, String cypher) {
    return c.readOnly(G, cypher, Map.of()).single();
  }

  @Test
  void theValuesFoundUnrestorableComeBackExactlyOrWithAWarning() throws Exception {
    Corpus.seed(conn, G);
    DatastoreManifest m;
    DatastoreHarness backup;
    // Small read ranges: a key holds floats in some ranges and other types (or nothing) in others.
    try (FalkorDbDatastore source = TestServer.datastore("graphs").include("lv_*").format("logical").readBatchSize(3).build()) {
      backup = new DatastoreHarness(source);
      m = backup.backup();
    }
    assertThat(m.metadata().get("falkordb.warnings")).contains("1 value(s)").contains("vnan");
    DatastorePlan plan;
    try (FalkorDbDatastore other = FalkorDbDatastore.builder("graphs").uri(TestServer.targetUrl()).include("lv_*").build()) {
      DatastoreHarness h = new DatastoreHarness(other, backup.storage());
      plan = h.plan(m);
      h.restore(m, plan);
    }
    assertThat(plan.warnings()).singleElement().asString().contains("property 'vnan'").contains("positive quiet NaN");

    assertThat(Canonical.of(target, G)).isEqualTo(Canonical.of(conn, G));
    Corpus.assertSchemaServes(target, G);
    for (String check : new String[] {
        "MATCH (n:Edge) RETURN n.offday = localtime('23:00:00') + duration({hours: 2})",
        "MATCH (n:Edge) RETURN n.wrapped = duration({seconds: 1.0e19})",
        "MATCH (n:Edge) RETURN n.bigdur = duration({seconds: 9000000000000000})",
        "MATCH (n:Edge) RETURN toJSON(n.posnan) = 'nan'",
        "MATCH (n:F {i: 1003}) RETURN toJSON(n.v) = 'nan'",
        "MATCH (n:F {i: 1000}) RETURN toJSON(n.v) = '-nan'",
        "MATCH (n:F {i: 1004}) RETURN toJSON(n.v) = '-nan'",
        "MATCH (n:L) RETURN toJSON(n.specials[2]) = '-nan' AND toJSON(n.specials[3]) = 'nan'"}) {
      assertThat(one(conn, check)).as("source: " + check).isEqualTo(true);
      assertThat(one(target, check)).as("restored: " + check).isEqualTo(true);
    }
    for (String value : new String[] {"n.pnan", "n.offday", "n.wrapped", "n.bigdur", "n.vnan"}) {
      assertThat(String.valueOf(one(target, "MATCH (n:Edge) RETURN " + value)))
          .isEqualTo(String.valueOf(one(conn, "MATCH (n:Edge) RETURN " + value)));
    }
  }
}
