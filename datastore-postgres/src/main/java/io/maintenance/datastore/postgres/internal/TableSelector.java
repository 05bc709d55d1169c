package io.maintenance.datastore.postgres.internal;

import io.maintenance.spi.support.NameFilter;
import java.util.List;

/**
 * Chooses tables by {@code schema.table} globs ({@code *} any run of characters, {@code ?} one). A
 * pattern without a dot names a whole schema. A table is selected when it matches an include pattern
 * (every table when there are none) and no exclude pattern.
 */
public final class TableSelector {
  private final NameFilter names;
  private final boolean everything;

  public TableSelector(List<String> include, List<String> exclude) {
    this.everything = include.isEmpty() && exclude.isEmpty();
    this.names = NameFilter.of(include.stream().map(TableSelector::qualified).toList(),
        exclude.stream().map(TableSelector::qualified).toList());
  }

  /** Whether every table is selected: the backup then holds the whole database, every object included. */
  public boolean everything() {
    return everything;
  }

  /** By resource name ({@code schema.table}). */
  public boolean selects(String resourceName) {
    return names.matches(resourceName);
  }

  public boolean selects(String schema, String table) {
    return names.matches(schema + "." + table);
  }

  /** A pattern without a dot names a whole schema. */
  static String qualified(String glob) {
    String g = glob.trim();
    return g.indexOf('.') < 0 ? g + ".*" : g;
  }
}
