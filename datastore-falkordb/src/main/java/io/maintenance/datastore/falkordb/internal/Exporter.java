package io.maintenance.datastore.falkordb.internal;

import io.maintenance.datastore.falkordb.internal.QueryResult.Edge;
import io.maintenance.datastore.falkordb.internal.QueryResult.Node;
import io.maintenance.spi.ProgressListener;
import java.io.IOException;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Streams one graph into an artifact: nodes by ranges of node id, then edges by ranges of source
 * node id (never SKIP/LIMIT, which rescans), each range one bounded query. Floats come back exact
 * through {@link Cypher#exact}; only the current range is held in memory.
 */
public final class Exporter {
  /**
   * List nesting covered by the main queries; deeper floats are fetched one property at a time. The
   * server compiles each query text once per graph, and that cost grows steeply with the nesting
   * (about 0.1 s at depth 1, 2.5 s at depth 3), so flat float lists are handled inline and only rarer
   * nested ones are fetched apart.
   */
  static final int EXACT_DEPTH = 1;

  // Exact floats: top-level floats (the common case, kept cheap) plus lists that hold floats. The
  // server evaluates every branch of CASE and both sides of AND, so list functions get guarded input.
  private static final String FIX = "[k IN keys(x) WHERE typeof(x[k]) = 'Float' | [k, [f IN [x[k]] | "
      + Cypher.exactFloat("f", "") + "][0]]] + [k IN keys(x) WHERE typeof(x[k]) = 'List' AND any(y IN "
      + Cypher.guardList("x[k]") + " WHERE typeof(y) IN ['Float', 'List']) | [k, " + Cypher.exact("x[k]", EXACT_DEPTH) + "]]";
  private static final String NODES = "MATCH (x) WHERE id(x) >= $lo AND id(x) < $hi RETURN x, " + FIX;
  private static final String EDGES = "MATCH (a)-[x]->() WHERE id(a) >= $lo AND id(a) < $hi RETURN x, " + FIX;

  private final FalkorConnection conn;
  private final String key;
  private final String graph;
  private final int batch;
  private final ProgressListener progress;
  private final Approximations approximations;
  private final java.nio.file.Path tempDir;
  private final Runnable active; // throws when the operation must stop (checked between ranges)
  private final ContentHash content = new ContentHash(null, null);
  private List<String> labels;
  private List<String> types;
  private List<String> keys;

  /**
   * @param key the key to read (the graph itself or a snapshot copy of it)
   * @param graph the graph's name, written into the artifact
   */
  public Exporter(FalkorConnection conn, String key, String graph, int batch, ProgressListener progress, java.nio.file.Path tempDir,
      Runnable active) {
    this.tempDir = tempDir;
    this.active = active;
    this.conn = conn;
    this.key = key;
    this.graph = graph;
    this.batch = batch;
    this.progress = progress;
    this.approximations = new Approximations(graph);
  }

  /** The names as exported (in id order). */
  public GraphNames names() {
    return new GraphNames(labels, types, keys);
  }

  /** The hash of every node and edge written, as {@link ContentHash} computes it from a DUMP. */
  public ContentHash content() {
    return content;
  }

  /** Values written that a restore brings back only approximately. */
  public Approximations approximations() {
    return approximations;
  }

  /** Writes the artifact and returns what it holds. */
  public GraphCounts export(OutputStream out, String serverVersion, GraphSchema schema) throws IOException {
    refreshNames();
    GraphCounts counts = new GraphCounts();
    Object max = conn.readOnly(key, "MATCH (n) RETURN max(id(n))", Map.of()).single();
    long maxId = max == null ? -1 : (Long) max;
    long total = conn.readOnly(key, "MATCH (n) RETURN count(n)", Map.of()).singleLong();
    try (Artifact.Writer w = new Artifact.Writer(out)) {
      w.header(graph, serverVersion);
      w.schema(schema, new GraphNames(labels, types, keys));
      long width = batch;
      for (long lo = 0; lo <= maxId; lo += width) {
        active.run();
        QueryResult r = conn.readOnly(key, NODES, Map.of("lo", lo, "hi", lo + width));
        List<List<Object>> rows = new ArrayList<>(r.rows());
        // One range query returns nodes in id order; sort anyway, the artifact promises ascending ids.
        rows.sort((a, b) -> Long.compare(((Node) a.get(0)).id(), ((Node) b.get(0)).id()));
        for (List<Object> row : rows) {
          Node n = (Node) row.get(0);
          List<String> nodeLabels = new ArrayList<>(n.labelIds().length);
          for (long id : n.labelIds()) {
            nodeLabels.add(name(labels, id, "label"));
          }
          List<String> ks = new ArrayList<>();
          List<Object> vs = new ArrayList<>();
          properties(n.keyIds(), n.values(), (List<?>) row.get(1), ks, vs, "MATCH (x) WHERE id(x) = $id", n.id());
          for (int i = 0; i < ks.size(); i++) {
            approximations.check("node", n.id(), ks.get(i), vs.get(i));
          }
          content.node(n.id(), ks, vs);
          w.node(n.id(), nodeLabels, ks, vs);
          counts.addNode(nodeLabels);
        }
        progress.onProgress("graph " + graph + " nodes", counts.nodes(), total);
      }
      long edgeTotal = conn.readOnly(key, "MATCH ()-[e]->() RETURN count(e)", Map.of()).singleLong();
      // Edges come by ranges of source node (an edge id filter scans them all) and are written in id
      // order, which lets a restore keep their ids; ranges adapt to the out-degree so that one reply
      // stays near the batch size.
      try (RecordSpool spool = new RecordSpool(tempDir)) {
        width = batch;
        long read = 0;
        for (long lo = 0; lo <= maxId; ) {
          long hi = lo + width;
          active.run();
          QueryResult r = conn.readOnly(key, EDGES, Map.of("lo", lo, "hi", hi));
          for (List<Object> row : r.rows()) {
            Edge e = (Edge) row.get(0);
            String type = name(types, e.typeId(), "relationship type");
            List<String> ks = new ArrayList<>();
            List<Object> vs = new ArrayList<>();
            properties(e.keyIds(), e.values(), (List<?>) row.get(1), ks, vs,
                "MATCH (a)-[x]->() WHERE id(a) = $src AND id(x) = $id", e.id(), e.source());
            for (int i = 0; i < ks.size(); i++) {
              approximations.check("edge", e.id(), ks.get(i), vs.get(i));
            }
            spool.put(e.id(), w.edge(e.id(), e.source(), e.destination(), type, ks, vs), content.canonical((byte) 'E', e.id(), ks, vs));
            counts.addEdge(type);
          }
          read += r.rows().size();
          progress.onProgress("graph " + graph + " edges", read, edgeTotal);
          lo = hi;
          int n = r.rows().size();
          if (n > 2L * batch && width > 1) {
            width = Math.max(1, width / 2);
          } else if (n < batch / 2 && width < (1L << 30)) {
            width *= 2;
          }
        }
        for (long id = 0; id <= spool.maxId(); id++) {
          byte[][] record = spool.get(id);
          if (record != null) {
            w.raw(record[0]);
            content.accept(record[1]);
          }
        }
      }
      w.end(counts.nodes(), counts.edges());
    }
    return counts;
  }

  /** Resolves key ids and replaces every float with its exact value. */
  private void properties(long[] keyIds, Object[] values, List<?> fixes, List<String> ks, List<Object> vs, String match,
      long... ids) {
    Map<String, Object> exact = new java.util.HashMap<>();
    for (Object f : fixes) {
      List<?> pair = (List<?>) f;
      exact.put((String) pair.get(0), pair.get(1));
    }
    for (int i = 0; i < keyIds.length; i++) {
      String k = name(keys, keyIds[i], "property key");
      Object v = values[i];
      if (exact.containsKey(k)) {
        Object e = exact.get(k);
        if (deep(e)) {
          // Lists nested deeper than the main query covers: ask for this one property with enough depth.
          Map<String, Object> params = ids.length == 1 ? Map.of("id", ids[0], "k", k) : Map.of("id", ids[0], "src", ids[1], "k", k);
          e = conn.readOnly(key, match + " RETURN " + Cypher.exact("x[$k]", Values.depth(v)), params).single();
        }
        v = fix(v, e);
      }
      ks.add(k);
      vs.add(v);
    }
  }

  private static boolean deep(Object exact) {
    if ("deep".equals(exact)) {
      return true;
    }
    if (exact instanceof List<?> list) {
      for (Object o : list) {
        if (deep(o)) {
          return true;
        }
      }
    }
    return false;
  }

  private static Object fix(Object value, Object exact) {
    if (value instanceof Double d) {
      return Cypher.exactDouble(d, exact);
    }
    if (value instanceof List<?> list) {
      List<?> fixes = (List<?>) exact;
      List<Object> out = new ArrayList<>(list.size());
      for (int i = 0; i < list.size(); i++) {
        Object e = list.get(i);
        out.add(e instanceof Double || e instanceof List<?> ? fix(e, fixes.get(i)) : e);
      }
      return out;
    }
    return value;
  }

  private String name(List<String> names, long id, String what) {
    if (id >= 0 && id < names.size()) {
      return names.get((int) id);
    }
    // A name created after we listed them (only when reading a live graph).
    refreshNames();
    List<String> fresh = current(what);
    if (id < 0 || id >= fresh.size()) {
      throw new IllegalStateException("unknown " + what + " id " + id + " in graph '" + graph + "'");
    }
    return fresh.get((int) id);
  }

  private List<String> current(String what) {
    return switch (what) {
      case "label" -> labels;
      case "relationship type" -> types;
      default -> keys;
    };
  }

  private void refreshNames() {
    labels = GraphOps.procedureNames(conn, key, "db.labels");
    types = GraphOps.procedureNames(conn, key, "db.relationshipTypes");
    keys = GraphOps.procedureNames(conn, key, "db.propertyKeys");
  }
}
