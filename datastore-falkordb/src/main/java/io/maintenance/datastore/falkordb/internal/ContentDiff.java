package io.maintenance.datastore.falkordb.internal;

import io.maintenance.api.ItemChange;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The gross difference between a graph in a backup and the live graph: which nodes and edges the
 * restore removes or replaces ("lost": present now, not in the backup with the same id and the same
 * properties) and which it brings ("created"), in total and per label and relationship type.
 *
 * <p>The backup side is hashed per entity while its artifact is read for the plan; the live side
 * from a DUMP of the live graph or a private copy of it (the server's own serialization, read by
 * {@link DumpContent}; {@code graph} is the key read, see {@link Server#onDumpSource}); lost
 * entities are attributed to labels and types by scanning the live graph's label and type ids in
 * ranges. An entity counts as kept when id and properties match (a relabelled node with unchanged
 * properties counts as kept; per-label "created" is derived from the counts).
 */
final class ContentDiff implements AutoCloseable {
  private final IdMap backupNodes;
  private final IdMap backupEdges;
  private final ContentHash backup;

  ContentDiff(Path tempDir) {
    backupNodes = new IdMap(tempDir);
    backupEdges = new IdMap(tempDir);
    backup = new ContentHash(backupNodes, backupEdges);
  }

  /** Where the backup's entities go while its artifact is read. */
  DumpContent.Visitor backupSide() {
    return backup;
  }

  /** The result: lost and created per metric ({@code nodes}, {@code edges}, {@code nodes:<Label>}, {@code edges:<TYPE>}). */
  record Result(long itemsLost, List<ItemChange> items) {}

  /**
   * Compares with the live graph.
   *
   * @param before the live counts, {@code after} the backup's
   */
  Result compare(FalkorConnection c, String graph, String tempKey, Duration busyWait, Path tempDir, Map<String, Long> before,
      Map<String, Long> after, int rangeWidth) throws IOException {
    try (IdMap lostNodes = new IdMap(tempDir); IdMap lostEdges = new IdMap(tempDir)) {
      long[] kept = new long[2];
      long[] all = new long[2];
      ContentHash liveHash = new ContentHash((edge, id, hash) -> {
        IdMap backupSide = edge ? backupEdges : backupNodes;
        int k = edge ? 1 : 0;
        all[k]++;
        if (backupSide.get(id) == hash) {
          kept[k]++;
        } else {
          (edge ? lostEdges : lostNodes).put(id, 0);
        }
      });
      Physical.Dumped d = Physical.dump(c, graph, tempKey, busyWait);
      try (InputStream payload = d.payload()) {
        DumpContent.read(new BufferedInputStream(payload, 64 * 1024), liveHash);
      }
      long[] live = all;
      List<ItemChange> items = new ArrayList<>();
      items.add(new ItemChange(GraphCounts.NODES, live[0] - kept[0], backup.nodeCount() - kept[0]));
      items.add(new ItemChange(GraphCounts.EDGES, live[1] - kept[1], backup.edgeCount() - kept[1]));
      java.util.Set<String> metrics = new java.util.TreeSet<>(before.keySet());
      metrics.addAll(after.keySet());
      long maxNode = c.readOnly(graph, "MATCH (n) RETURN max(id(n))", Map.of()).single() instanceof Long m ? m : -1;
      for (String metric : metrics) {
        if (!metric.startsWith("nodes:") && !metric.startsWith("edges:")) {
          continue;
        }
        boolean nodes = metric.startsWith("nodes:");
        String name = metric.substring(6);
        long lost = 0;
        long now = before.getOrDefault(metric, 0L);
        if (now > 0 && (nodes ? live[0] > kept[0] : live[1] > kept[1]) && Cypher.identifierProblem(name).isEmpty()) {
          lost = countLost(c, graph, nodes, name, nodes ? lostNodes : lostEdges, maxNode, rangeWidth);
        } else if (now > 0 && !Cypher.identifierProblem(name).isEmpty()) {
          lost = now; // a name no query can quote: assume the worst
        }
        long created = Math.max(0, after.getOrDefault(metric, 0L) - (now - lost));
        items.add(new ItemChange(metric, lost, created));
      }
      return new Result(live[0] - kept[0] + live[1] - kept[1], items);
    }
  }

  /** How many live members of a label (or type) are lost, read in ranges of node id. */
  private static long countLost(FalkorConnection c, String graph, boolean nodes, String name, IdMap lost, long maxNode, int width) {
    String query = nodes
        ? "MATCH (x" + Cypher.labels(List.of(name)) + ") WHERE id(x) >= $lo AND id(x) < $hi RETURN id(x)"
        : "MATCH (a)-[x:" + Cypher.quote(name) + "]->() WHERE id(a) >= $lo AND id(a) < $hi RETURN id(x)";
    long count = 0;
    for (long lo = 0; lo <= maxNode; lo += width) {
      for (List<Object> row : c.readOnly(graph, query, Map.of("lo", lo, "hi", lo + width)).rows()) {
        if (lost.contains((Long) row.get(0))) {
          count++;
        }
      }
    }
    return count;
  }

  @Override
  public void close() {
    backupNodes.close();
    backupEdges.close();
  }
}
