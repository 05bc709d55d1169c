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
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import javax.sql.DataSource;
import org.postgresql.PGConnection;

/**
 * Plan and restore of format 2 backups (database artifact + COPY data), in ONE transaction: what differs
 * from the backup is dropped and created again from the backup's statements, rows are loaded with
 * {@code COPY}, then keys, indexes, triggers and the rest are built, materialized views refreshed and,
 * last, every sequence set. The plan runs the same steps and rolls back, except that tables which exist
 * and keep their definition are validated through temporary tables instead of being emptied (so a
 * preview takes no lock that blocks the application).
 */
public final class DatabaseRestore {
  /** What kinds of objects in the live database, absent from the backup, a restore removes. */
  private static final Set<String> DROPPED_WHEN_EXTRA = Set.of("function", "view", "matview", "trigger", "policy", "rule",
      "statistics", "index", "constraint", "foreign-key", "default", "comment", "acl", "default-acl");

  private final DataSource ds;
  private final Settings settings;
  private final String datastoreId;
  private final String type;

  public DatabaseRestore(DataSource ds, Settings settings, String datastoreId, String type) {
    this.ds = ds;
    this.settings = settings;
    this.datastoreId = datastoreId;
    this.type = type;
  }

  public static boolean handles(RestoreContext ctx) {
    return ctx.artifacts().find(DatabaseArtifact.JSON).isPresent();
  }

  /** What the restore will do to the schema, object by object. */
  private record Diff(
      Set<String> create, Set<String> change, Set<String> drop, Set<String> keptTables, List<String> lines,
      List<String> warnings, List<OutsideKey> outsideKeys) {}

  /** One table's side of the diff. */
  private record Rows(long before, long after, long lost, boolean created, List<String> columnChanges) {}

  /** A foreign key of a table outside the restore that references a restored table: dropped and added back. */
  private record OutsideKey(String table, String name, String definition, String referenced) {}

  // ----------------------------------------------------------------------------------------- entry points

  public DatastorePlan plan(RestoreContext ctx) throws IOException {
    DatabaseSchema backup = readBackup(ctx);
    Map<String, TableData.Header> headers = headers(ctx, backup);
    List<ResourceDiff> diffs = new ArrayList<>();
    List<String> warnings = new ArrayList<>();
    try (Connection c = ds.getConnection()) {
      c.setAutoCommit(false);
      try {
        prepare(c);
        int targetVersion = checkTarget(c, backup);
        DatabaseSchema live = SchemaReader.read(c, t -> true, true);
        Diff diff = diff(backup, live, headers.keySet(), ctx);
        warnings.addAll(diff.warnings());
        Map<String, Rows> counts = new LinkedHashMap<>();
        exec(c, "SAVEPOINT maintenance_plan");
        try {
          apply(c, ctx, backup, live, diff, headers, true, counts, null);
        } catch (SQLException e) {
          throw refusal(e, backup, targetVersion);
        }
        exec(c, "ROLLBACK TO SAVEPOINT maintenance_plan");
        diffs.add(new ResourceDiff(Fingerprints.SCHEMA_KIND, Fingerprints.SCHEMA,
            diff.change().isEmpty() && diff.drop().isEmpty() ? (diff.create().isEmpty() ? ChangeKind.UNCHANGED : ChangeKind.CREATE)
                : ChangeKind.REPLACE,
            List.of(new CountChange("objects", scopeCount(live, backup), backup.objects().size())), diff.lines(), diff.drop().size()));
        for (TableData.Header h : headers.values()) {
          Rows n = counts.get(h.resourceName());
          ChangeKind change = n.created() ? ChangeKind.CREATE
              : n.before() == n.after() && n.lost() == 0 && n.columnChanges().isEmpty() ? ChangeKind.UNCHANGED : ChangeKind.REPLACE;
          diffs.add(new ResourceDiff("table", h.resourceName(), change, List.of(new CountChange("rows", n.before(), n.after())),
              n.columnChanges(), n.lost()));
        }
      } finally {
        c.rollback();
      }
    } catch (SQLException e) {
      throw PostgresErrors.datastore("planning the restore failed", e);
    }
    if (!backup.unsupported().isEmpty()) {
      warnings.add("not in the backup (not supported): " + String.join(", ", backup.unsupported()));
    }
    return new DatastorePlan(datastoreId, type, diffs, warnings);
  }

  public RestoreOutcome restore(RestoreContext ctx) throws IOException {
    DatabaseSchema backup = readBackup(ctx);
    Map<String, TableData.Header> headers = headers(ctx, backup);
    List<ResourceSummary> resources = new ArrayList<>();
    Staging staging = null;
    try (Connection c = ds.getConnection()) {
      c.setAutoCommit(false);
      boolean committed = false;
      try {
        prepare(c);
        int targetVersion = checkTarget(c, backup);
        DatabaseSchema live = SchemaReader.read(c, t -> true, true);
        Diff diff = diff(backup, live, headers.keySet(), ctx);
        Map<String, Rows> counts = new LinkedHashMap<>();
        try {
          staging = settings.jobs() > 1 ? stage(ctx, backup, live, diff, headers) : null;
          apply(c, ctx, backup, live, diff, headers, false, counts, staging);
        } catch (SQLException e) {
          throw refusal(e, backup, targetVersion);
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
        c.commit();
        committed = true;
      } finally {
        if (!committed) {
          c.rollback();
        }
      }
    } catch (SQLException e) {
      throw PostgresErrors.datastore("restore failed and was rolled back", e);
    } finally {
      if (staging != null) {
        // After the commit or the rollback: nothing of the restore's transaction holds a staged table any more.
        staging.close();
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
          String id = tableId(backup, table);
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

  // ----------------------------------------------------------------------------------------- checks

  /**
   * What the preview can tell before running anything: the roles the objects name and the extensions
   * they need must exist on the target. Returns the target's version.
   */
  private static int checkTarget(Connection c, DatabaseSchema backup) throws SQLException {
    int version;
    try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT current_setting('server_version_num')::int")) {
      rs.next();
      version = rs.getInt(1);
    }
    List<String> missingRoles = missing(c, "SELECT 1 FROM pg_roles WHERE rolname = ?", backup.roles());
    if (!missingRoles.isEmpty()) {
      throw new MaintenanceException(ErrorCode.INCOMPATIBLE_ARTIFACT, "the target lacks the role(s) "
          + String.join(", ", missingRoles.stream().map(Sql::printable).toList()) + " that own or are granted objects of the"
          + " backup; create them first (roles belong to the cluster, not to the database)",
          Map.of("reason", "ROLE_MISSING", "roles", Sql.printable(String.join(",", missingRoles))));
    }
    List<String> missingExtensions = missing(c, "SELECT 1 FROM pg_available_extensions WHERE name = ?",
        List.copyOf(backup.extensions().keySet()));
    if (!missingExtensions.isEmpty()) {
      throw new MaintenanceException(ErrorCode.INCOMPATIBLE_ARTIFACT, "the target server cannot install the extension(s) "
          + String.join(", ", missingExtensions.stream().map(Sql::printable).toList()) + " the backup uses",
          Map.of("reason", "EXTENSION_MISSING", "extensions", Sql.printable(String.join(",", missingExtensions))));
    }
    return version;
  }

  /** The names for which {@code sql} (one parameter) finds no row. */
  private static List<String> missing(Connection c, String sql, List<String> names) throws SQLException {
    List<String> out = new ArrayList<>();
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      for (String name : names) {
        ps.setString(1, name);
        try (ResultSet rs = ps.executeQuery()) {
          if (!rs.next()) {
            out.add(name);
          }
        }
      }
    }
    return out;
  }

  /** A statement the target could not run: an older server, a missing collation, or a bad artifact. */
  private static MaintenanceException refusal(SQLException e, DatabaseSchema backup, int targetVersion) {
    if (e.getCause() instanceof MaintenanceException me) {
      return me;
    }
    String state = e.getSQLState() == null ? "" : e.getSQLState();
    String message = e.getMessage() + " (SQLSTATE " + state + ")";
    if (targetVersion / 10000 < backup.major()) {
      return new MaintenanceException(ErrorCode.INCOMPATIBLE_ARTIFACT, "the backup was taken from PostgreSQL "
          + backup.serverVersion() + " and uses something this older server (" + targetVersion / 10000 + ") lacks: " + message,
          Map.of("reason", "SERVER_TOO_OLD", "sourceVersion", backup.serverVersion(),
              "targetVersion", Integer.toString(targetVersion), "sqlState", state));
    }
    if (message.contains("collation") || message.contains("locale")) {
      return new MaintenanceException(ErrorCode.INCOMPATIBLE_ARTIFACT, "a collation of the backup cannot be created here: " + message,
          Map.of("reason", "COLLATION_MISSING", "sqlState", state));
    }
    if (e instanceof StatementFailure sf) {
      return new MaintenanceException(ErrorCode.INCOMPATIBLE_ARTIFACT, "object " + Sql.printable(sf.object) + " cannot be"
          + " restored here: " + message, Map.of("reason", "STATEMENT_FAILED", "object", Sql.printable(sf.object), "sqlState", state));
    }
    return PostgresErrors.datastore("the restore cannot be applied", e);
  }

  /** A schema statement that failed, naming its object. */
  private static final class StatementFailure extends SQLException {
    final String object;

    StatementFailure(String object, SQLException cause) {
      super(cause.getMessage(), cause.getSQLState(), cause);
      this.object = object;
    }
  }

  // ----------------------------------------------------------------------------------------- diff

  private static long scopeCount(DatabaseSchema live, DatabaseSchema backup) {
    Set<String> ids = new HashSet<>();
    backup.objects().forEach(o -> ids.add(o.id()));
    return live.objects().stream().filter(o -> ids.contains(o.id())).count();
  }

  private Diff diff(DatabaseSchema backup, DatabaseSchema live, Set<String> tables, RestoreContext ctx) {
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
    return new Diff(create, change, drop, keptTables, lines, warnings, outside);
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

  private static String tableId(DatabaseSchema backup, String table) {
    for (SchemaObject o : backup.objects()) {
      if (o.kind().equals("table") && table.equals(o.table())) {
        return o.id();
      }
    }
    return null;
  }

  // ----------------------------------------------------------------------------------------- apply

  /**
   * The restore's steps. {@code dry}: kept tables are not emptied; their rows go to temporary tables, and
   * counts[table] = {before, after, lost, created?1:0} describe the diff.
   */
  /** Starts loading, on other connections, the tables that can be staged (see {@link Staging}). */
  private Staging stage(RestoreContext ctx, DatabaseSchema backup, DatabaseSchema live, Diff diff,
      Map<String, TableData.Header> headers) throws SQLException {
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

  private void apply(Connection c, RestoreContext ctx, DatabaseSchema backup, DatabaseSchema live, Diff diff,
      Map<String, TableData.Header> headers, boolean dry, Map<String, Rows> counts, Staging staging)
      throws SQLException, IOException {
    exec(c, "SET LOCAL check_function_bodies = false");
    exec(c, "SET CONSTRAINTS ALL DEFERRED");
    Map<String, SchemaObject> liveById = live.byId();
    Map<String, Long> beforeCounts = new LinkedHashMap<>();
    Map<String, List<String>> liveColumns = new LinkedHashMap<>();
    for (TableData.Header h : headers.values()) {
      if (liveById.containsKey(tableId(backup, h.resourceName()))) {
        beforeCounts.put(h.resourceName(), count(c, h.qualified()));
        liveColumns.put(h.resourceName(), dataColumns(c, h.qualified()));
      }
    }
    // 1. Drop what changes or goes, dependents first (a dropped table takes its parts with it).
    List<SchemaObject> liveOrder = new ArrayList<>(live.objects());
    java.util.Collections.reverse(liveOrder);
    for (SchemaObject l : liveOrder) {
      if ((diff.change().contains(l.id()) || diff.drop().contains(l.id())) && live.drops().containsKey(l.id())) {
        dropIfExists(c, l.id(), live.drops().get(l.id()));
      }
    }
    // 2. Foreign keys on or into kept tables go while their rows are replaced.
    Set<String> kept = diff.keptTables();
    List<SchemaObject> keysToAddBack = new ArrayList<>();
    if (!dry && !kept.isEmpty()) {
      for (SchemaObject l : live.objects()) {
        if (l.kind().equals("foreign-key") && !diff.drop().contains(l.id()) && !diff.change().contains(l.id())
            && touches(l, kept, backup)) {
          dropIfExists(c, l.id(), live.drops().get(l.id()));
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
            && !o.id().startsWith("index-use ") && o.sql().size() == 1 && dropIfUnused(c, live.drops().get(o.id()))) {
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
          run(c, new SchemaObject(o.id(), o.kind(), o.schema(), o.table(), o.section(), o.sql().subList(1, o.sql().size()),
              o.dependsOn()), backup);
        } else {
          run(c, o, backup);
        }
      }
    }
    // 4. Rows.
    if (!dry && !kept.isEmpty()) {
      exec(c, "TRUNCATE ONLY " + String.join(", ", kept.stream().map(t -> headers.get(t).qualified()).toList()));
    }
    int temp = 0;
    for (TableData.Header h : headers.values()) {
      ctx.ensureActive();
      boolean isKept = kept.contains(h.resourceName());
      boolean existed = beforeCounts.containsKey(h.resourceName());
      long before = before(h, beforeCounts);
      List<String> columnChanges = existed && !isKept ? columnChanges(h, liveColumns.get(h.resourceName())) : List.of();
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
        checkColumns(c, h, h.qualified()); // before the header's names are used in any statement
        String t = "pg_temp." + Sql.quote("maintenance_plan_" + temp++);
        // The live table's own column types (the header's are compared, never run as SQL).
        exec(c, "CREATE TEMP TABLE " + t + " AS SELECT " + (h.columns().isEmpty() ? "" : h.columnList().substring(2,
            h.columnList().length() - 1)) + " FROM ONLY " + h.qualified() + " WITH NO DATA");
        long after = load(c, ctx, h, t);
        List<String> key = primaryKey(c, h.qualified());
        duplicateKeys(c, h, t, key);
        checkOutsideKeys(c, h, t, headers.keySet());
        counts.put(h.resourceName(), new Rows(before, after, lost(c, h, t, key), false, List.of()));
        exec(c, "DROP TABLE " + t);
      } else {
        checkColumns(c, h, h.qualified());
        // Loading restores rows, it is not the application writing them: user triggers of kept tables stay quiet.
        List<String[]> quiet = isKept && settings.disableTriggers() ? enabledTriggers(c, h.qualified()) : List.of();
        for (String[] t : quiet) {
          exec(c, "ALTER TABLE " + h.qualified() + " DISABLE TRIGGER " + Sql.quote(t[0]));
        }
        long after = load(c, ctx, h, h.qualified());
        for (String[] t : quiet) {
          exec(c, "ALTER TABLE " + h.qualified() + " ENABLE " + ("R".equals(t[1]) ? "REPLICA " : "A".equals(t[1]) ? "ALWAYS " : "")
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
          run(c, o, backup);
        } catch (StatementFailure e) {
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
            exec(c, sql);
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
        exec(c, "REFRESH MATERIALIZED VIEW " + m.substring("materialized view ".length()));
      }
    }
    if (staging != null) {
      staging.dropSchemas(c);
    }
    exec(c, "SET CONSTRAINTS ALL IMMEDIATE");
  }

  /** User triggers of a table that are enabled, with their mode (O, R or A). */
  private static List<String[]> enabledTriggers(Connection c, String table) throws SQLException {
    List<String[]> out = new ArrayList<>();
    try (PreparedStatement ps = c.prepareStatement("SELECT tgname, tgenabled::text FROM pg_trigger WHERE tgrelid = ?::regclass"
        + " AND NOT tgisinternal AND tgenabled <> 'D' ORDER BY tgname")) {
      ps.setString(1, table);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          out.add(new String[] {rs.getString(1), rs.getString(2)});
        }
      }
    }
    return out;
  }

  private static long before(TableData.Header h, Map<String, Long> beforeCounts) {
    return beforeCounts.getOrDefault(h.resourceName(), 0L);
  }

  private static boolean touches(SchemaObject fk, Set<String> kept, DatabaseSchema backup) {
    if (fk.table() != null && kept.contains(fk.table())) {
      return true;
    }
    for (String t : kept) {
      if (fk.dependsOn().contains(tableId(backup, t))) {
        return true;
      }
    }
    return false;
  }

  /**
   * Foreign keys of tables outside the restore into a kept table: every referencing row (all key columns
   * set, as MATCH SIMPLE checks) must find its key among the backup's rows, now in {@code temp}; else the
   * restore could not add the key back, and the preview says so.
   */
  private static void checkOutsideKeys(Connection c, TableData.Header h, String temp, Set<String> restored) throws SQLException {
    List<String[]> keys = new ArrayList<>();
    try (PreparedStatement ps = c.prepareStatement("SELECT co.conname, quote_ident(n.nspname) || '.' || quote_ident(r.relname),"
        + " n.nspname, r.relname,"
        + " (SELECT string_agg(quote_ident(a.attname), ',' ORDER BY k.ord) FROM unnest(co.conkey) WITH ORDINALITY k(num, ord)"
        + "   JOIN pg_attribute a ON a.attrelid = co.conrelid AND a.attnum = k.num),"
        + " (SELECT string_agg(quote_ident(a.attname), ',' ORDER BY k.ord) FROM unnest(co.confkey) WITH ORDINALITY k(num, ord)"
        + "   JOIN pg_attribute a ON a.attrelid = co.confrelid AND a.attnum = k.num)"
        + " FROM pg_constraint co JOIN pg_class r ON r.oid = co.conrelid JOIN pg_namespace n ON n.oid = r.relnamespace"
        + " WHERE co.contype = 'f' AND co.conparentid = 0 AND co.confrelid = ?::regclass")) {
      ps.setString(1, h.qualified());
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          if (!restored.contains(Sql.resourceName(rs.getString(3), rs.getString(4)))) {
            keys.add(new String[] {rs.getString(1), rs.getString(2), rs.getString(5), rs.getString(6), rs.getString(3) + "."
                + rs.getString(4)});
          }
        }
      }
    }
    for (String[] k : keys) {
      String[] from = k[2].split(",");
      String[] to = k[3].split(",");
      StringBuilder where = new StringBuilder();
      StringBuilder match = new StringBuilder();
      for (int i = 0; i < from.length; i++) {
        where.append(" AND o.").append(from[i]).append(" IS NOT NULL");
        match.append(i == 0 ? "" : " AND ").append("b.").append(to[i]).append(" = o.").append(from[i]);
      }
      long dangling;
      try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT count(*) FROM " + k[1] + " o WHERE true"
          + where + " AND NOT EXISTS (SELECT 1 FROM " + temp + " b WHERE " + match + ")")) {
        rs.next();
        dangling = rs.getLong(1);
      }
      if (dangling > 0) {
        throw new MaintenanceException(ErrorCode.INCOMPATIBLE_ARTIFACT, dangling + " row(s) of " + Sql.printable(k[4])
            + ", which is not in the restore, reference rows of " + Sql.printable(h.resourceName()) + " that the backup does not"
            + " have (foreign key " + Sql.printable(k[0]) + "); include that table, or remove those rows first",
            Map.of("reason", "OUTSIDE_REFERENCE", "table", Sql.printable(k[4]), "constraint", Sql.printable(k[0]),
                "references", Sql.printable(h.resourceName()), "rows", Long.toString(dangling)));
      }
    }
  }

  private static void run(Connection c, SchemaObject o, DatabaseSchema backup) throws SQLException {
    for (String sql : o.sql()) {
      String statement = sql;
      if (o.kind().equals("extension")) {
        statement = withVersion(c, sql, backup);
      }
      try {
        exec(c, statement);
      } catch (SQLException e) {
        throw new StatementFailure(o.id(), e);
      }
    }
  }

  /** CREATE EXTENSION with the backup's version when the target has it, else the target's default. */
  private static String withVersion(Connection c, String sql, DatabaseSchema backup) throws SQLException {
    for (Map.Entry<String, String> e : backup.extensions().entrySet()) {
      if (sql.startsWith("CREATE EXTENSION IF NOT EXISTS " + quoteIdent(c, e.getKey()) + " ")
          && e.getValue().matches("[A-Za-z0-9._-]+")) {
        try (PreparedStatement ps = c.prepareStatement("SELECT 1 FROM pg_available_extension_versions WHERE name = ? AND version = ?")) {
          ps.setString(1, e.getKey());
          ps.setString(2, e.getValue());
          try (ResultSet rs = ps.executeQuery()) {
            if (rs.next()) {
              return sql + " VERSION " + SchemaReader.literal(e.getValue());
            }
          }
        }
      }
    }
    return sql;
  }

  /** Drops an index or key unless something depends on it (then it stays and is maintained while loading). */
  private static boolean dropIfUnused(Connection c, String drop) throws SQLException {
    exec(c, "SAVEPOINT maintenance_rebuild");
    try {
      exec(c, drop);
      exec(c, "RELEASE SAVEPOINT maintenance_rebuild");
      return true;
    } catch (SQLException e) {
      exec(c, "ROLLBACK TO SAVEPOINT maintenance_rebuild");
      return false;
    }
  }

  private static String quoteIdent(Connection c, String name) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement("SELECT quote_ident(?)")) {
      ps.setString(1, name);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return rs.getString(1);
      }
    }
  }

  private static void dropIfExists(Connection c, String id, String drop) throws SQLException {
    exec(c, "SAVEPOINT maintenance_drop");
    try {
      exec(c, drop);
      exec(c, "RELEASE SAVEPOINT maintenance_drop");
    } catch (SQLException e) {
      exec(c, "ROLLBACK TO SAVEPOINT maintenance_drop");
      String state = e.getSQLState() == null ? "" : e.getSQLState();
      // Gone already with what it belonged to (a table's index, a dropped view's comment).
      if (!state.equals("42P01") && !state.equals("42704") && !state.equals("42883") && !state.equals("3F000")) {
        throw new StatementFailure(id, e);
      }
    }
  }

  /** The table must have exactly the header's data columns and types, in order, before its rows are loaded. */
  private static void checkColumns(Connection c, TableData.Header h, String target) throws SQLException {
    List<String> actual = new ArrayList<>();
    try (PreparedStatement ps = c.prepareStatement("SELECT a.attname, format_type(a.atttypid, a.atttypmod) FROM pg_attribute a"
        + " WHERE a.attrelid = ?::regclass AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = '' ORDER BY a.attnum")) {
      ps.setString(1, target);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          actual.add(rs.getString(1) + " " + rs.getString(2));
        }
      }
    }
    List<String> expected = h.columns().stream().map(col -> col.name() + " " + col.type()).toList();
    if (!actual.equals(expected)) {
      throw PostgresErrors.artifact(h.resourceName(), 0, "its header's columns " + expected + " do not match the table's " + actual);
    }
  }

  private static long load(Connection c, RestoreContext ctx, TableData.Header h, String target) throws SQLException, IOException {
    return loadInto(c, ctx, h, target);
  }

  /** COPY of a table's data artifact into {@code target}; the server's row count must be the header's. */
  static long loadInto(Connection c, RestoreContext ctx, TableData.Header h, String target) throws SQLException, IOException {
    long rows = 0;
    for (String part : h.data()) {
      try (InputStream in = ctx.artifacts().open(part)) {
        try {
          rows += c.unwrap(PGConnection.class).getCopyAPI().copyIn("COPY " + target + h.columnList() + " FROM STDIN", in, 256 * 1024);
        } catch (SQLException e) {
          throw PostgresErrors.load(h.resourceName(), e, rows);
        }
        while (in.read() >= 0) {
          // COPY stopped at its end marker or the stream's end; the source verifies on reading the rest
        }
      }
      ctx.ensureActive();
    }
    if (rows != h.rowCount()) {
      throw PostgresErrors.artifact(h.resourceName(), 0, "declares " + h.rowCount() + " rows but its data holds " + rows);
    }
    ctx.progress().onProgress("table " + h.resourceName(), rows, rows);
    return rows;
  }

  /**
   * Live rows that will not exist afterwards: by primary key when the table has one (a changed row is not
   * lost), else live rows with no identical row in the backup (multiset difference of their text form).
   */
  private static long lost(Connection c, TableData.Header h, String temp, List<String> key) throws SQLException {
    if (h.columns().isEmpty()) {
      return 0;
    }
    if (!key.isEmpty()) {
      String l = String.join(", ", key.stream().map(k -> "l." + Sql.quote(k)).toList());
      String b = String.join(", ", key.stream().map(k -> "b." + Sql.quote(k)).toList());
      try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT count(*) FROM ONLY " + h.qualified()
          + " l WHERE NOT EXISTS (SELECT 1 FROM " + temp + " b WHERE (" + b + ") = (" + l + "))")) {
        rs.next();
        return rs.getLong(1);
      }
    }
    String row = String.join(", ", h.columns().stream().map(col -> Sql.quote(col.name())).toList());
    try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT count(*) FROM (SELECT ROW(" + row
        + ")::text FROM ONLY " + h.qualified() + " EXCEPT ALL SELECT ROW(" + row + ")::text FROM " + temp + ") d")) {
      rs.next();
      return rs.getLong(1);
    }
  }

  /** The primary key's columns of a live table (empty without one). */
  private static List<String> primaryKey(Connection c, String table) throws SQLException {
    List<String> out = new ArrayList<>();
    try (PreparedStatement ps = c.prepareStatement("SELECT a.attname FROM pg_index i"
        + " JOIN LATERAL unnest(i.indkey) WITH ORDINALITY k(attnum, ord) ON true"
        + " JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum"
        + " WHERE i.indrelid = ?::regclass AND i.indisprimary ORDER BY k.ord")) {
      ps.setString(1, table);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          out.add(rs.getString(1));
        }
      }
    }
    return out;
  }

  /** The backup's rows must keep the live table's primary key unique: found at preview, not at confirm. */
  private static void duplicateKeys(Connection c, TableData.Header h, String temp, List<String> key) throws SQLException {
    if (key.isEmpty()) {
      return;
    }
    String cols = String.join(", ", key.stream().map(Sql::quote).toList());
    try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT count(*) FROM (SELECT 1 FROM " + temp
        + " GROUP BY " + cols + " HAVING count(*) > 1) d")) {
      rs.next();
      if (rs.getLong(1) > 0) {
        throw PostgresErrors.artifact(h.resourceName(), 0, rs.getLong(1) + " primary key value(s) occur more than once in the backup's rows")
            .with("reason", "DUPLICATE_KEY");
      }
    }
  }

  /** {@code name type} of a live table's data columns, in order. */
  private static List<String> dataColumns(Connection c, String table) throws SQLException {
    List<String> out = new ArrayList<>();
    try (PreparedStatement ps = c.prepareStatement("SELECT a.attname, format_type(a.atttypid, a.atttypmod) FROM pg_attribute a"
        + " WHERE a.attrelid = ?::regclass AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = '' ORDER BY a.attnum")) {
      ps.setString(1, table);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          out.add(rs.getString(1) + " " + rs.getString(2));
        }
      }
    }
    return out;
  }

  /** What a replaced table's columns go through, in words a reviewer reads. */
  static List<String> columnChanges(TableData.Header h, List<String> live) {
    List<String> out = new ArrayList<>();
    if (live == null) {
      return out;
    }
    Map<String, String> liveTypes = new LinkedHashMap<>();
    for (String col : live) {
      int sp = col.indexOf(' ');
      liveTypes.put(col.substring(0, sp), col.substring(sp + 1));
    }
    Set<String> names = new HashSet<>();
    for (TableData.Column col : h.columns()) {
      names.add(col.name());
      String now = liveTypes.get(col.name());
      String n = Sql.printable(col.name());
      if (now == null) {
        out.add("column " + n + " " + Sql.printable(col.type()) + " will be added");
      } else if (!now.equals(col.type())) {
        out.add("column " + n + " will change type " + now + " -> " + Sql.printable(col.type()));
      }
    }
    liveTypes.forEach((name, t) -> {
      if (!names.contains(name)) {
        out.add("column " + Sql.printable(name) + " " + t + " will be removed");
      }
    });
    if (out.isEmpty()) {
      out.add("table definition changes (see the schema resource); its rows are replaced");
    }
    return out;
  }

  private static long count(Connection c, String qualified) throws SQLException {
    try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT count(*) FROM ONLY " + qualified)) {
      rs.next();
      return rs.getLong(1);
    }
  }

  private void prepare(Connection c) throws SQLException {
    Catalog.configureSession(c);
    try (PreparedStatement ps = c.prepareStatement("SELECT set_config('lock_timeout', ?, true)")) {
      ps.setString(1, settings.lockTimeout().toMillis() + "ms");
      ps.executeQuery().close();
    }
  }

  private static void exec(Connection c, String sql) throws SQLException {
    try (Statement st = c.createStatement()) {
      st.execute(sql);
    }
  }
}
