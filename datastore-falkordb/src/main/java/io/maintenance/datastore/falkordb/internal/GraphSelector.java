package io.maintenance.datastore.falkordb.internal;

import io.maintenance.spi.support.NameFilter;
import java.util.ArrayList;
import java.util.List;

/** Which graphs a datastore backs up: include/exclude glob patterns ({@code *}, {@code ?}), never reserved keys. */
public final class GraphSelector {
  private final NameFilter names;
  private final String reservedPrefix;

  public GraphSelector(List<String> include, List<String> exclude, String reservedPrefix) {
    this.names = NameFilter.of(include, exclude);
    this.reservedPrefix = reservedPrefix;
  }

  public boolean reserved(String graph) {
    return graph.startsWith(reservedPrefix);
  }

  public boolean selects(String graph) {
    if (reserved(graph)) {
      return false;
    }
    return names.matches(graph);
  }

  public List<String> select(List<String> graphs) {
    List<String> out = new ArrayList<>();
    for (String g : graphs) {
      if (selects(g)) {
        out.add(g);
      }
    }
    out.sort(null);
    return out;
  }
}
