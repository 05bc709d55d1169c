package io.maintenance.datastore.postgres.internal;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Everything but the rows: the objects in creation order (pre-data first, then post-data), the state of
 * every sequence, which materialized views hold data, the roles and extensions the objects need, and
 * what exists but is not backed up.
 *
 * @param whole whether the backup holds the whole database (false: selected tables and what they need)
 * @param objects in creation order
 * @param tables the tables whose rows are backed up (resource names), in creation order
 * @param sequences qualified sequence name to {@code [last_value, is_called]}
 * @param populated ids of the materialized views that hold data (refreshed after the rows are loaded)
 * @param roles every role named as owner or grantee
 * @param extensions extension name to its version
 * @param unsupported what exists in the database but is not backed up (publications, large objects, ...)
 * @param drops for a live database only: the statement that removes each object (by id)
 */
public record DatabaseSchema(
    boolean whole, int serverVersionNum, String serverVersion, List<SchemaObject> objects, List<String> tables,
    Map<String, SequenceState> sequences, List<String> populated, List<String> roles, Map<String, String> extensions,
    List<String> unsupported, Map<String, String> drops) {
  public DatabaseSchema {
    objects = List.copyOf(objects);
    tables = List.copyOf(tables);
    sequences = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(sequences));
    populated = List.copyOf(populated);
    roles = List.copyOf(roles);
    extensions = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(extensions));
    unsupported = List.copyOf(unsupported);
    drops = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(drops));
  }

  /** A sequence's state as {@code setval} restores it. */
  public record SequenceState(long lastValue, boolean isCalled) {}

  public Map<String, SchemaObject> byId() {
    Map<String, SchemaObject> m = new LinkedHashMap<>();
    objects.forEach(o -> m.put(o.id(), o));
    return m;
  }

  public int major() {
    return serverVersionNum / 10000;
  }
}
