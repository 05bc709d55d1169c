package io.maintenance.datastore.falkordb.internal;

import io.maintenance.api.ErrorCode;
import io.maintenance.api.MaintenanceException;
import io.maintenance.datastore.falkordb.internal.Values.Point;
import io.maintenance.datastore.falkordb.internal.Values.VectorF32;
import io.maintenance.spi.BackupContext;
import io.maintenance.spi.ProgressListener;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Writes the same artifact as {@link Exporter} from the {@code DUMP} of a private snapshot
 * ({@code GRAPH.COPY}) instead of range queries returning whole entities: every node's and edge's id
 * and properties come exactly from the payload ({@link DumpContent}: every float's bits, in stored
 * order, no float expression on the server). The payload keeps labels, types and endpoints in
 * GraphBLAS matrices we do not read, so reader connections ask the snapshot for them with light
 * queries (ids and names only) while this thread decodes the payload: node labels by ranges of node
 * id, merged with the payload's nodes (both ascend), and edge endpoints and types by ranges of source
 * node, spooled by edge id into two memory-mapped {@link IdMap}s (the heap stays flat) and read in the
 * payload's edge order (ascending ids). A third reader computes the structure digest meanwhile.
 * Every node and edge of the payload must be found by the queries and the other way round, and the
 * counts must be those read in the DUMP's transaction.
 *
 * <p>Only for a private snapshot: FalkorDB 4.16's {@code DUMP} empties each matrix while it writes it,
 * so the queries start once the {@code DUMP} returned and nobody else reads the snapshot.
 */
final class DumpExporter {
  private static final String LABELS = "MATCH (x) WHERE id(x) >= $lo AND id(x) < $hi RETURN id(x), labels(x)";
  private static final String ENDPOINTS =
      "MATCH (a)-[x]->(b) WHERE id(a) >= $lo AND id(a) < $hi RETURN id(x), type(x), id(a), id(b)";
  /** Label ranges decoded ahead of the payload's nodes. */
  private static final int AHEAD = 4;
  private static final int TYPE_SHIFT = 40; // node ids stay below 2^40 (Artifact.MAX_NODE_ID)
  private static final int PROGRESS_EVERY = 10_000;

  private final Supplier<FalkorConnection> reader;
  private final String key;
  private final String graph;
  private final int batch;
  private final ProgressListener progress;
  private final Path tempDir;
  private final Runnable active;
  private final Physical.Snapshot snapshot;
  private final Approximations approximations;
  private final ContentHash content = new ContentHash(null, null);
  private final BlockingQueue<Object> labelRanges = new ArrayBlockingQueue<>(AHEAD);
  private volatile boolean closed;
  private volatile String structure;
  private GraphCounts counts;

  /**
   * @param reader opens the connections of the two readers (closed by the exporter)
   * @param key the snapshot the payload was dumped from
   * @param snapshot what was read in the DUMP's transaction: counts, names, schema
   */
  DumpExporter(Supplier<FalkorConnection> reader, String key, String graph, Physical.Snapshot snapshot, int batch,
      ProgressListener progress, Path tempDir, Runnable active) {
    this.reader = reader;
    this.key = key;
    this.graph = graph;
    this.snapshot = snapshot;
    this.batch = batch;
    this.progress = progress;
    this.tempDir = tempDir;
    this.active = active;
    this.approximations = new Approximations(graph);
  }

  /**
   * Exports {@code graph} from the DUMP of {@code snapshot} (its private copy) into its artifact, or
   * returns null, having written nothing, when the server's graph encoding is not {@link DumpContent}'s.
   */
  static DumpExporter export(Server server, FalkorConnection c, BackupContext ctx, String graph, String version, String snapshot)
      throws IOException {
    Physical.Dumped d = Physical.dump(c, snapshot, server.reserved("dump", ctx.backupId(), graph), server.settings().socketTimeout());
    try (InputStream payload = d.payload()) {
      ctx.ensureActive();
      BufferedInputStream in = new BufferedInputStream(payload, 1 << 20);
      in.mark(1 << 20); // the first chunk: at most 256 kB of graph data
      int encoding = new Dump.Reader(in).header().encodingVersion();
      in.reset();
      if (encoding != DumpContent.ENCODING) {
        return null;
      }
      DumpExporter e = new DumpExporter(server::connect, snapshot, graph, d.snapshot(), server.settings().readBatchSize(), ctx.progress(),
          server.settings().tempDir(), ctx::ensureActive);
      try (OutputStream out = ctx.artifacts().create(Artifact.nameFor(graph), Artifact.CONTENT_TYPE)) {
        e.counts = e.export(in, out, version);
      } catch (ArtifactFormatException x) {
        throw new MaintenanceException(ErrorCode.DATASTORE_FAILURE, "graph '" + graph + "': the DUMP of its snapshot cannot be read: "
            + x.getMessage(), Map.of("graph", graph), x);
      }
      return e;
    }
  }

  GraphCounts counts() {
    return counts;
  }

  GraphSchema schema() {
    return snapshot.schema();
  }

  GraphNames names() {
    return snapshot.names();
  }

  ContentHash content() {
    return content;
  }

  String structure() {
    return structure;
  }

  Approximations approximations() {
    return approximations;
  }

  /** Writes the artifact from {@code payload} (the snapshot's DUMP) and returns what it holds. */
  private GraphCounts export(InputStream payload, OutputStream out, String serverVersion) throws IOException {
    GraphNames names = snapshot.names();
    long maxId = snapshot.counts().nodes() == 0 ? -1 : maxNodeId();
    Map<String, Long> typeIds = new HashMap<>();
    for (int i = 0; i < names.types().size(); i++) {
      typeIds.put(names.types().get(i), (long) i);
    }
    GraphCounts counts = new GraphCounts();
    try (IdMap sources = new IdMap(tempDir); IdMap targets = new IdMap(tempDir);
        Artifact.Writer w = new Artifact.Writer(out)) {
      CompletableFuture<Long> labels = start("labels", c -> readLabels(c, maxId));
      CompletableFuture<Long> edges = start("endpoints", c -> readEndpoints(c, maxId, typeIds, sources, targets));
      // On the snapshot too, at once: the server's query threads work while this thread decodes and writes.
      CompletableFuture<String> digest = start("structure", c -> GraphOps.structure(c, key, names));
      try {
        w.header(graph, serverVersion);
        w.schema(snapshot.schema(), names);
        Merge merge = new Merge(w, counts, labels, edges, sources, targets);
        try {
          DumpContent.read(payload, merge);
        } catch (UncheckedIOException e) {
          throw e.getCause();
        }
        merge.nodesDone(); // also for a graph without edges
        progress.onProgress("graph " + graph + " edges", counts.edges(), snapshot.counts().edges());
        long labelled = join(labels);
        long queried = join(edges);
        if (labelled != counts.nodes() || queried != counts.edges() || !counts.equals(snapshot.counts())) {
          throw changed("the snapshot's queries found " + labelled + " nodes and " + queried + " edges, its DUMP " + counts.nodes()
              + " and " + counts.edges() + ", its counts " + snapshot.counts().nodes() + " and " + snapshot.counts().edges());
        }
        w.end(counts.nodes(), counts.edges());
        structure = join(digest);
      } finally {
        closed = true;
        labelRanges.clear();
        await(labels);
        await(edges);
        await(digest);
      }
    }
    return counts;
  }

  private long maxNodeId() {
    try (FalkorConnection c = reader.get()) {
      Object max = c.readOnly(key, "MATCH (n) RETURN max(id(n))", Map.of()).single();
      return max == null ? -1 : (Long) max;
    }
  }

  /** Node ranges with their labels, in order, into {@link #labelRanges}; returns how many nodes. */
  private long readLabels(FalkorConnection c, long maxId) throws InterruptedException {
    long total = 0;
    for (long lo = 0; lo <= maxId && !closed; lo += batch) {
      List<List<Object>> rows = c.readOnly(key, LABELS, Map.of("lo", lo, "hi", lo + batch)).rows();
      if (!rows.isEmpty()) {
        long[] ids = new long[rows.size()];
        Integer[] order = new Integer[rows.size()];
        for (int i = 0; i < ids.length; i++) {
          ids[i] = (Long) rows.get(i).get(0);
          order[i] = i;
        }
        java.util.Arrays.sort(order, (a, b) -> Long.compare(ids[a], ids[b]));
        LabelRange r = new LabelRange(new long[ids.length], new List<?>[ids.length]);
        for (int i = 0; i < ids.length; i++) {
          r.ids[i] = ids[order[i]];
          r.labels[i] = (List<?>) rows.get(order[i]).get(1);
        }
        total += ids.length;
        put(r);
      }
    }
    put(END);
    return total;
  }

  private void put(Object range) throws InterruptedException {
    while (!closed && !labelRanges.offer(range, 100, TimeUnit.MILLISECONDS)) {
      // the writer is behind; wait
    }
  }

  /** Every edge's source, target and type by edge id into the maps; returns how many edges. */
  private long readEndpoints(FalkorConnection c, long maxId, Map<String, Long> typeIds, IdMap sources, IdMap targets) {
    long total = 0;
    long width = batch;
    for (long lo = 0; lo <= maxId && !closed; ) {
      List<List<Object>> rows = c.readOnly(key, ENDPOINTS, Map.of("lo", lo, "hi", lo + width)).rows();
      for (List<Object> row : rows) {
        long id = (Long) row.get(0);
        Long type = typeIds.get((String) row.get(1));
        long target = (Long) row.get(3);
        if (type == null || target > Artifact.MAX_NODE_ID || type >= 1L << (63 - TYPE_SHIFT)) {
          throw changed("edge " + id + " has type '" + row.get(1) + "' and target " + target + ", which the snapshot's names do not hold");
        }
        sources.put(id, (Long) row.get(2));
        targets.put(id, type << TYPE_SHIFT | target);
      }
      total += rows.size();
      lo += width;
      width = Exporter.edgeWidth(width, rows.size(), batch);
    }
    return total;
  }

  /** The payload's entities merged with the labels and endpoints the readers found, written in order. */
  private final class Merge implements DumpContent.Visitor {
    private final Artifact.Writer w;
    private final GraphCounts counts;
    private final CompletableFuture<Long> labels;
    private final CompletableFuture<Long> edges;
    private final IdMap sources;
    private final IdMap targets;
    private final List<String> typeNames = snapshot.names().types();
    private final Map<Object, String> labelNames = new HashMap<>();
    private LabelRange range;
    private int next;
    private boolean nodesDone;

    Merge(Artifact.Writer w, GraphCounts counts, CompletableFuture<Long> labels, CompletableFuture<Long> edges, IdMap sources,
        IdMap targets) {
      this.w = w;
      this.counts = counts;
      this.labels = labels;
      this.edges = edges;
      this.sources = sources;
      this.targets = targets;
      snapshot.names().labels().forEach(l -> labelNames.put(l, l));
    }

    @Override
    public void keys(List<String> keys) {
      if (!keys.equals(snapshot.names().keys())) {
        throw changed("the DUMP's property keys " + keys + " are not the snapshot's " + snapshot.names().keys());
      }
    }

    @Override
    public void node(long id, List<String> keys, List<Object> values) {
      List<String> nodeLabels = labelsOf(id);
      List<Object> vs = asReplied(values);
      for (int i = 0; i < keys.size(); i++) {
        approximations.check("node", id, keys.get(i), vs.get(i));
      }
      content.node(id, keys, vs);
      try {
        w.node(id, nodeLabels, keys, vs);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      counts.addNode(nodeLabels);
      if (counts.nodes() % PROGRESS_EVERY == 0) {
        active.run();
        progress.onProgress("graph " + graph + " nodes", counts.nodes(), snapshot.counts().nodes());
      }
    }

    @Override
    public void edge(long id, List<String> keys, List<Object> values) {
      if (!nodesDone) {
        nodesDone();
        join(edges); // every endpoint is spooled
        active.run();
      }
      long source = sources.get(id);
      long packed = targets.get(id);
      if (source < 0 || packed < 0) {
        throw changed("edge " + id + " of the DUMP was not found by the snapshot's queries");
      }
      String type = typeNames.get((int) (packed >>> TYPE_SHIFT));
      List<Object> vs = asReplied(values);
      for (int i = 0; i < keys.size(); i++) {
        approximations.check("edge", id, keys.get(i), vs.get(i));
      }
      content.edge(id, keys, vs);
      try {
        w.raw(w.edge(id, source, packed & ((1L << TYPE_SHIFT) - 1), type, keys, vs));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      counts.addEdge(type);
      if (counts.edges() % PROGRESS_EVERY == 0) {
        active.run();
        progress.onProgress("graph " + graph + " edges", counts.edges(), snapshot.counts().edges());
      }
    }

    /** After the last node: every labelled node must have been in the payload. */
    void nodesDone() {
      if (nodesDone) {
        return;
      }
      nodesDone = true;
      progress.onProgress("graph " + graph + " nodes", counts.nodes(), snapshot.counts().nodes());
      if (current() != END) {
        throw changed("node " + range.ids[next] + " was found by the snapshot's queries but is not in its DUMP");
      }
    }

    private List<String> labelsOf(long id) {
      Object r = current();
      if (r == END || range.ids[next] != id) {
        throw changed("node " + id + " of the DUMP does not match the snapshot's queries ("
            + (r == END ? "no more nodes" : "node " + range.ids[next]) + ")");
      }
      List<?> found = range.labels[next++];
      List<String> out = new ArrayList<>(found.size());
      for (Object l : found) {
        String name = labelNames.get(l);
        if (name == null) {
          throw changed("node " + id + " has label '" + l + "', which the snapshot's names do not hold");
        }
        out.add(name);
      }
      return out;
    }

    /** The label range holding the next node, or {@link #END}. */
    private Object current() {
      while (range == null || next >= range.ids.length) {
        Object r;
        try {
          r = labelRanges.poll(100, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IllegalStateException("interrupted while exporting graph '" + graph + "'", e);
        }
        if (r == END) {
          range = null;
          labelRanges.add(END); // stays the answer
          return END;
        }
        if (r == null) {
          if (labels.isDone()) {
            join(labels); // rethrows the reader's failure
          }
          continue;
        }
        range = (LabelRange) r;
        next = 0;
      }
      return range;
    }
  }

  private record LabelRange(long[] ids, List<?>[] labels) {}

  private static final Object END = new Object();

  /**
   * A value as the query exporter reads it from a reply, so that both write the same artifact and
   * hash: NaN with its sign only (replies show no payload bits), NaN elements of a vector as positive
   * quiet NaNs (replies show no sign there). {@link Approximations} warns about the latter.
   */
  static List<Object> asReplied(List<Object> values) {
    List<Object> out = values;
    for (int i = 0; i < values.size(); i++) {
      Object v = values.get(i);
      Object r = asReplied(v);
      if (r != v) {
        if (out == values) {
          out = new ArrayList<>(values);
        }
        out.set(i, r);
      }
    }
    return out;
  }

  private static Object asReplied(Object v) {
    if (v instanceof Double d) {
      return d.isNaN() && Double.doubleToRawLongBits(d) != Double.doubleToRawLongBits(nan(d)) ? nan(d) : v;
    }
    if (v instanceof Point p) {
      float lat = nan(p.latitude());
      float lon = nan(p.longitude());
      return Float.floatToRawIntBits(lat) == Float.floatToRawIntBits(p.latitude())
          && Float.floatToRawIntBits(lon) == Float.floatToRawIntBits(p.longitude()) ? v : new Point(lat, lon);
    }
    if (v instanceof VectorF32 vec) {
      float[] e = vec.elements();
      float[] copy = null;
      for (int i = 0; i < e.length; i++) {
        if (Float.isNaN(e[i]) && Float.floatToRawIntBits(e[i]) != Float.floatToRawIntBits(Float.NaN)) {
          copy = copy == null ? e.clone() : copy;
          copy[i] = Float.NaN;
        }
      }
      return copy == null ? v : new VectorF32(copy);
    }
    if (v instanceof List<?> list) {
      @SuppressWarnings("unchecked")
      List<Object> l = (List<Object>) list;
      return asReplied(l);
    }
    return v;
  }

  private static double nan(double d) {
    return Values.negative(d) ? Values.NEGATIVE_NAN : Double.NaN;
  }

  private static float nan(float f) {
    return Float.isNaN(f) ? (float) nan((double) f) : f;
  }

  private MaintenanceException changed(String problem) {
    return new MaintenanceException(ErrorCode.DATASTORE_FAILURE, "graph '" + graph + "': " + problem, Map.of("graph", graph));
  }

  private interface Read<T> {
    T read(FalkorConnection c) throws Exception;
  }

  private <T> CompletableFuture<T> start(String what, Read<T> body) {
    CompletableFuture<T> f = new CompletableFuture<>();
    Thread t = new Thread(() -> {
      try (FalkorConnection c = reader.get()) {
        f.complete(body.read(c));
      } catch (Throwable e) {
        f.completeExceptionally(e);
      }
    }, "falkordb-export-" + what + "-" + graph);
    t.setDaemon(true);
    t.start();
    return f;
  }

  private static <T> T join(CompletableFuture<T> f) {
    try {
      return f.join();
    } catch (CompletionException e) {
      if (e.getCause() instanceof RuntimeException r) {
        throw r;
      }
      if (e.getCause() instanceof Error r) {
        throw r;
      }
      throw e;
    }
  }

  private static void await(CompletableFuture<?> f) {
    try {
      f.handle((v, e) -> null).join();
    } catch (CompletionException e) {
      // only waiting for the reader to stop
    }
  }
}
