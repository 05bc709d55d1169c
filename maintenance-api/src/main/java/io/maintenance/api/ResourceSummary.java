package io.maintenance.api;

import java.util.Map;
import java.util.Objects;

/**
 * A thing a datastore holds, with its sizes: a table and its rows, a graph and its nodes per label,
 * a collection and its points.
 *
 * @param kind {@code table}, {@code graph}, {@code collection}, ...
 * @param counts named counts, e.g. {@code rows}, {@code nodes:Person}, {@code edges:KNOWS}, {@code points}
 */
public record ResourceSummary(String kind, String name, Map<String, Long> counts) {
  public ResourceSummary {
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(name, "name");
    counts = Map.copyOf(counts);
  }
}
