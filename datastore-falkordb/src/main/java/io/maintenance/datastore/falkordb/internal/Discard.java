package io.maintenance.datastore.falkordb.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * Removes graphs from a restore drill's sandbox: each graph, the server's query log of it
 * ({@code telemetry{<graph>}}), and the keys of ours made for it (staging, safety copies and the like, named
 * {@code <reserved-prefix><purpose>:<operation>:<graph>}), nothing else.
 */
public final class Discard {
  private final Server server;

  public Discard(Server server) {
    this.server = server;
  }

  public void discard(Set<String> graphs) {
    if (graphs.isEmpty()) {
      return;
    }
    try (FalkorConnection c = server.connect()) {
      server.version(c);
      SharedNames.requireOwn(c, server, graphs, "discard");
      List<String> keys = new ArrayList<>();
      for (String g : new TreeSet<>(graphs)) {
        if (!server.selector().reserved(g)) {
          keys.add(g);
          // The server's log of the graph's queries; FalkorDB drops it when it frees the graph, which may be later.
          keys.add("telemetry{" + g + "}");
        }
      }
      keys.addAll(reservedKeysOf(c, graphs));
      // Graphs go with GRAPH.DELETE, our temporary payload keys with DEL; absent keys are skipped.
      c.delete(keys.toArray(String[]::new));
    }
  }

  /** Our keys for these graphs: the purpose and operation parts never hold a colon, so the rest is the graph's name. */
  private List<String> reservedKeysOf(FalkorConnection c, Set<String> graphs) {
    String prefix = server.settings().reservedPrefix();
    List<String> out = new ArrayList<>();
    String cursor = "0";
    do {
      List<?> reply = (List<?>) c.command(prefix, "list reserved keys", "SCAN", cursor, "MATCH", glob(prefix) + "*", "COUNT", "1000");
      cursor = FalkorConnection.text(reply.get(0));
      for (Object k : (List<?>) reply.get(1)) {
        String key = FalkorConnection.text(k);
        String rest = key.substring(prefix.length());
        int purpose = rest.indexOf(':');
        int operation = purpose < 0 ? -1 : rest.indexOf(':', purpose + 1);
        if (operation > 0 && graphs.contains(rest.substring(operation + 1)) && !out.contains(key)) {
          out.add(key);
        }
      }
    } while (!"0".equals(cursor));
    return out;
  }

  /** A glob matching {@code s} literally. */
  static String glob(String s) {
    return s.replaceAll("([*?\\[\\]\\\\])", "\\\\$1");
  }
}
