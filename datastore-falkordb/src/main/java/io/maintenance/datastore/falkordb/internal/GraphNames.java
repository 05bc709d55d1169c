package io.maintenance.datastore.falkordb.internal;

import java.util.List;

/**
 * The schema names of a graph in id order: labels, relationship types and property keys as
 * {@code db.labels()}, {@code db.relationshipTypes()} and {@code db.propertyKeys()} list them (the
 * position is the id the compact reply format refers to). Names stay after their last use.
 */
public record GraphNames(List<String> labels, List<String> types, List<String> keys) {
  public static final GraphNames EMPTY = new GraphNames(List.of(), List.of(), List.of());

  public GraphNames {
    labels = List.copyOf(labels);
    types = List.copyOf(types);
    keys = List.copyOf(keys);
  }

  public static GraphNames read(FalkorConnection c, String key) {
    return new GraphNames(GraphOps.procedureNames(c, key, "db.labels"), GraphOps.procedureNames(c, key, "db.relationshipTypes"),
        GraphOps.procedureNames(c, key, "db.propertyKeys"));
  }
}
