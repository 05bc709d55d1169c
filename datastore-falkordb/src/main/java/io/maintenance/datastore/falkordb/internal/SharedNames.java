package io.maintenance.datastore.falkordb.internal;

import io.maintenance.api.ErrorCode;
import io.maintenance.api.MaintenanceException;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeSet;

/**
 * Refuses to create or delete a graph whose name a graph in another logical database of the same server
 * also has. FalkorDB keeps one server-wide list of graphs by name ({@code GRAPH.LIST} shows every
 * database's), and the server resolves names through it: a {@code RESTORE} of a payload decodes into the
 * listed graph of the payload's name, whichever database it lives in (FalkorDB 4.16: the live graph in
 * database 0 doubles when a backup of it is restored into database 1), and deleting a graph drops the
 * first listed graph of that name. Databases are therefore not separate namespaces for graphs, and a
 * restore drill's sandbox must be another server.
 */
final class SharedNames {
  private SharedNames() {}

  static void requireOwn(FalkorConnection c, Server server, Collection<String> graphs, String operation) {
    if (graphs.isEmpty()) {
      return;
    }
    Map<String, Integer> listed = new HashMap<>();
    for (String g : c.graphList()) {
      listed.merge(g, 1, Integer::sum);
    }
    TreeSet<String> shared = new TreeSet<>();
    for (String g : graphs) {
      int elsewhere = listed.getOrDefault(g, 0) - (isGraph(c, g) ? 1 : 0);
      if (elsewhere > 0) {
        shared.add(g);
      }
    }
    if (!shared.isEmpty()) {
      throw new MaintenanceException(ErrorCode.CONFIG_INVALID, "datastore " + server.id() + " (database "
          + server.settings().database() + "): graph" + (shared.size() == 1 ? " " : "s ") + shared
          + " also exist" + (shared.size() == 1 ? "s" : "") + " in another logical database of this FalkorDB server, and "
          + "FalkorDB resolves graphs by name across databases (a " + operation + " here would change that graph too); "
          + "restore into, or use as a sandbox, a separate FalkorDB server",
          Map.of("reason", "GRAPH_NAME_SHARED_ACROSS_DATABASES", "graphs", String.join(",", shared),
              "database", Integer.toString(server.settings().database())));
    }
  }

  private static boolean isGraph(FalkorConnection c, String key) {
    return Dump.MODULE_TYPE.equals(FalkorConnection.text(c.command(key, "check type", "TYPE", key)));
  }
}
