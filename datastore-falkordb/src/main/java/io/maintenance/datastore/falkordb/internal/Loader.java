package io.maintenance.datastore.falkordb.internal;

import io.maintenance.api.ErrorCode;
import io.maintenance.api.MaintenanceException;
import io.maintenance.spi.ProgressListener;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Consumes an artifact: always validates and counts it; when given a connection, also rebuilds the
 * graph under {@code key} with batched, parameterised {@code UNWIND} queries.
 *
 * <p>Rows are grouped by label set (or relationship type) and by the shape of their "special" values
 * (points, vectors, temporals, non-finite floats), which need a constructor on the server; every other
 * value travels in one parameter map. Old node ids are mapped to new ones through an {@link IdMap}.
 */
public final class Loader implements Artifact.Visitor {
  private static final int MAX_GROUPS = 128;
  private static final int MAX_BATCH_CHARS = 8 << 20;
  /** Bound on the rows pending in all groups together, so the heap stays flat whatever the data. */
  private static final long MAX_PENDING_CHARS = 32L << 20;

  private final FalkorConnection conn; // null for a dry run
  private final String key;
  private final String graph;
  private final int batchSize;
  private final IdMap ids;
  private final ProgressListener progress;
  private final long expectedNodes;
  private final long expectedEdges;
  private final GraphCounts counts = new GraphCounts();
  private final Approximations approximations;
  private final Map<GroupKey, Group> groups = new LinkedHashMap<>();
  private long pendingChars;
  private GraphSchema schema = GraphSchema.EMPTY;

  private record GroupKey(boolean edge, List<String> labels, List<String> specialKeys, List<String> kinds) {}

  private static final class Group {
    final StringBuilder rows = new StringBuilder();
    int count;
  }

  /**
   * @param conn the connection to write through, or null to only validate
   * @param expectedNodes for progress reports, or -1
   */
  public Loader(FalkorConnection conn, String key, String graph, int batchSize, IdMap ids, ProgressListener progress,
      long expectedNodes, long expectedEdges) {
    this.conn = conn;
    this.key = key;
    this.graph = graph;
    this.batchSize = batchSize;
    this.ids = ids;
    this.progress = progress;
    this.expectedNodes = expectedNodes;
    this.expectedEdges = expectedEdges;
    this.approximations = new Approximations(graph);
  }

  /** Values this restore brings back only approximately. */
  public Approximations approximations() {
    return approximations;
  }

  public GraphCounts counts() {
    return counts;
  }

  public GraphSchema schema() {
    return schema;
  }

  @Override
  public void schema(GraphSchema s) {
    this.schema = s;
    if (conn != null) {
      // The key must exist even when the graph has no nodes.
      conn.query(key, "RETURN 1", Map.of());
    }
  }

  @Override
  public void node(long id, List<String> labels, Map<String, Object> properties) {
    counts.addNode(labels);
    approximations.check("node", id, properties);
    if (conn == null) {
      ids.put(id, 0);
      return;
    }
    add(false, labels, properties, sb -> sb.append(id));
  }

  @Override
  public void nodesDone() {
    flushAll();
  }

  @Override
  public void edge(long source, long target, String type, Map<String, Object> properties) {
    counts.addEdge(type);
    approximations.check("edge", counts.edges() - 1, properties);
    long s = ids.get(source);
    long d = ids.get(target);
    if (s < 0 || d < 0) {
      throw new ArtifactFormatException("an edge of type '" + type + "' references node " + (s < 0 ? source : target)
          + ", which the artifact does not hold");
    }
    if (conn == null) {
      return;
    }
    add(true, List.of(type), properties, sb -> sb.append(s).append(',').append(d));
  }

  @Override
  public void end(long nodes, long edges) {
    flushAll();
  }

  private void add(boolean edge, List<String> labels, Map<String, Object> properties, java.util.function.Consumer<StringBuilder> head) {
    Map<String, Object> plain = new LinkedHashMap<>();
    TreeMap<String, Object> special = new TreeMap<>();
    properties.forEach((k, v) -> (Values.isSpecial(v) ? special : plain).put(k, v));
    List<String> kinds = new ArrayList<>(special.size());
    List<Object> payloads = new ArrayList<>(special.size());
    special.values().forEach(v -> {
      kinds.add(Cypher.kind(v));
      payloads.add(Cypher.payload(v));
    });
    GroupKey gk = new GroupKey(edge, labels, List.copyOf(special.keySet()), kinds);
    Group g = groups.get(gk);
    if (g == null) {
      if (groups.size() >= MAX_GROUPS) {
        flushAll();
      }
      g = new Group();
      groups.put(gk, g);
    }
    StringBuilder sb = g.rows;
    int lengthBefore = sb.length();
    if (g.count > 0) {
      sb.append(',');
    }
    sb.append('[');
    head.accept(sb);
    sb.append(',');
    Cypher.literal(sb, plain).append(',');
    Cypher.literal(sb, payloads).append(']');
    g.count++;
    pendingChars += sb.length() - lengthBefore;
    if (g.count >= batchSize || sb.length() >= MAX_BATCH_CHARS) {
      pendingChars -= sb.length();
      flush(gk, g);
      groups.remove(gk);
    } else if (pendingChars >= MAX_PENDING_CHARS) {
      flushAll();
    }
  }

  private void flushAll() {
    for (Iterator<Map.Entry<GroupKey, Group>> it = groups.entrySet().iterator(); it.hasNext(); ) {
      Map.Entry<GroupKey, Group> e = it.next();
      flush(e.getKey(), e.getValue());
      it.remove();
    }
    pendingChars = 0;
  }

  private void flush(GroupKey gk, Group g) {
    if (g.count == 0) {
      return;
    }
    StringBuilder q = new StringBuilder(g.rows.length() + 512);
    q.append("CYPHER rows=[").append(g.rows).append("] UNWIND $rows AS r ");
    if (!gk.edge()) {
      q.append("CREATE (n").append(Cypher.labels(gk.labels())).append(") SET n += r[1]");
      setSpecials(q, "n", "r[2]", gk);
      q.append(" RETURN r[0], id(n)");
      QueryResult r = conn.query(key, q.toString(), Map.of());
      if (r.rows().size() != g.count) {
        throw mismatch("nodes", g.count, r.rows().size());
      }
      for (List<Object> row : r.rows()) {
        ids.put((Long) row.get(0), (Long) row.get(1));
      }
      progress.onProgress("graph " + graph + " restore nodes", ids.size(), expectedNodes);
    } else {
      // Projecting the ids first lets the planner seek nodes by id instead of scanning.
      q.append("WITH r[0] AS s, r[1] AS d, r[2] AS p, r[3] AS x MATCH (a) WHERE id(a) = s MATCH (b) WHERE id(b) = d CREATE (a)-[e:")
          .append(Cypher.quote(gk.labels().get(0))).append("]->(b) SET e += p");
      setSpecials(q, "e", "x", gk);
      q.append(" RETURN count(e)");
      long created = conn.query(key, q.toString(), Map.of()).singleLong();
      if (created != g.count) {
        throw mismatch("edges", g.count, created);
      }
      progress.onProgress("graph " + graph + " restore edges", counts.edges(), expectedEdges);
    }
  }

  private static void setSpecials(StringBuilder q, String var, String list, GroupKey gk) {
    for (int i = 0; i < gk.specialKeys().size(); i++) {
      q.append(", ").append(var).append('.').append(Cypher.quote(gk.specialKeys().get(i))).append(" = ")
          .append(Cypher.construct(gk.kinds().get(i), list + "[" + i + "]"));
    }
  }

  private MaintenanceException mismatch(String what, long sent, long created) {
    return new MaintenanceException(ErrorCode.DATASTORE_FAILURE,
        "restoring graph '" + graph + "': sent " + sent + " " + what + " but the server created " + created,
        Map.of("graph", graph));
  }
}
