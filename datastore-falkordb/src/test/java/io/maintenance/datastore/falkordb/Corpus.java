package io.maintenance.datastore.falkordb;

import io.maintenance.datastore.falkordb.internal.FalkorConnection;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * A graph with what FalkorDB can hold at its limits: every value type (doubles of every kind, NaN of
 * both signs, infinities, -0.0, subnormals, int64 limits, Unicode and control
 * characters, nested and mixed lists, points and vectors holding NaN/Inf, temporals off their usual
 * ranges, durations at the int64 edge), constructed values between plain ones (property order), odd
 * names, node and edge ids with gaps, labels, types and keys that are no longer used, and indexes and
 * constraints with their options.
 */
public final class Corpus {
  private Corpus() {}

  public static final String UNICODE = "héllo wörld 😀 中文 \u2028 \u0001\u001f\u007f quote ' dq \" back \\ nl \n cr \r tab \t";

  /** Doubles the 15-digit replies cannot show, special values, and random bit patterns. */
  public static List<Double> doubles() {
    List<Double> d = new ArrayList<>(List.of(0.1 + 0.2, 1.0 / 3, Double.MIN_VALUE, Double.MIN_NORMAL, 2.225073858507201e-308,
        Double.MAX_VALUE, -0.0, 0.0, 1e-300, 123456789.123456789, -2.5, 4503599627370497.0, 9007199254740993.0));
    SplittableRandom r = new SplittableRandom(42);
    while (d.size() < 60) {
      double x = Double.longBitsToDouble(r.nextLong());
      if (Double.isFinite(x)) {
        d.add(x);
      }
    }
    return d;
  }

  static String lit(double d) {
    return Double.toString(d).replace('E', 'e');
  }

  private static void q(FalkorConnection c, String g, String cypher) {
    c.query(g, cypher, Map.of());
  }

  /** One {@code (:F {i, v})} node per double of {@link #doubles()}. */
  static void floats(FalkorConnection c, String g) {
    List<Double> ds = doubles();
    // Subnormal literals are refused in a query body but accepted in the parameter header.
    StringBuilder header = new StringBuilder("CYPHER");
    StringBuilder create = new StringBuilder(" CREATE ");
    for (int i = 0; i < ds.size(); i++) {
      header.append(" v").append(i).append('=').append(lit(ds.get(i)));
      create.append(i > 0 ? ", " : "").append("(:F {i: ").append(i).append(", v: $v").append(i).append("})");
    }
    q(c, g, header.append(create).toString());
  }

  /** Seeds {@code g} (which must not exist). */
  public static void seed(FalkorConnection c, String g) {
    // Labels, types and keys that will end up unused, first, so that they hold the low ids.
    q(c, g, "CREATE (:Unused1:`odd label`)-[:UNUSED_TYPE {unusedKey: 1}]->(:Unused2)");
    q(c, g, "MATCH (n) DETACH DELETE n");
    floats(c, g);
    q(c, g, "CREATE (:F {i: 1000, v: 0.0/0.0}), (:F {i: 1001, v: 1.0/0.0}), (:F {i: 1002, v: -1.0/0.0}),"
        + " (:F {i: 1003, v: toFloat('nan')}), (:F {i: 1004, v: toFloat('-nan(0x5)')}), (:F {i: 1005, v: toFloat('nan(0x123)')})");
    c.query(g, "CREATE (:S {s: '', t: $t, `key with space`: 1, `ключ`: 'кириллица'})", Map.of("t", UNICODE));
    q(c, g, "CREATE (:I {min: -9223372036854775808, max: 9223372036854775807, zero: 0, b: true, nb: false})");
    q(c, g, "CREATE (:L {empty: [], mixed: [1, 'a', [2.5, false]], flat: [0.30000000000000004, 0.3333333333333333, -0.0],"
        + " deep: [[[[0.30000000000000004, 'x']]], 1], specials: [date('2024-01-02'), point({latitude: 1.5, longitude: -2.25}),"
        + " 0.0/0.0, toFloat('nan'), [localtime('10:11:12'), duration('P1D'), 1.0/0.0]]})");
    // Constructed values between plain ones: the order of keys() must survive.
    q(c, g, "CREATE (:T:Temporal:Multi {a: 1, d: date('1815-12-10'), b: 'two', old: date({year: -5, month: 3, day: 1}),"
        + " first: date('0001-01-01'), last: date('9999-12-31'),"
        + " t: localtime('23:59:59'), dt: localdatetime('2024-02-29T12:34:56'), early: localdatetime('0001-01-01T00:00:00'),"
        + " du: duration('P1Y2M3DT4H5M6S'), neg: duration({seconds: -1}), long: duration('P1000Y'),"
        + " p: point({latitude: 51.50722, longitude: -0.1275}), z: 0.5, v: vecf32([0.1, -2.5, 3.4028235e38, 1.0e-45])})");
    // The values the issue found unrestorable or changed.
    q(c, g, "CREATE (:Edge {vnan: vecf32([0.0/0.0, 1.0/0.0, -1.0/0.0, toFloat('nan')]), pnan: point({latitude: 0.0/0.0, longitude: 1.0}),"
        + " offday: localtime('23:00:00') + duration({hours: 2}), wrapped: duration({seconds: 1.0e19}), posnan: toFloat('nan'),"
        + " bigdur: duration({seconds: 9000000000000000})})");
    // Structure: multiple labels, no labels, parallel edges, self-loops, odd names.
    q(c, g, "CREATE (), (:OnlyLabel), (a:N {uid: 1}), (b:N {uid: 2}), (a)-[:R {w: 0.1, at: date('2020-01-01')}]->(b),"
        + " (a)-[:R {w: 0.1, at: date('2020-01-01')}]->(b), (a)-[:R]->(b), (b)-[:LOOP {v: vecf32([2.0, 3.0])}]->(b),"
        + " (b)-[:`odd type`]->(a)");
    // Consecutive edges of one type whose keys come and go and change order (the restore creates a run
    // of them with the union of their keys, in order, in one pattern map).
    q(c, g, "MATCH (a:N {uid: 1}), (b:N {uid: 2}) CREATE (a)-[:KO {x: 1, y: 'a'}]->(b), (a)-[:KO {y: 'b', x: 2}]->(b),"
        + " (a)-[:KO {x: 3}]->(b), (b)-[:KO {y: 'c'}]->(a), (a)-[:KO {x: 4, z: 0.1}]->(b), (a)-[:KO]->(b),"
        + " (a)-[:KO {y: 'd', p: point({latitude: 1.0, longitude: 2.0}), x: 5}]->(b), (a)-[:KO {z: 0.2, y: 'e', x: 6}]->(b),"
        + " (a)-[:KO {x: 7, y: [1, 2], z: 0.30000000000000004}]->(b)");
    // Ids with gaps: nodes and edges deleted in the middle.
    q(c, g, "UNWIND range(1, 30) AS i CREATE (:Gap {i: i})");
    q(c, g, "MATCH (x:Gap), (y:Gap) WHERE y.i = x.i + 1 CREATE (x)-[:NEXT {i: x.i}]->(y)");
    q(c, g, "MATCH (x:Gap) WHERE x.i % 7 = 3 DETACH DELETE x");
    q(c, g, "MATCH ()-[e:NEXT]->() WHERE e.i % 5 = 1 DELETE e");
    // Schema with every index kind and option, and constraints.
    q(c, g, "CREATE INDEX FOR (n:N) ON (n.uid)");
    q(c, g, "CREATE INDEX FOR ()-[r:R]-() ON (r.w)");
    q(c, g, "CALL db.idx.fulltext.createNodeIndex({label: 'S', language: 'german', stopwords: ['der', 'die']},"
        + " {field: 't', weight: 2.0, nostem: true}, 's')");
    q(c, g, "CREATE FULLTEXT INDEX FOR ()-[r:R]-() ON (r.note)");
    q(c, g, "CREATE VECTOR INDEX FOR (t:T) ON (t.v) OPTIONS {dimension: 4, similarityFunction: 'cosine', M: 32,"
        + " efConstruction: 100, efRuntime: 20}");
    q(c, g, "CREATE VECTOR INDEX FOR ()-[l:LOOP]-() ON (l.v) OPTIONS {dimension: 2, similarityFunction: 'euclidean'}");
    c.command(g, "constraint", "GRAPH.CONSTRAINT", "CREATE", g, "UNIQUE", "NODE", "N", "PROPERTIES", "1", "uid");
    c.command(g, "constraint", "GRAPH.CONSTRAINT", "CREATE", g, "MANDATORY", "NODE", "N", "PROPERTIES", "1", "uid");
    c.awaitIndexes(g, false);
  }

  /**
   * What a user of the restored corpus relies on beyond its content: the range index is used, the vector
   * index answers a query, the full-text index finds a word, and the unique constraint refuses a duplicate
   * (so the schema was rebuilt and is live under the graph's name, not only listed).
   */
  static void assertSchemaServes(FalkorConnection c, String g) {
    String plan = ((List<?>) c.command(g, "explain", "GRAPH.EXPLAIN", g, "MATCH (n:N) WHERE n.uid = 2 RETURN n")).stream()
        .map(FalkorConnection::text).collect(java.util.stream.Collectors.joining("\n"));
    org.assertj.core.api.Assertions.assertThat(plan).as(g + " plan").contains("Node By Index Scan");
    org.assertj.core.api.Assertions.assertThat(c.readOnly(g, "CALL db.idx.vector.queryNodes('T', 'v', 1, vecf32([0.1, -2.5, 3.0, 1.0]))"
        + " YIELD node RETURN node.b", Map.of()).rows()).as(g + " vector query").containsExactly(java.util.List.of("two"));
    org.assertj.core.api.Assertions.assertThat(c.readOnly(g, "CALL db.idx.fulltext.queryNodes('S', 'wörld') YIELD node"
        + " RETURN node.`key with space`", Map.of()).rows()).as(g + " full-text query").containsExactly(java.util.List.of(1L));
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> c.query(g, "CREATE (:N {uid: 1})", Map.of()))
        .as(g + " unique constraint").hasMessageContaining("constraint");
  }
}
