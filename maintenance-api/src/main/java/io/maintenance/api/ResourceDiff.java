package io.maintenance.api;

import java.util.List;
import java.util.Objects;

/**
 * The reconciliation diff of one resource: how it looks now and how it will look after the restore.
 *
 * @param counts counts now and after (rows, nodes per label, edges per type, points)
 * @param schemaChanges human-readable schema differences (columns added/removed/retyped, indexes, vector params)
 * @param itemsLost items present now that will not exist afterwards: exact where the datastore can
 *     tell (e.g. by primary key), otherwise the drop in count
 * @param items gross changes per kind of item where the datastore can tell them (empty otherwise)
 */
public record ResourceDiff(String kind, String name, ChangeKind change, List<CountChange> counts, List<String> schemaChanges,
    long itemsLost, List<ItemChange> items) {
  public ResourceDiff {
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(change, "change");
    counts = List.copyOf(counts);
    schemaChanges = List.copyOf(schemaChanges);
    if (itemsLost < 0) {
      throw new IllegalArgumentException("itemsLost must not be negative");
    }
    // Plans stored before this field existed read back with none.
    items = items == null ? List.of() : List.copyOf(items);
  }

  /** A diff without gross item changes. */
  public ResourceDiff(String kind, String name, ChangeKind change, List<CountChange> counts, List<String> schemaChanges,
      long itemsLost) {
    this(kind, name, change, counts, schemaChanges, itemsLost, List.of());
  }
}
