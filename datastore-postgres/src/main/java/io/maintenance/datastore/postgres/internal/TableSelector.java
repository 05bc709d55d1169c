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

  public TableSelector(List<String> include, List<String> exclude) {
    this.names = NameFilter.of(include.stream().map(TableSelector::qualified).toList(),
        exclude.stream().map(TableSelector::qualified).toList());
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
