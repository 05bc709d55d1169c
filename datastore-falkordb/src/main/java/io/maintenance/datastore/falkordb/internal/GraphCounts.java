package io.maintenance.datastore.falkordb.internal;

import java.util.Map;
import java.util.TreeMap;

/** Nodes and edges of a graph, in total and per label / relationship type. */
public final class GraphCounts {
  public static final String NODES = "nodes";
  public static final String EDGES = "edges";

  private long nodes;
  private long edges;
  private final TreeMap<String, Long> perLabel = new TreeMap<>();
  private final TreeMap<String, Long> perType = new TreeMap<>();

  public void addNode(Iterable<String> labels) {
    nodes++;
    for (String l : labels) {
      perLabel.merge(l, 1L, Long::sum);
    }
  }

  public void addEdge(String type) {
    edges++;
    perType.merge(type, 1L, Long::sum);
  }

  public void setNodes(long n) {
    nodes = n;
  }

  public void setEdges(long n) {
    edges = n;
  }

  public void setLabel(String label, long n) {
    if (n > 0) {
      perLabel.put(label, n);
    }
  }

  public void setType(String type, long n) {
    if (n > 0) {
      perType.put(type, n);
    }
  }

  public long nodes() {
    return nodes;
  }

  public long edges() {
    return edges;
  }

  /** {@code nodes}, {@code edges}, {@code nodes:<Label>}, {@code edges:<TYPE>} (labels and types with a count above 0). */
  public Map<String, Long> asMap() {
    Map<String, Long> m = new TreeMap<>();
    m.put(NODES, nodes);
    m.put(EDGES, edges);
    perLabel.forEach((l, n) -> m.put("nodes:" + l, n));
    perType.forEach((t, n) -> m.put("edges:" + t, n));
    return m;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof GraphCounts c && asMap().equals(c.asMap());
  }

  @Override
  public int hashCode() {
    return asMap().hashCode();
  }

  @Override
  public String toString() {
    return asMap().toString();
  }
}
