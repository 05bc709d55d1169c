package io.maintenance.datastore.falkordb.internal;

import io.maintenance.api.ErrorCode;
import io.maintenance.api.MaintenanceException;
import io.maintenance.spi.ProgressListener;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Consumes an artifact: always validates and counts it; when given a connection, also rebuilds the
 * graph under {@code key} with the same node ids, edge ids, property order and schema name order.
 *
 * <p>FalkorDB gives a new entity the next id of a counter (in a graph that never deleted anything),
 * so the restore creates entities in id order and fills every gap with a placeholder that it deletes
 * at the end:
 * <ul>
 *   <li>the names (labels, keys) are created first, in id order, on one scratch node; relationship
 *       types through an index on each (created and dropped), which needs no edge;
 *   <li>nodes are created with their labels in id order, one {@code CREATE} of a pattern list per
 *       batch (the server's cost of adding a label later grows with the label); their properties
 *       are then set by id in batches of one shape (all rows of plain values as a map; rows holding
 *       values that need a constructor by key sequence), each {@code SET} in the original key order;
 *   <li>edges are created in id order with their type and plain properties (an edge's type and
 *       endpoints cannot change later), one query per run of one type whose key orders agree, the
 *       properties in the {@code CREATE} pattern's map; values needing a constructor are set
 *       afterwards like the nodes', the edge found through its source node;
 *   <li>every query returns the ids it created, which must be the expected ones.
 * </ul>
 * Values that need a server-side constructor (points, vectors, temporals, non-finite floats) travel
 * as tagged maps in the parameter header (see {@link Cypher#literal}).
 */
public final class Loader implements Artifact.Visitor, AutoCloseable {
  private static final int MAX_GROUPS = 64;
  private static final int MAX_BATCH_CHARS = 8 << 20;
  private static final int MAX_RUN_KEYS = 64;

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
  private final DumpContent.Visitor content; // null, or where entities go to be hashed
  private final Runnable active; // throws when the operation must stop (checked between batches)
  // One batch in flight: the server runs it while this thread parses and builds the next (in order).
  private final java.util.concurrent.ExecutorService sender;
  private java.util.concurrent.Future<?> inFlight;
  private GraphSchema schema = GraphSchema.EMPTY;
  private GraphNames names = GraphNames.EMPTY;

  // nodes: created with their labels in id order (labels cannot be added cheaply later: the server's
  // cost of SET n:Label grows with the label), then their properties set per row shape
  private long nextNodeId;
  private long firstNodeId = -1;
  private final LongList nodeGaps = new LongList();
  private final StringBuilder creates = new StringBuilder();
  private int createCount;
  private long createFirstId;
  private final Map<GroupKey, Group> groups = new LinkedHashMap<>();
  private long pendingChars;

  // edges: created in id order with their type and plain properties, one query per run of a type; the
  // properties go in the CREATE pattern's map by position (missing ones null, which the server skips)
  private long nextEdgeId;
  private final LongList edgeGaps = new LongList();
  private String runType;
  private Group run;
  private long runFirstId;
  private final List<String> runKeys = new ArrayList<>();
  private final Map<String, Integer> runKeyIndex = new HashMap<>();

  /** Rows of one shape: plain properties in a map, or (with values needing a constructor) their key sequence. */
  private record GroupKey(boolean edge, List<String> keys, List<String> kinds) {}

  private static final class Group {
    final StringBuilder rows = new StringBuilder();
    int count;
  }

  /**
   * @param conn the connection to write through, or null to only validate
   * @param expectedNodes for progress reports, or -1
   * @param content where the entities go to be hashed for a diff, or null
   * @param active called between batches; throws when the operation must stop
   */
  public Loader(FalkorConnection conn, String key, String graph, int batchSize, IdMap ids, ProgressListener progress,
      long expectedNodes, long expectedEdges, DumpContent.Visitor content, Runnable active) {
    this.content = content;
    this.active = active;
    this.conn = conn;
    this.key = key;
    this.graph = graph;
    this.batchSize = batchSize;
    this.ids = ids;
    this.progress = progress;
    this.expectedNodes = expectedNodes;
    this.expectedEdges = expectedEdges;
    this.approximations = new Approximations(graph);
    this.sender = conn == null ? null : java.util.concurrent.Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "falkordb-restore-" + graph);
      t.setDaemon(true);
      return t;
    });
  }

  /**
   * Sends a batch after the one in flight has finished and passed its check; {@code check} runs on the
   * reply when it arrives, and its failure surfaces at the next send (or at {@link #end}).
   */
  private void send(String query, java.util.function.Consumer<QueryResult> check) {
    await();
    inFlight = sender.submit(() -> check.accept(conn.query(key, query, Map.of())));
  }

  /** Waits for the batch in flight and rethrows its failure. */
  private void await() {
    java.util.concurrent.Future<?> f = inFlight;
    if (f == null) {
      return;
    }
    inFlight = null;
    try {
      f.get();
    } catch (java.util.concurrent.ExecutionException e) {
      throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
    } catch (InterruptedException e) {
      f.cancel(true);
      Thread.currentThread().interrupt();
      throw new MaintenanceException(ErrorCode.DATASTORE_FAILURE, "restoring graph '" + graph + "': interrupted", Map.of("graph", graph));
    }
  }

  /**
   * Waits for the batch in flight (so that nothing writes to the staging graph once the caller removes
   * it after a failure; its own failure is then not the one to report) and stops the sender thread.
   */
  @Override
  public void close() {
    if (sender == null) {
      return;
    }
    try {
      if (inFlight != null) {
        inFlight.get();
      }
    } catch (java.util.concurrent.ExecutionException | java.util.concurrent.CancellationException e) {
      // a later failure than the one being reported
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      inFlight = null;
      sender.shutdown();
    }
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

  public GraphNames names() {
    return names;
  }

  @Override
  public void schema(GraphSchema s, GraphNames n) {
    this.schema = s;
    this.names = n;
    if (conn == null) {
      return;
    }
    // The key must exist even when the graph has no nodes.
    conn.query(key, "RETURN 1", Map.of());
    createNames(n);
  }

  /**
   * Creates the names in their id order: labels and keys on one scratch node (deleted at once; its
   * id is the first the nodes reuse), relationship types through an index each (types need no edge).
   */
  private void createNames(GraphNames n) {
    if (!n.types().isEmpty() && !n.keys().isEmpty()) {
      String k = Cypher.quote(n.keys().get(0));
      for (String t : n.types()) {
        String pattern = "()-[x:" + Cypher.quote(t) + "]-()";
        conn.query(key, "CREATE INDEX FOR " + pattern + " ON (x." + k + ")", Map.of());
        conn.query(key, "DROP INDEX FOR " + pattern + " ON (x." + k + ")", Map.of());
      }
    }
    if (!n.labels().isEmpty() || !n.keys().isEmpty()) {
      StringBuilder q = new StringBuilder("CREATE (x").append(Cypher.labels(n.labels())).append(')');
      for (int i = 0; i < n.keys().size(); i++) {
        q.append(i == 0 ? " SET " : ", ").append("x.").append(Cypher.quote(n.keys().get(i))).append(" = 0");
      }
      conn.query(key, q.append(" DELETE x").toString(), Map.of());
    }
  }

  @Override
  public void node(long id, List<String> labels, Map<String, Object> properties) {
    counts.addNode(labels);
    approximations.check("node", id, properties);
    if (content != null) {
      content.node(id, List.copyOf(properties.keySet()), new ArrayList<>(properties.values()));
    }
    ids.put(id, id);
    if (conn == null) {
      return;
    }
    if (firstNodeId < 0) {
      firstNodeId = id;
    }
    while (nextNodeId < id) {
      nodeGaps.add(nextNodeId);
      create(nextNodeId++, List.of());
    }
    create(nextNodeId++, labels);
    if (!properties.isEmpty()) {
      add(false, properties, sb -> sb.append(id));
    }
  }

  /** Queues a node for creation; a batch is one CREATE of a pattern list, which the server creates in order. */
  private void create(long id, List<String> labels) {
    if (createCount == 0) {
      createFirstId = id;
      creates.append("CREATE ");
    } else {
      creates.append(", ");
    }
    creates.append("(n").append(createCount).append(Cypher.labels(labels)).append(')');
    createCount++;
    if (createCount >= batchSize) {
      flushCreates();
    }
  }

  private void flushCreates() {
    if (createCount == 0) {
      return;
    }
    active.run();
    long first = createFirstId;
    long last = createFirstId + createCount - 1;
    send(creates.append(" RETURN id(n0) AS first, id(n").append(createCount - 1).append(") AS last").toString(), r -> {
      List<Object> row = r.rows().get(0);
      if ((Long) row.get(0) != first || (Long) row.get(1) != last) {
        throw idsDiffer("nodes", first + ".." + last, row.get(0) + ".." + row.get(1));
      }
    });
    creates.setLength(0);
    createCount = 0;
    progress.onProgress("graph " + graph + " restore nodes", last + 1, expectedNodes);
  }

  @Override
  public void nodesDone() {
    if (conn == null) {
      return;
    }
    flushCreates();
    flushGroups();
  }

  @Override
  public void edge(long id, long source, long target, String type, Map<String, Object> properties) {
    counts.addEdge(type);
    approximations.check("edge", id, properties);
    if (content != null) {
      content.edge(id, List.copyOf(properties.keySet()), new ArrayList<>(properties.values()));
    }
    if (!ids.contains(source) || !ids.contains(target)) {
      throw new ArtifactFormatException("an edge of type '" + type + "' references node " + (ids.contains(source) ? target : source)
          + ", which the artifact does not hold");
    }
    if (conn == null) {
      return;
    }
    if (id > nextEdgeId) {
      flushRun();
      // Placeholders (self-loops on the first node, with this edge's type) keep the ids of deleted edges.
      createEdgePlaceholders(nextEdgeId, id - 1, type);
    }
    // Plain properties are set as the edge is created; values needing a constructor afterwards, by shape.
    boolean special = !groupKey(true, properties).keys().isEmpty();
    Map<String, Object> plain = special ? Map.of() : properties;
    if (run != null && (!type.equals(runType) || run.count >= batchSize || run.rows.length() >= MAX_BATCH_CHARS
        || !fitsRunKeys(plain.keySet()))) {
      flushRun();
    }
    if (run == null) {
      run = new Group();
      runType = type;
      runFirstId = id;
      fitsRunKeys(plain.keySet());
    }
    appendEdgeRow(source, target, plain);
    if (special) {
      add(true, properties, sb -> sb.append(source).append(',').append(id));
    }
    nextEdgeId = id + 1;
  }

  /**
   * Whether an edge with these keys (in this order) can join the current run, whose pattern map holds
   * the run's keys in order; adds its new keys at the end if so. It can if the keys it shares with the
   * run come in the run's order and its new ones come after them: the server skips the null values of
   * the keys an edge lacks, so every edge keeps its own key order.
   */
  private boolean fitsRunKeys(java.util.Collection<String> keys) {
    int last = -1;
    boolean added = false;
    for (String k : keys) {
      Integer i = runKeyIndex.get(k);
      if (i != null) {
        if (added || i <= last) {
          return false;
        }
        last = i;
      } else {
        added = true;
      }
    }
    if (added && !runKeys.isEmpty() && runKeys.size() + keys.size() > MAX_RUN_KEYS) {
      return false;
    }
    for (String k : keys) {
      if (runKeyIndex.putIfAbsent(k, runKeys.size()) == null) {
        runKeys.add(k);
      }
    }
    return true;
  }

  /** A run's row: [source, target, the value of each of the run's keys or null]; rows grow as the run's keys do. */
  private void appendEdgeRow(long source, long target, Map<String, Object> properties) {
    StringBuilder sb = run.rows;
    if (run.count > 0) {
      sb.append(',');
    }
    sb.append('[').append(source).append(',').append(target);
    int at = 0;
    for (Map.Entry<String, Object> e : properties.entrySet()) {
      int i = runKeyIndex.get(e.getKey());
      for (; at < i; at++) {
        sb.append(",null");
      }
      Cypher.literal(sb.append(','), e.getValue());
      at++;
    }
    sb.append(']');
    run.count++;
  }

  private void createEdgePlaceholders(long lo, long hi, String type) {
    for (long start = lo; start <= hi; start += 10L * batchSize) {
      long from = start;
      long to = Math.min(hi, from + 10L * batchSize - 1);
      send("MATCH (n) WHERE id(n) = " + firstNodeId + " UNWIND range(" + from + ", " + to
          + ") AS i CREATE (n)-[e:" + Cypher.quote(type) + "]->(n) RETURN min(id(e)), max(id(e)), count(e)", r -> {
            List<Object> row = r.rows().get(0);
            if ((Long) row.get(0) != from || (Long) row.get(1) != to || (Long) row.get(2) != to - from + 1) {
              throw idsDiffer("edges", from + ".." + to, row.get(0) + ".." + row.get(1));
            }
          });
      for (long g = from; g <= to; g++) {
        edgeGaps.add(g);
      }
    }
    nextEdgeId = hi + 1;
  }

  @Override
  public void end(long nodes, long edges) {
    if (conn == null) {
      return;
    }
    nodesDone();
    flushRun();
    flushGroups();
    deletePlaceholders();
    await();
  }

  private void deletePlaceholders() {
    for (long[] chunk : edgeGaps.chunks(batchSize)) {
      send("MATCH (n)-[e]->(n) WHERE id(n) = " + firstNodeId + " AND id(e) IN " + Arrays.toString(chunk) + " DELETE e RETURN count(e)",
          r -> {
            if (r.singleLong() != chunk.length) {
              throw mismatch("edge placeholders deleted", chunk.length, r.singleLong());
            }
          });
    }
    for (long[] chunk : nodeGaps.chunks(batchSize)) {
      send("UNWIND " + Arrays.toString(chunk) + " AS i MATCH (n) WHERE id(n) = i DELETE n RETURN count(n)", r -> {
        if (r.singleLong() != chunk.length) {
          throw mismatch("node placeholders deleted", chunk.length, r.singleLong());
        }
      });
    }
  }

  /** Rows group by shape: all plain rows together; rows holding values that need a constructor by key sequence. */
  private static GroupKey groupKey(boolean edge, Map<String, Object> properties) {
    boolean special = false;
    for (Object v : properties.values()) {
      special |= Values.isSpecial(v);
    }
    if (!special) {
      return new GroupKey(edge, List.of(), List.of());
    }
    List<String> kinds = new ArrayList<>(properties.size());
    properties.values().forEach(v -> kinds.add(Values.isSpecial(v) ? Cypher.kind(v) : ""));
    return new GroupKey(edge, List.copyOf(properties.keySet()), kinds);
  }

  private void add(boolean edge, Map<String, Object> properties, java.util.function.Consumer<StringBuilder> head) {
    GroupKey gk = groupKey(edge, properties);
    Group g = groups.get(gk);
    if (g == null) {
      if (groups.size() >= MAX_GROUPS) {
        flushGroups();
      }
      g = new Group();
      groups.put(gk, g);
    }
    int before = g.rows.length();
    appendRow(g, gk, properties, head);
    pendingChars += g.rows.length() - before;
    if (g.count >= batchSize || g.rows.length() >= MAX_BATCH_CHARS || pendingChars >= 4L * MAX_BATCH_CHARS) {
      if (pendingChars >= 4L * MAX_BATCH_CHARS) {
        flushGroups();
      } else {
        // The entities must exist before their properties are set.
        flushCreates();
        flushRun();
        pendingChars -= g.rows.length();
        setUp(gk, g);
        groups.remove(gk);
      }
    }
  }

  /** A row: [head..., plain properties as a map, or the payload of every property in key order]. */
  private static void appendRow(Group g, GroupKey gk, Map<String, Object> properties, java.util.function.Consumer<StringBuilder> head) {
    StringBuilder sb = g.rows;
    if (g.count > 0) {
      sb.append(',');
    }
    sb.append('[');
    head.accept(sb);
    sb.append(',');
    if (gk.keys().isEmpty()) {
      Cypher.literal(sb, properties);
    } else {
      List<Object> values = new ArrayList<>(properties.size());
      properties.values().forEach(v -> values.add(Values.isSpecial(v) ? Cypher.payload(v) : v));
      Cypher.literal(sb, values);
    }
    sb.append(']');
    g.count++;
  }

  private void flushGroups() {
    flushCreates();
    flushRun();
    for (Iterator<Map.Entry<GroupKey, Group>> it = groups.entrySet().iterator(); it.hasNext(); ) {
      Map.Entry<GroupKey, Group> e = it.next();
      setUp(e.getKey(), e.getValue());
      it.remove();
    }
    pendingChars = 0;
  }

  /** Sets the properties (in key order) of existing nodes or edges, found by id (edges through their source). */
  private void setUp(GroupKey gk, Group g) {
    if (g.count == 0) {
      return;
    }
    StringBuilder q = new StringBuilder(g.rows.length() + 512);
    // Projecting the ids first lets the planner seek by id instead of scanning.
    q.append("CYPHER rows=[").append(g.rows).append("] UNWIND $rows AS r ");
    if (gk.edge()) {
      q.append("WITH r, r[0] AS s, r[1] AS i MATCH (a)-[x]->() WHERE id(a) = s AND id(x) = i SET ");
      setProperties(q, "x", "r[2]", gk);
    } else {
      q.append("WITH r, r[0] AS i MATCH (x) WHERE id(x) = i SET ");
      setProperties(q, "x", "r[1]", gk);
    }
    q.append(" RETURN count(x)");
    int sent = g.count;
    send(q.toString(), r -> {
      if (r.singleLong() != sent) {
        throw mismatch(gk.edge() ? "edges set up" : "nodes set up", sent, r.singleLong());
      }
    });
  }

  /** Appends the SET items of one row shape, in key order. */
  private static void setProperties(StringBuilder q, String var, String values, GroupKey gk) {
    if (gk.keys().isEmpty()) {
      q.append(var).append(" += ").append(values);
      return;
    }
    for (int i = 0; i < gk.keys().size(); i++) {
      String v = values + "[" + i + "]";
      q.append(i == 0 ? "" : ", ").append(var).append('.').append(Cypher.quote(gk.keys().get(i))).append(" = ")
          .append(gk.kinds().get(i).isEmpty() ? v : Cypher.construct(gk.kinds().get(i), v));
    }
  }

  /** Creates the current run of edges (consecutive ids, one type), checking their ids. */
  private void flushRun() {
    if (run == null) {
      return;
    }
    active.run();
    StringBuilder q = new StringBuilder(run.rows.length() + 512);
    // Projecting the ids first lets the planner seek nodes by id instead of scanning.
    // The properties in the pattern's map cost the server less than a SET afterwards (1.8-1.9 s against
    // 2.0-2.3 s for 400k edges); a row shorter than the run's keys gives null, which sets nothing.
    q.append("CYPHER rows=[").append(run.rows).append("] UNWIND $rows AS r WITH r, r[0] AS s, r[1] AS d ")
        .append("MATCH (a) WHERE id(a) = s MATCH (b) WHERE id(b) = d CREATE (a)-[e:").append(Cypher.quote(runType));
    for (int i = 0; i < runKeys.size(); i++) {
      q.append(i == 0 ? " {" : ", ").append(Cypher.quote(runKeys.get(i))).append(": r[").append(i + 2).append(']');
    }
    q.append(runKeys.isEmpty() ? "" : "}").append("]->(b) RETURN min(id(e)), max(id(e)), count(e)");
    long first = runFirstId;
    long count = run.count;
    long last = first + count - 1;
    send(q.toString(), r -> {
      List<Object> row = r.rows().get(0);
      if ((Long) row.get(2) != count) {
        throw mismatch("edges", count, (Long) row.get(2));
      }
      if ((Long) row.get(0) != first || (Long) row.get(1) != last) {
        throw idsDiffer("edges", first + ".." + last, row.get(0) + ".." + row.get(1));
      }
    });
    run = null;
    runKeys.clear();
    runKeyIndex.clear();
    progress.onProgress("graph " + graph + " restore edges", nextEdgeId, expectedEdges);
  }

  private MaintenanceException mismatch(String what, long sent, long created) {
    return new MaintenanceException(ErrorCode.DATASTORE_FAILURE,
        "restoring graph '" + graph + "': sent " + sent + " " + what + " but the server did " + created, Map.of("graph", graph));
  }

  private MaintenanceException idsDiffer(String what, String expected, String got) {
    return new MaintenanceException(ErrorCode.DATASTORE_FAILURE, "restoring graph '" + graph + "': the server gave the " + what
        + " ids " + got + " instead of " + expected, Map.of("graph", graph));
  }

  /** A growable list of longs, for the ids of placeholders. */
  static final class LongList {
    private long[] values = new long[16];
    private int size;

    void add(long v) {
      if (size == values.length) {
        values = Arrays.copyOf(values, size * 2);
      }
      values[size++] = v;
    }

    List<long[]> chunks(int n) {
      List<long[]> out = new ArrayList<>();
      for (int i = 0; i < size; i += n) {
        out.add(Arrays.copyOfRange(values, i, Math.min(size, i + n)));
      }
      return out;
    }
  }
}
