package io.maintenance.datastore.falkordb.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Values of one graph that a logical export cannot bring back exactly (see {@link Values#approximation}),
 * one warning per value: the backup records them and the preview repeats them. The first
 * {@value #LISTED} are listed, the rest counted.
 */
public final class Approximations {
  static final int LISTED = 20;

  private final String graph;
  private final List<String> listed = new ArrayList<>();
  private long count;

  public Approximations(String graph) {
    this.graph = graph;
  }

  /** Checks the properties of a node ({@code source} < 0) or an edge. */
  void check(String entity, long id, Map<String, Object> properties) {
    properties.forEach((k, v) -> check(entity, id, k, v));
  }

  void check(String entity, long id, String key, Object value) {
    String a = Values.approximation(value);
    if (a != null) {
      count++;
      if (listed.size() < LISTED) {
        listed.add("graph '" + graph + "': " + entity + " " + id + " property '" + key + "': " + a);
      }
    }
  }

  public long count() {
    return count;
  }

  /** The warnings, the last one saying how many more there are. */
  public List<String> warnings() {
    List<String> out = new ArrayList<>(listed);
    if (count > listed.size()) {
      out.add("graph '" + graph + "': " + (count - listed.size()) + " more values come back approximately");
    }
    return out;
  }
}
