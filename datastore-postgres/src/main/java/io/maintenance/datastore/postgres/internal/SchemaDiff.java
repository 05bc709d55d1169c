package io.maintenance.datastore.postgres.internal;

import io.maintenance.api.ErrorCode;
import io.maintenance.api.MaintenanceException;
import io.maintenance.spi.RestoreContext;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What a restore of a format 2 backup does to the live schema, object by object: what it creates, changes
 * (drops and creates again) and drops, which restored tables keep their definition (their rows are
 * replaced in place), the lines a reviewer reads, and warnings.
 */
record SchemaDiff(
    Set<String> create, Set<String> change, Set<String> drop, Set<String> keptTables, List<String> lines, List<String> warnings) {
  /** What kinds of objects in the live database, absent from the backup, a restore removes. */
  private static final Set<String> DROPPED_WHEN_EXTRA = Set.of("function", "view", "matview", "trigger", "policy", "rule",
      "statistics", "index", "constraint", "foreign-key", "default", "comment", "acl", "default-acl");

  /** A foreign key of a table outside the restore that references a restored table: dropped and added back. */
  private record OutsideKey(String table, String name, String definition, String referenced) {}

  /**
   * What restoring {@code tables} (and, unless the context limits the restore to some tables, the whole
   * schema) from {@code backup} does to {@code live}; refuses when an object outside the backup depends on
   * one the restore must replace.
   */
  static SchemaDiff of(DatabaseSchema backup, DatabaseSchema live, Set<String> tables, RestoreContext ctx) {
    Map<String, SchemaObject> liveById = live.byId();
    Map<String, SchemaObject> backupById = backup.byId();
    boolean schemaToo = ctx.resources().isEmpty() || ctx.resources().contains(Fingerprints.SCHEMA);
    // Objects this restore is about: all of the backup's, or those of the chosen tables and what they need.
    Set<String> scope = new LinkedHashSet<>();
    for (SchemaObject o : backup.objects()) {
      if (schemaToo || (o.table() != null && tables.contains(o.table()))) {
        scope.add(o.id());
      }
    }
    if (!schemaToo) {
      List<String> queue = new ArrayList<>(scope);
      while (!queue.isEmpty()) {
        SchemaObject o = backupById.get(queue.remove(queue.size() - 1));
        for (String d : o.dependsOn()) {
          SchemaObject dep = backupById.get(d);
          if (dep != null && (dep.table() == null || !dep.kind().equals("table")) && scope.add(d)) {
            queue.add(d);
          }
        }
      }
    }
    Set<String> create = new LinkedHashSet<>();
    Set<String> change = new LinkedHashSet<>();
    Set<String> drop = new LinkedHashSet<>();
    for (String id : scope) {
      SchemaObject b = backupById.get(id);
      SchemaObject l = liveById.get(id);
      if (l == null) {
        create.add(id);
      } else if (!l.definition().equals(b.definition()) && (schemaToo || tables.contains(b.table()))) {
        change.add(id);
      }
    }
    // Default privileges would grant on what the restore creates: they are taken off first and put back last.
    if (schemaToo && (!create.isEmpty() || !change.isEmpty())) {
      for (SchemaObject l : live.objects()) {
        if (l.kind().equals("default-acl") && backupById.containsKey(l.id())) {
          change.add(l.id());
        }
      }
    }
    Set<String> restoredTables = new HashSet<>(tables);
    List<String> warnings = new ArrayList<>();
    for (SchemaObject l : live.objects()) {
      if (backupById.containsKey(l.id())) {
        continue;
      }
      boolean onRestored = l.table() != null && restoredTables.contains(l.table());
      boolean dropIt = DROPPED_WHEN_EXTRA.contains(l.kind()) && (onRestored || (backup.whole() && schemaToo
          && (l.table() == null || l.kind().equals("view") || l.kind().equals("matview"))));
      if (dropIt && !l.kind().equals("comment") && !l.kind().equals("acl")) {
        drop.add(l.id());
      } else if (l.kind().equals("table") && backup.whole() && schemaToo) {
        warnings.add("table " + Sql.printable(l.table()) + " is not in the backup and is left as it is");
      }
    }
    // Whatever depends on a dropped or changed object goes too, and comes back from the backup if it has it.
    Map<String, List<String>> dependents = new LinkedHashMap<>();
    for (SchemaObject l : live.objects()) {
      for (String d : l.dependsOn()) {
        dependents.computeIfAbsent(d, k -> new ArrayList<>()).add(l.id());
      }
    }
    // An extra object something kept relies on (a function an extra table's default calls) stays.
    boolean shrunk = true;
    while (shrunk) {
      shrunk = false;
      for (String id : List.copyOf(drop)) {
        for (String dep : dependents.getOrDefault(id, List.of())) {
          SchemaObject l = liveById.get(dep);
          boolean goes = drop.contains(dep) || (backupById.containsKey(dep) && scope.contains(dep))
              || l.kind().equals("comment") || l.kind().equals("acl");
          if (!goes) {
            drop.remove(id);
            shrunk = true;
            warnings.add(Sql.printable(id) + " is not in the backup but " + Sql.printable(dep) + " uses it; both are left as they are");
            break;
          }
        }
      }
    }
    List<OutsideKey> outside = new ArrayList<>();
    List<String> queue = new ArrayList<>(change);
    queue.addAll(drop);
    Set<String> seen = new HashSet<>(queue);
    while (!queue.isEmpty()) {
      String id = queue.remove(queue.size() - 1);
      for (String dep : dependents.getOrDefault(id, List.of())) {
        if (!seen.add(dep)) {
          continue;
        }
        SchemaObject l = liveById.get(dep);
        if (backupById.containsKey(dep) && scope.contains(dep)) {
          change.add(dep);
          create.remove(dep);
        } else if (l.kind().equals("foreign-key")) {
          continue; // handled below with the other foreign keys into restored tables
        } else if (DROPPED_WHEN_EXTRA.contains(l.kind()) && (backup.whole() && schemaToo
            || !(l.kind().equals("view") || l.kind().equals("matview") || l.kind().equals("function")))) {
          if (!l.kind().equals("comment") && !l.kind().equals("acl")) {
            drop.add(dep);
          }
        } else {
          throw new MaintenanceException(ErrorCode.INCOMPATIBLE_ARTIFACT, Sql.printable(dep) + " is not in the backup but depends on "
              + Sql.printable(id) + ", which the restore must replace; drop it or include it in the backup",
              Map.of("reason", "OUTSIDE_DEPENDENCY", "object", Sql.printable(dep), "dependsOn", Sql.printable(id)));
        }
        queue.add(dep);
      }
    }
    Set<String> keptTables = new LinkedHashSet<>();
    for (String t : tables) {
      String id = tableId(backup, t);
      if (id != null && liveById.containsKey(id) && !change.contains(id)) {
        keptTables.add(t);
      }
    }
    // Foreign keys of tables outside the restore into kept tables: dropped while the rows are replaced, added back after.
    for (SchemaObject l : live.objects()) {
      if (l.kind().equals("foreign-key") && !scope.contains(l.id()) && l.table() != null && !restoredTables.contains(l.table())) {
        for (String t : keptTables) {
          String tid = tableId(backup, t);
          if (l.dependsOn().contains(tid)) {
            outside.add(new OutsideKey(l.table(), l.id(), l.sql().get(0), t));
          }
        }
      }
    }
    List<String> lines = new ArrayList<>();
    for (String id : backupById.keySet()) {
      if (create.contains(id)) {
        lines.add("create " + Sql.printable(id));
      } else if (change.contains(id)) {
        SchemaObject now = liveById.get(id);
        if (now != null && now.definition().equals(backupById.get(id).definition())) {
          // Unchanged itself: dropped and created again with what it depends on (or, for default
          // privileges, taken off while the restore creates objects).
          lines.add("recreate " + Sql.printable(id) + " (unchanged)");
        } else {
          lines.add("change " + Sql.printable(id) + describeChange(now, backupById.get(id)));
        }
      }
    }
    drop.forEach(id -> lines.add("drop " + Sql.printable(id)));
    outside.forEach(k -> lines.add("keep " + Sql.printable(k.name()) + " (outside the backup; checked and added back)"));
    return new SchemaDiff(create, change, drop, keptTables, lines, warnings);
  }

  /** The first statement that differs, shortened: what a reviewer needs to see. */
  private static String describeChange(SchemaObject live, SchemaObject backup) {
    if (live == null) {
      return "";
    }
    for (int i = 0; i < Math.max(live.sql().size(), backup.sql().size()); i++) {
      String l = i < live.sql().size() ? live.sql().get(i) : "";
      String b = i < backup.sql().size() ? backup.sql().get(i) : "";
      if (!l.equals(b)) {
        return ": now " + shorten(l) + " -> after " + shorten(b);
      }
    }
    return "";
  }

  private static String shorten(String s) {
    String one = Sql.printable(s.replaceAll("\\s+", " ").trim());
    return one.length() > 300 ? one.substring(0, 300) + "..." : one;
  }

  /** How many of the backup's objects the live database has. */
  static long scopeCount(DatabaseSchema live, DatabaseSchema backup) {
    Set<String> ids = new HashSet<>();
    backup.objects().forEach(o -> ids.add(o.id()));
    return live.objects().stream().filter(o -> ids.contains(o.id())).count();
  }

  /** The id of a table's object in the backup, or null. */
  static String tableId(DatabaseSchema backup, String table) {
    for (SchemaObject o : backup.objects()) {
      if (o.kind().equals("table") && table.equals(o.table())) {
        return o.id();
      }
    }
    return null;
  }
}
