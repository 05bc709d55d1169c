package io.maintenance.datastore.postgres.internal;

import io.maintenance.api.ChangeKind;
import io.maintenance.api.CountChange;
import io.maintenance.api.DatastorePlan;
import io.maintenance.api.ErrorCode;
import io.maintenance.api.MaintenanceException;
import io.maintenance.api.ResourceDiff;
import io.maintenance.api.ResourceSummary;
import io.maintenance.datastore.postgres.internal.DatabaseSchema.SequenceState;
import io.maintenance.spi.RestoreContext;
import io.maintenance.spi.RestoreOutcome;
import java.io.IOException;
import java.io.InputStream;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import javax.sql.DataSource;

/**
 * Plan and restore of format 2 backups (database artifact + COPY data), in ONE transaction: what differs
 * from the backup is dropped and created again from the backup's statements, rows are loaded with
 * {@code COPY}, then keys, indexes, triggers and the rest are built, materialized views refreshed and,
 * last, every sequence set. The plan runs the same steps and rolls back, except that tables which exist
 * and keep their definition are validated through temporary tables instead of being emptied (so a
 * preview takes no lock that blocks the application).
 */
public final class DatabaseRestore {
  private DatabaseRestore() {}

  public static boolean handles(RestoreContext ctx) {
    return ctx.artifacts().find(DatabaseArtifact.JSON).isPresent();
  }

  /** One table's side of the diff. */
  private record Rows(long before, long after, long lost, boolean created, List<String> columnChanges) {}

  // ----------------------------------------------------------------------------------------- entry points

  public static DatastorePlan plan(DataSource ds, Settings settings, RestoreContext ctx) throws IOException {
    DatabaseSchema backup = readBackup(ctx);
    Map<String, TableData.Header> headers = headers(ctx, backup);
    List<ResourceDiff> diffs = new ArrayList<>();
    List<String> warnings = new ArrayList<>();
    RestoreTransaction.preview(ds, settings, c -> {
      int targetVersion = Refusals.checkTarget(c, backup);
      DatabaseSchema live = SchemaReader.read(c, t -> true, true);
      SchemaDiff diff = SchemaDiff.of(backup, live, headers.keySet(), ctx);
      warnings.addAll(diff.warnings());
      Map<String, Rows> counts = new LinkedHashMap<>();
      Jdbc.exec(c, "SAVEPOINT maintenance_plan");
      try {
        apply(c, settings, ctx, backup, live, diff, headers, true, counts, null);
      } catch (SQLException e) {
        throw Refusals.refusal(e, backup, targetVersion);
      }
      Jdbc.exec(c, "ROLLBACK TO SAVEPOINT maintenance_plan");
      diffs.add(new ResourceDiff(Fingerprints.SCHEMA_KIND, Fingerprints.SCHEMA,
          diff.change().isEmpty() && diff.drop().isEmpty() ? (diff.create().isEmpty() ? ChangeKind.UNCHANGED : ChangeKind.CREATE)
              : ChangeKind.REPLACE,
          List.of(new CountChange("objects", SchemaDiff.scopeCount(live, backup), backup.objects().size())), diff.lines(),
          diff.drop().size()));
      for (TableData.Header h : headers.values()) {
        Rows n = counts.get(h.resourceName());
        ChangeKind change = n.created() ? ChangeKind.CREATE
            : n.before() == n.after() && n.lost() == 0 && n.columnChanges().isEmpty() ? ChangeKind.UNCHANGED : ChangeKind.REPLACE;
        diffs.add(new ResourceDiff("table", h.resourceName(), change, List.of(new CountChange("rows", n.before(), n.after())),
            n.columnChanges(), n.lost()));
      }
      return null;
    });
    if (!backup.unsupported().isEmpty()) {
      warnings.add("not in the backup (not supported): " + String.join(", ", backup.unsupported()));
    }
    return new DatastorePlan(settings.datastoreId(), settings.type(), diffs, warnings);
  }

  public static RestoreOutcome restore(DataSource ds, Settings settings, RestoreContext ctx) throws IOException {
    DatabaseSchema backup = readBackup(ctx);
    Map<String, TableData.Header> headers = headers(ctx, backup);
    List<ResourceSummary> resources = new ArrayList<>();
    AtomicReference<Staging> staging = new AtomicReference<>();
    try {
      RestoreTransaction.commit(ds, settings, c -> {
        int targetVersion = Refusals.checkTarget(c, backup);
        DatabaseSchema live = SchemaReader.read(c, t -> true, true);
        SchemaDiff diff = SchemaDiff.of(backup, live, headers.keySet(), ctx);
        Map<String, Rows> counts = new LinkedHashMap<>();
        try {
          staging.set(settings.jobs() > 1 ? stage(ds, settings, ctx, backup, live, diff, headers) : null);
          apply(c, settings, ctx, backup, live, diff, headers, false, counts, staging.get());
        } catch (SQLException e) {
          throw Refusals.refusal(e, backup, targetVersion);
        }
        ctx.ensureActive();
        // setval is not transactional: last, right before the commit.
        for (Map.Entry<String, SequenceState> s : backup.sequences().entrySet()) {
          if (restores(ctx, backup, s.getKey())) {
            try (PreparedStatement ps = c.prepareStatement("SELECT setval(?::regclass, ?, ?)")) {
              ps.setString(1, s.getKey());
              ps.setLong(2, s.getValue().lastValue());
              ps.setBoolean(3, s.getValue().isCalled());
              ps.executeQuery().close();
            }
          }
        }
        resources.add(new ResourceSummary(Fingerprints.SCHEMA_KIND, Fingerprints.SCHEMA,
            Map.of("objects", (long) backup.objects().size())));
        for (TableData.Header h : headers.values()) {
          resources.add(new ResourceSummary("table", h.resourceName(), Map.of("rows", counts.get(h.resourceName()).after())));
        }
        return null;
      });
    } finally {
      if (staging.get() != null) {
        // After the commit or the rollback: nothing of the restore's transaction holds a staged table any more.
        staging.get().close();
      }
    }
    return new RestoreOutcome(resources, List.of());
  }

  // ----------------------------------------------------------------------------------------- reading

  private static DatabaseSchema readBackup(RestoreContext ctx) throws IOException {
    try (InputStream in = ctx.artifacts().open(DatabaseArtifact.JSON)) {
      return DatabaseArtifact.read(in);
    }
  }

  /** The headers of the tables to restore, in the backup's creation order. */
  private static Map<String, TableData.Header> headers(RestoreContext ctx, DatabaseSchema backup) throws IOException {
    Map<String, TableData.Header> out = new LinkedHashMap<>();
    for (String table : backup.tables()) {
      if (!ctx.resources().isEmpty() && !ctx.resources().contains(table) && !ctx.resources().contains(Fingerprints.SCHEMA)) {
        continue;
      }
      int dot = table.indexOf('.');
      String name = Sql.artifactBase(table.substring(0, dot), table.substring(dot + 1)) + TableArtifact.JSON_SUFFIX;
      if (ctx.artifacts().find(name).isEmpty()) {
        throw PostgresErrors.artifact(table, 0, "the backup lists the table but holds no " + name);
      }
      try (InputStream in = ctx.artifacts().open(name)) {
        TableData.Header h = TableData.readHeader(in, table);
        if (!h.resourceName().equals(table)) {
          throw PostgresErrors.artifact(table, 0, "its header " + name + " names " + Sql.printable(h.resourceName()) + ", not "
              + Sql.printable(table));
        }
        out.put(table, h);
      }
    }
    return out;
  }

  /**
   * Whether a restore sets this sequence: always, unless it is limited to some tables; then only the
   * sequences those tables own (serial or identity).
   */
  private static boolean restores(RestoreContext ctx, DatabaseSchema backup, String sequence) {
    if (ctx.resources().isEmpty() || ctx.resources().contains(Fingerprints.SCHEMA)) {
      return true;
    }
    for (SchemaObject o : backup.objects()) {
      String owner = o.id().startsWith("sequence-owner ") ? o.sql().get(0) : null;
      if (owner != null && o.id().equals("sequence-owner " + sequence)) {
        for (String table : ctx.resources()) {
          String id = SchemaDiff.tableId(backup, table);
          if (id != null && owner.contains(" OWNED BY " + id.substring("table ".length()) + ".")) {
            return true;
          }
        }
      }
      if (o.kind().equals("table") && o.table() != null && ctx.resources().contains(o.table())
          && o.sql().stream().anyMatch(q -> q.contains("SEQUENCE NAME " + sequence + " "))) {
        return true;
      }
    }
    return false;
  }

  // ----------------------------------------------------------------------------------------- apply

  /** Starts loading, on other connections, the tables that can be staged (see {@link Staging}). */
  private static Staging stage(DataSource ds, Settings settings, RestoreContext ctx, DatabaseSchema backup, DatabaseSchema live,
      SchemaDiff diff, Map<String, TableData.Header> headers) throws SQLException {
    Staging.dropLeftovers(ds);
    Set<String> created = new HashSet<>(diff.create());
    created.addAll(diff.change());
    Map<String, SchemaObject> liveById = live.byId();
    Set<String> unchanged = new HashSet<>();
    for (SchemaObject o : backup.objects()) {
      if (liveById.containsKey(o.id()) && !created.contains(o.id())) {
        unchanged.add(o.id());
      }
    }
    return Staging.start(ds, settings, ctx, backup, created, unchanged, headers);
  }

  /**
   * The restore's steps. {@code dry} (the preview): kept tables are not emptied, their rows go to temporary
   * tables; {@code counts} receives each table's side of the diff.
   */
  private static void apply(Connection c, Settings settings, RestoreContext ctx, DatabaseSchema backup, DatabaseSchema live, SchemaDiff diff,
      Map<String, TableData.Header> headers, boolean dry, Map<String, Rows> counts, Staging staging)
      throws SQLException, IOException {
    Jdbc.exec(c, "SET LOCAL check_function_bodies = false");
    Jdbc.exec(c, "SET CONSTRAINTS ALL DEFERRED");
    Map<String, SchemaObject> liveById = live.byId();
    Map<String, Long> beforeCounts = new LinkedHashMap<>();
    Map<String, List<String>> liveColumns = new LinkedHashMap<>();
    for (TableData.Header h : headers.values()) {
      if (liveById.containsKey(SchemaDiff.tableId(backup, h.resourceName()))) {
        beforeCounts.put(h.resourceName(), Jdbc.count(c, h.qualified()));
        liveColumns.put(h.resourceName(), TableRows.dataColumns(c, h.qualified()));
      }
    }
    // 1. Drop what changes or goes, dependents first (a dropped table takes its parts with it).
    List<SchemaObject> liveOrder = new ArrayList<>(live.objects());
    java.util.Collections.reverse(liveOrder);
    for (SchemaObject l : liveOrder) {
      if ((diff.change().contains(l.id()) || diff.drop().contains(l.id())) && live.drops().containsKey(l.id())) {
        SchemaStatements.dropIfExists(c, l.id(), live.drops().get(l.id()));
      }
    }
    // 2. Foreign keys on or into kept tables go while their rows are replaced.
    Set<String> kept = diff.keptTables();
    List<SchemaObject> keysToAddBack = new ArrayList<>();
    if (!dry && !kept.isEmpty()) {
      for (SchemaObject l : live.objects()) {
        if (l.kind().equals("foreign-key") && !diff.drop().contains(l.id()) && !diff.change().contains(l.id())
            && touches(l, kept, backup)) {
          SchemaStatements.dropIfExists(c, l.id(), live.drops().get(l.id()));
          keysToAddBack.add(l);
        }
      }
    }
    // Keys and indexes of kept tables are rebuilt after the load (a bulk build beats maintaining them row by
    // row), unless something else depends on them.
    Set<String> rebuilt = new HashSet<>();
    if (!dry) {
      for (SchemaObject o : backup.objects()) {
        if (!o.pre() && (o.kind().equals("index") || o.kind().equals("constraint")) && o.table() != null && kept.contains(o.table())
            && !diff.create().contains(o.id()) && !diff.change().contains(o.id()) && live.drops().containsKey(o.id())
            && !o.id().startsWith("index-use ") && o.sql().size() == 1 && SchemaStatements.dropIfUnused(c, live.drops().get(o.id()))) {
          rebuilt.add(o.id());
        }
      }
      // Their comments went with them.
      for (SchemaObject o : backup.objects()) {
        if (o.kind().equals("comment") && o.dependsOn().stream().anyMatch(rebuilt::contains)) {
          rebuilt.add(o.id());
        }
      }
    }
    // 3. Create what is missing or changed, in the backup's order: pre-data.
    Map<String, SchemaObject> backupById = backup.byId();
    Map<String, Long> stagedRows = new LinkedHashMap<>();
    for (SchemaObject o : backup.objects()) {
      if (o.pre() && (diff.create().contains(o.id()) || diff.change().contains(o.id()))) {
        if (staging != null && staging.staged(o.id())) {
          // Loaded (and keyed) on another connection: moved into place here, then the rest of its statements.
          stagedRows.put(o.table(), staging.moveInto(c, o.id()));
          SchemaStatements.run(c, new SchemaObject(o.id(), o.kind(), o.schema(), o.table(), o.section(), o.sql().subList(1, o.sql().size()),
              o.dependsOn()), backup);
        } else {
          SchemaStatements.run(c, o, backup);
        }
      }
    }
    // 4. Rows.
    if (!dry && !kept.isEmpty()) {
      Jdbc.exec(c, "TRUNCATE ONLY " + String.join(", ", kept.stream().map(t -> headers.get(t).qualified()).toList()));
    }
    int temp = 0;
    for (TableData.Header h : headers.values()) {
      ctx.ensureActive();
      boolean isKept = kept.contains(h.resourceName());
      boolean existed = beforeCounts.containsKey(h.resourceName());
      long before = before(h, beforeCounts);
      List<String> columnChanges = existed && !isKept ? TableRows.columnChanges(h, liveColumns.get(h.resourceName())) : List.of();
      if (stagedRows.containsKey(h.resourceName())) {
        counts.put(h.resourceName(), new Rows(before, stagedRows.get(h.resourceName()), existed ? before : 0, !existed, columnChanges));
        continue;
      }
      if (dry && !settings.validateRowsOnPlan()) {
        // Parse-only preview: the header's count, the server checks the values at confirm (which rolls back on failure).
        counts.put(h.resourceName(), new Rows(before, h.rowCount(), Math.max(0, isKept ? before - h.rowCount() : before), !existed,
            columnChanges));
        continue;
      }
      if (dry && isKept) {
        TableRows.checkColumns(c, h, h.qualified()); // before the header's names are used in any statement
        String t = "pg_temp." + Sql.quote("maintenance_plan_" + temp++);
        // The live table's own column types (the header's are compared, never run as SQL).
        Jdbc.exec(c, "CREATE TEMP TABLE " + t + " AS SELECT " + (h.columns().isEmpty() ? "" : h.columnList().substring(2,
            h.columnList().length() - 1)) + " FROM ONLY " + h.qualified() + " WITH NO DATA");
        long after = TableRows.load(c, ctx, h, t);
        List<String> key = Catalog.primaryKey(c, h.qualified());
        TableRows.duplicateKeys(c, h, t, key);
        TableRows.checkOutsideKeys(c, h, t, headers.keySet());
        counts.put(h.resourceName(), new Rows(before, after, TableRows.lost(c, h, t, key), false, List.of()));
        Jdbc.exec(c, "DROP TABLE " + t);
      } else {
        TableRows.checkColumns(c, h, h.qualified());
        // Loading restores rows, it is not the application writing them: user triggers of kept tables stay quiet.
        List<String[]> quiet = isKept && settings.disableTriggers() ? TableRows.enabledTriggers(c, h.qualified()) : List.of();
        for (String[] t : quiet) {
          Jdbc.exec(c, "ALTER TABLE " + h.qualified() + " DISABLE TRIGGER " + Sql.quote(t[0]));
        }
        long after = TableRows.load(c, ctx, h, h.qualified());
        for (String[] t : quiet) {
          Jdbc.exec(c, "ALTER TABLE " + h.qualified() + " ENABLE " + ("R".equals(t[1]) ? "REPLICA " : "A".equals(t[1]) ? "ALWAYS " : "")
              + "TRIGGER " + Sql.quote(t[0]));
        }
        // A replaced table loses every live row it had (the backup's rows take their place).
        counts.put(h.resourceName(), new Rows(before, after, isKept || !existed ? 0 : before, !existed, columnChanges));
      }
    }
    // 5. After the rows: keys, indexes, triggers, policies... (on kept tables they still exist, unless changed).
    for (SchemaObject o : backup.objects()) {
      if (!o.pre() && (diff.create().contains(o.id()) || diff.change().contains(o.id()) || rebuilt.contains(o.id()))) {
        if (dry && o.table() != null && kept.contains(o.table())) {
          continue; // the live rows are still there in a preview; confirm builds it over the backup's rows
        }
        if (staging != null && staging.builtWith(o.id())) {
          continue; // built on the staged table, moved with it
        }
        try {
          SchemaStatements.run(c, o, backup);
        } catch (Refusals.StatementFailure e) {
          String state = e.getSQLState() == null ? "" : e.getSQLState();
          if (o.table() != null && state.startsWith("23")) {
            throw PostgresErrors.load(o.table(), e); // the backup's rows break a key: the artifact's fault, named by table
          }
          throw e;
        }
      }
    }
    for (SchemaObject k : keysToAddBack) {
      if (!backupById.containsKey(k.id()) || !diff.change().contains(k.id()) && !diff.create().contains(k.id())) {
        try {
          for (String sql : k.sql()) {
            Jdbc.exec(c, sql);
          }
        } catch (SQLException e) {
          throw new MaintenanceException(ErrorCode.INCOMPATIBLE_ARTIFACT, "foreign key " + Sql.printable(k.id())
              + " no longer holds over the restored rows: " + e.getMessage(), Map.of("reason", "OUTSIDE_REFERENCE",
              "object", Sql.printable(k.id())));
        }
      }
    }
    // 6. Materialized views that held data, over the restored rows.
    for (String m : backup.populated()) {
      SchemaObject o = backupById.get(m);
      if (o != null && (diff.create().contains(m) || diff.change().contains(m) || !dry)) {
        Jdbc.exec(c, "REFRESH MATERIALIZED VIEW " + m.substring("materialized view ".length()));
      }
    }
    if (staging != null) {
      staging.dropSchemas(c);
    }
    Jdbc.exec(c, "SET CONSTRAINTS ALL IMMEDIATE");
  }

  private static long before(TableData.Header h, Map<String, Long> beforeCounts) {
    return beforeCounts.getOrDefault(h.resourceName(), 0L);
  }

  private static boolean touches(SchemaObject fk, Set<String> kept, DatabaseSchema backup) {
    if (fk.table() != null && kept.contains(fk.table())) {
      return true;
    }
    for (String t : kept) {
      if (fk.dependsOn().contains(SchemaDiff.tableId(backup, t))) {
        return true;
      }
    }
    return false;
  }
}
