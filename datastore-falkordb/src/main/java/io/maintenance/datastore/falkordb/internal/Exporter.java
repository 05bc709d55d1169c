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
 * node id (never SKIP/LIMIT, which rescans), each range one bounded query. Only the current ranges
 * are held in memory.
 *
 * <p>Replies show floats to 15 digits only, so each range query also returns the exact bits
 * ({@link #bits}) of the properties named in it: the keys that held floats in earlier ranges
 * (a generic expression over every key of every entity costs the server about three times the plain
 * query). A range that holds a float under a key not yet named is asked again with that key.
 *
 * <p>The range queries run in two reader threads, each on its own connection, a few ranges ahead,
 * so that the server works on the next ranges (in parallel: read-only queries run in its thread
 * pool) while this thread decodes, checks and writes the current one.
 */
public final class Exporter {
  /** Ranges read ahead of the one being written, beyond those being read. */
  private static final int AHEAD = 2;

  /** Connections reading ranges in parallel (the server runs read-only queries in its thread pool). */
  private static final int READERS = 2;

  private static final String NODES = "MATCH (x) WHERE id(x) >= $lo AND id(x) < $hi RETURN x";
  private static final String EDGES = "MATCH (a)-[x]->() WHERE id(a) >= $lo AND id(a) < $hi RETURN x";

  private final FalkorConnection conn;
  private final java.util.function.Supplier<FalkorConnection> reader;
  private final String key;
  private final String graph;
  private final int batch;
  private final ProgressListener progress;
  private final Approximations approximations;
  private final java.nio.file.Path tempDir;
  private final Runnable active; // throws when the operation must stop (checked between ranges)
  private final ContentHash content = new ContentHash(null, null);
  // keys that held floats so far, in the order they were met; read by the reader thread
  private final java.util.concurrent.CopyOnWriteArrayList<String> floatKeys = new java.util.concurrent.CopyOnWriteArrayList<>();
  private java.util.concurrent.CompletableFuture<String> structure;
  private List<String> labels;
  private List<String> types;
  private List<String> keys;

  /**
   * @param key the key to read (the graph itself or a snapshot copy of it)
   * @param graph the graph's name, written into the artifact
   * @param reader opens the connections the reader threads query through (closed by the exporter)
   */
  public Exporter(FalkorConnection conn, java.util.function.Supplier<FalkorConnection> reader, String key, String graph, int batch,
      ProgressListener progress, java.nio.file.Path tempDir, Runnable active) {
    this.tempDir = tempDir;
    this.active = active;
    this.conn = conn;
    this.reader = reader;
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

  /**
   * The {@link GraphOps#structure} digest of the exported graph, computed on the reader's connection
   * while the edges are written out in id order.
   */
  public String structure() {
    try {
      return structure.join();
    } catch (java.util.concurrent.CompletionException e) {
      if (e.getCause() instanceof RuntimeException r) {
        throw r;
      }
      throw e;
    }
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
    long edgeTotal = conn.readOnly(key, "MATCH ()-[e]->() RETURN count(e)", Map.of()).singleLong();
    try (Artifact.Writer w = new Artifact.Writer(out); Ranges ranges = new Ranges(maxId)) {
      w.header(graph, serverVersion);
      w.schema(schema, new GraphNames(labels, types, keys));
      Range r;
      while ((r = ranges.next()) != null && !r.edges()) {
        active.run();
        List<List<Object>> rows = exact(r, NODES).rows();
        // One range query returns nodes in id order; sort anyway, the artifact promises ascending ids.
        if (!sorted(rows)) {
          rows = new ArrayList<>(rows);
          rows.sort((a, b) -> Long.compare(((Node) a.get(0)).id(), ((Node) b.get(0)).id()));
        }
        for (List<Object> row : rows) {
          Node n = (Node) row.get(0);
          List<String> nodeLabels = new ArrayList<>(n.labelIds().length);
          for (long id : n.labelIds()) {
            nodeLabels.add(name(labels, id, "label"));
          }
          List<String> ks = new ArrayList<>();
          List<Object> vs = new ArrayList<>();
          properties(n.keyIds(), n.values(), row, r.floatKeys(), ks, vs, "MATCH (x) WHERE id(x) = $id", n.id());
          for (int i = 0; i < ks.size(); i++) {
            approximations.check("node", n.id(), ks.get(i), vs.get(i));
          }
          content.node(n.id(), ks, vs);
          w.node(n.id(), nodeLabels, ks, vs);
          counts.addNode(nodeLabels);
        }
        progress.onProgress("graph " + graph + " nodes", counts.nodes(), total);
      }
      // Edges come by ranges of source node (an edge id filter scans them all) and are written in id
      // order, which lets a restore keep their ids.
      try (RecordSpool spool = new RecordSpool(tempDir)) {
        long read = 0;
        for (; r != null; r = ranges.next()) {
          active.run();
          QueryResult q = exact(r, EDGES);
          for (List<Object> row : q.rows()) {
            Edge e = (Edge) row.get(0);
            String type = name(types, e.typeId(), "relationship type");
            List<String> ks = new ArrayList<>();
            List<Object> vs = new ArrayList<>();
            properties(e.keyIds(), e.values(), row, r.floatKeys(), ks, vs,
                "MATCH (a)-[x]->() WHERE id(a) = $src AND id(x) = $id", e.id(), e.source());
            for (int i = 0; i < ks.size(); i++) {
              approximations.check("edge", e.id(), ks.get(i), vs.get(i));
            }
            spool.put(e.id(), w.edge(e.id(), e.source(), e.destination(), type, ks, vs), content.canonical((byte) 'E', e.id(), ks, vs));
            counts.addEdge(type);
          }
          read += q.rows().size();
          progress.onProgress("graph " + graph + " edges", read, edgeTotal);
        }
        GraphNames names = names();
        structure = new java.util.concurrent.CompletableFuture<>();
        Thread t = new Thread(() -> {
          try (FalkorConnection c = reader.get()) {
            structure.complete(GraphOps.structure(c, key, names));
          } catch (RuntimeException | Error e) {
            structure.completeExceptionally(e);
          }
        }, "falkordb-structure-" + graph);
        t.setDaemon(true);
        t.start();
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

  private static boolean sorted(List<List<Object>> rows) {
    for (int i = 1; i < rows.size(); i++) {
      if (((Node) rows.get(i - 1).get(0)).id() > ((Node) rows.get(i).get(0)).id()) {
        return false;
      }
    }
    return true;
  }

  /**
   * The range's reply, asked again (on this thread's connection) with more keys when it holds floats
   * under keys its query did not name.
   */
  private QueryResult exact(Range r, String base) {
    QueryResult q = r.result();
    List<String> missing = new ArrayList<>();
    for (List<Object> row : q.rows()) {
      long[] keyIds;
      Object[] values;
      if (row.get(0) instanceof Node n) {
        keyIds = n.keyIds();
        values = n.values();
      } else {
        Edge e = (Edge) row.get(0);
        keyIds = e.keyIds();
        values = e.values();
      }
      for (int i = 0; i < keyIds.length; i++) {
        if (needsBits(values[i])) {
          String k = name(keys, keyIds[i], "property key");
          if (!r.floatKeys().contains(k) && !missing.contains(k)) {
            missing.add(k);
          }
        }
      }
    }
    if (missing.isEmpty()) {
      return q;
    }
    for (String k : missing) {
      if (!floatKeys.contains(k)) {
        floatKeys.add(k);
      }
    }
    List<String> all = new ArrayList<>(r.floatKeys());
    all.addAll(missing);
    r.floatKeys(all);
    QueryResult again = conn.readOnly(key, query(base, all), Map.of("lo", r.lo(), "hi", r.hi()));
    r.result(again);
    return again;
  }

  /** Whether a value's reply text may not be exact: a finite, non-zero float, or a list holding floats. */
  private static boolean needsBits(Object v) {
    if (v instanceof Double d) {
      return d != 0.0 && !d.isNaN() && !d.isInfinite();
    }
    if (v instanceof List<?> list) {
      for (Object o : list) {
        if (o instanceof Double || o instanceof List<?>) {
          return true;
        }
      }
    }
    return false;
  }

  /** A range query returning, after the entity, the exact bits of each of {@code floatKeys}. */
  private static String query(String base, List<String> floatKeys) {
    StringBuilder q = new StringBuilder(base);
    for (String k : floatKeys) {
      StringBuilder access = new StringBuilder("x");
      if (Cypher.identifierProblem(k).isEmpty()) {
        access.append('.').append(Cypher.quote(k));
      } else {
        Cypher.literal(access.append('['), k).append(']');
      }
      q.append(", ").append(bits(access.toString()));
    }
    return q.toString();
  }

  /**
   * The exact bits of {@code x} if it is a float ({@code [[m, e]]}), or of each float in it if it is a
   * list ({@code [[[[m, e]], [], ['deep'], ...]]}: per element the bits, nothing, or 'deep' for a
   * nested list), or {@code []}. Deeper floats are fetched one property at a time: the server
   * compiles each query text once per graph, and that cost grows steeply with the nesting (about
   * 0.1 s at depth 1, 2.5 s at depth 3). Filtered comprehensions, unlike CASE, skip what does not match, which
   * makes this about half the server's cost of the guarded {@link Cypher#exact} (measured on edges).
   */
  static String bits(String x) {
    String element = "[f IN [z] WHERE typeof(f) = 'Float' | " + Cypher.exactFloat("f", "") + "] + [y IN [z] WHERE typeof(y) = 'List' | 'deep']";
    return "[f IN [" + x + "] WHERE typeof(f) = 'Float' | " + Cypher.exactFloat("f", "") + "] + [l IN [" + x
        + "] WHERE typeof(l) = 'List' | [z IN l | " + element + "]]";
  }

  /** What {@link #bits} returned for {@code value}, in the form {@link Cypher#exact} gives it. */
  private static Object exactForm(Object value, Object bits) {
    Object e = ((List<?>) bits).get(0);
    if (value instanceof List<?>) {
      List<Object> out = new ArrayList<>();
      for (Object element : (List<?>) e) {
        List<?> one = (List<?>) element;
        out.add(one.isEmpty() ? null : one.get(0));
      }
      return out;
    }
    return e;
  }

  /**
   * The width of the next range of source nodes, after one of {@code width} gave {@code rows} edges:
   * halved or doubled so that one reply stays near the batch size whatever the out-degree.
   */
  static long edgeWidth(long width, long rows, int batch) {
    if (rows > 2L * batch && width > 1) {
      return Math.max(1, width / 2);
    }
    return rows < batch / 2 && width < (1L << 30) ? width * 2 : width;
  }

  /** One range of node ids, its reply and the float keys its query named. */
  private static final class Range {
    private final boolean edges;
    private final long lo;
    private final long hi;
    private QueryResult result;
    private List<String> floatKeys;

    Range(boolean edges, long lo, long hi, QueryResult result, List<String> floatKeys) {
      this.edges = edges;
      this.lo = lo;
      this.hi = hi;
      this.result = result;
      this.floatKeys = floatKeys;
    }

    boolean edges() {
      return edges;
    }

    long lo() {
      return lo;
    }

    long hi() {
      return hi;
    }

    QueryResult result() {
      return result;
    }

    void result(QueryResult r) {
      result = r;
    }

    List<String> floatKeys() {
      return floatKeys;
    }

    void floatKeys(List<String> k) {
      floatKeys = k;
    }
  }

  /**
   * The reader threads: each on its own connection takes the next range (node ranges, then edge
   * ranges whose width adapts to the out-degree so that one reply stays near the batch size) and
   * queries it; read-only queries run in parallel in the server's thread pool. At most
   * {@link #AHEAD} ranges wait beyond the ones being read; {@link #next} hands them out in order and
   * rethrows a reader's failure.
   */
  private final class Ranges implements AutoCloseable {
    private final Object lock = new Object();
    private final long maxId;
    private final java.util.Map<Long, Object> done = new java.util.HashMap<>();
    private final List<Thread> threads = new ArrayList<>();
    private long handedOut; // ranges given to readers
    private long consumed; // ranges given to the consumer
    private long end = -1; // number of ranges, once known
    private boolean edges;
    private long lo;
    private long width = batch;
    private boolean closed;

    Ranges(long maxId) {
      this.maxId = maxId;
      for (int i = 0; i < READERS; i++) {
        Thread t = new Thread(this::read, "falkordb-export-" + graph + "-" + i);
        t.setDaemon(true);
        threads.add(t);
        t.start();
      }
    }

    private void read() {
      try (FalkorConnection c = reader.get()) {
        while (true) {
          long seq;
          boolean e;
          long from;
          long to;
          synchronized (lock) {
            while (!closed && end < 0 && handedOut - consumed >= AHEAD + READERS) {
              lock.wait();
            }
            if (closed || end >= 0) {
              return;
            }
            if (!edges && lo > maxId) {
              edges = true;
              lo = 0;
            }
            if (edges && lo > maxId) {
              end = handedOut;
              lock.notifyAll();
              return;
            }
            seq = handedOut++;
            e = edges;
            from = lo;
            to = lo + (e ? width : batch);
            lo = to;
          }
          Range r = range(c, e, e ? EDGES : NODES, from, to);
          synchronized (lock) {
            done.put(seq, r);
            if (e) {
              width = edgeWidth(width, r.result().rows().size(), batch);
            }
            lock.notifyAll();
          }
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } catch (RuntimeException | Error e) {
        synchronized (lock) {
          done.put(-1L, e);
          lock.notifyAll();
        }
      }
    }

    private Range range(FalkorConnection c, boolean edges, String base, long lo, long hi) {
      List<String> fk = List.copyOf(floatKeys);
      return new Range(edges, lo, hi, c.readOnly(key, query(base, fk), Map.of("lo", lo, "hi", hi)), fk);
    }

    /** The next range, or null after the last. */
    Range next() {
      synchronized (lock) {
        while (!done.containsKey(-1L) && !done.containsKey(consumed) && end != consumed) {
          try {
            lock.wait();
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while exporting graph '" + graph + "'", e);
          }
        }
        Object failure = done.get(-1L);
        if (failure instanceof RuntimeException e) {
          throw e;
        }
        if (failure instanceof Error e) {
          throw e;
        }
        if (end == consumed) {
          return null;
        }
        Range r = (Range) done.remove(consumed++);
        lock.notifyAll();
        return r;
      }
    }

    @Override
    public void close() {
      synchronized (lock) {
        closed = true;
        done.clear();
        lock.notifyAll();
      }
      for (Thread t : threads) {
        try {
          t.join();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
    }
  }

  /** Resolves key ids and replaces every float with its exact value ({@code row} holds one column per float key after the entity). */
  private void properties(long[] keyIds, Object[] values, List<Object> row, List<String> floatKeys, List<String> ks, List<Object> vs,
      String match, long... ids) {
    for (int i = 0; i < keyIds.length; i++) {
      String k = name(keys, keyIds[i], "property key");
      Object v = values[i];
      if (needsBits(v)) {
        Object e = exactForm(v, row.get(1 + floatKeys.indexOf(k)));
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
