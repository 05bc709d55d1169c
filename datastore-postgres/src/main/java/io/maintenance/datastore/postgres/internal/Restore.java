package io.maintenance.datastore.postgres.internal;

import io.maintenance.api.ArtifactInfo;
import io.maintenance.api.ChangeKind;
import io.maintenance.api.CountChange;
import io.maintenance.api.DatastorePlan;
import io.maintenance.api.MaintenanceException;
import io.maintenance.api.ResourceDiff;
import io.maintenance.api.ResourceSummary;
import io.maintenance.datastore.postgres.internal.Model.Column;
import io.maintenance.datastore.postgres.internal.Model.Ddl;
import io.maintenance.datastore.postgres.internal.Model.SequenceValue;
import io.maintenance.datastore.postgres.internal.Model.Table;
import io.maintenance.datastore.postgres.internal.Model.TableRef;
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
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import javax.sql.DataSource;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyIn;
import org.postgresql.copy.CopyManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Plan (dry run) and restore. Both read every artifact to its end inside one transaction; the plan loads
 * rows into temporary tables (so the server's own input functions validate every value) and rolls back,
 * the restore truncates or creates the live tables, loads them with COPY and commits only after every
 * artifact was read and verified.
 */
public final class Restore {
  private static final Logger LOG = LoggerFactory.getLogger(Restore.class);

  private final DataSource ds;
  private final Settings settings;
  private final String datastoreId;
  private final String type;

  public Restore(DataSource ds, Settings settings, String datastoreId, String type) {
    this.ds = ds;
    this.settings = settings;
    this.datastoreId = datastoreId;
    this.type = type;
  }

  // ------------------------------------------------------------------ plan

  public DatastorePlan plan(RestoreContext ctx) throws IOException {
    List<ResourceDiff> diffs = new ArrayList<>();
    List<String> warnings = new ArrayList<>();
    try (Connection c = ds.getConnection()) {
      c.setAutoCommit(false);
      try {
        prepare(c);
        List<ArtifactInfo> artifacts = tableArtifacts(ctx, warnings);
        Set<String> restored = new LinkedHashSet<>();
        int i = 0;
        for (ArtifactInfo a : artifacts) {
          diffs.add(planTable(c, ctx, a, i++, restored));
        }
        for (ArtifactInfo a : legacyScripts(ctx)) {
          // Parsed, not executed: a script may call setval, which a rollback would not undo.
          LegacyScript.Result r = replay(null, ctx, a, new ArrayList<>());
          warnings.add("legacy SQL dump " + a.name() + " (" + r.statements() + " statements, " + r.copiedRows()
              + " COPY rows) will be replayed as a script; its effect cannot be previewed row by row");
          diffs.add(new ResourceDiff("script", a.name(), ChangeKind.REPLACE, List.of(), List.of(), 0));
        }
        warnings.addAll(outsideReferences(c, restored));
      } finally {
        c.rollback();
      }
    } catch (SQLException e) {
      throw Errors.datastore("planning the restore failed", e);
    }
    return new DatastorePlan(datastoreId, type, diffs, warnings);
  }

  private ResourceDiff planTable(Connection c, RestoreContext ctx, ArtifactInfo a, int index, Set<String> restored)
      throws IOException, SQLException {
    try (InputStream in = ctx.artifacts().open(a.name());
        TableArtifact.Reader r = TableArtifact.Reader.open(in, a.name())) {
      Table t = r.header();
      String name = t.resourceName();
      restored.add(name);
      Optional<TableRef> live = Catalog.find(c, t.schema(), t.name());
      List<String> schemaChanges = live.isPresent()
          ? schemaChanges(t.columns(), Catalog.columns(c, live.get().oid()))
          : List.of("table will be created");
      if (live.isEmpty()) {
        // Dry-run the creation too (rolled back with the plan) so bad schema statements fail the preview.
        createTable(c, t, new ArrayList<>());
      } else if (!schemaChanges.isEmpty()) {
        // Dry-run the replacement; rolling back to the savepoint also releases the table lock at once.
        exec(c, "SAVEPOINT maintenance_replace");
        dropForReplace(c, t);
        createTable(c, t, new ArrayList<>());
        exec(c, "ROLLBACK TO SAVEPOINT maintenance_replace");
      }
      createMissingTypes(c, t);
      checkTypes(c, t);
      if (!settings.validateRowsOnPlan()) {
        // Parse-only: arity and JSON types are checked, values are left to the server at confirm.
        long after = r.copyRows((buf, len) -> { }, done -> ctx.progress().onProgress("table " + name, done, -1));
        r.finish();
        long before = live.isPresent() ? count(c, live.get().qualified()) : 0;
        ChangeKind change = live.isPresent() ? ChangeKind.REPLACE : ChangeKind.CREATE;
        return new ResourceDiff("table", name, change, List.of(new CountChange("rows", before, after)), schemaChanges,
            Math.max(0, before - after));
      }
      String temp = "pg_temp." + Sql.quote("maintenance_plan_" + index);
      try (Statement st = c.createStatement()) {
        st.execute(createTempTable(temp, t));
      }
      long after = load(c, temp, t, r, ctx);
      r.finish();
      long before = 0;
      long lost = 0;
      ChangeKind change = ChangeKind.CREATE;
      if (live.isPresent()) {
        before = count(c, live.get().qualified());
        if (!schemaChanges.isEmpty()) {
          // The table is recreated in the backup's shape: every live row is replaced.
          change = ChangeKind.REPLACE;
          lost = before;
        } else {
          long differing = differingRows(c, live.get(), temp, t);
          lost = lostByKey(c, live.get(), temp, t).orElse(differing);
          change = before == after && differing == 0 ? ChangeKind.UNCHANGED : ChangeKind.REPLACE;
        }
      }
      try (Statement st = c.createStatement()) {
        st.execute("DROP TABLE " + temp);
      }
      return new ResourceDiff("table", name, change, List.of(new CountChange("rows", before, after)), schemaChanges, lost);
    }
  }

  private static String createTempTable(String temp, Table t) {
    StringBuilder sb = new StringBuilder("CREATE TEMP TABLE ").append(temp).append(" (");
    boolean first = true;
    for (Column col : t.dataColumns()) {
      sb.append(first ? "" : ", ").append(Sql.quote(col.name())).append(' ').append(col.type());
      if (col.notNull()) {
        sb.append(" NOT NULL");
      }
      first = false;
    }
    return sb.append(")").toString();
  }

  /** Rows of the live table that are not in the backup, by primary key; empty without a usable key. */
  private static Optional<Long> lostByKey(Connection c, TableRef live, String temp, Table t) throws SQLException {
    if (t.primaryKey().isEmpty()) {
      return Optional.empty();
    }
    List<String> livePk = pk(c, live.oid());
    if (!livePk.equals(t.primaryKey())) {
      return Optional.empty();
    }
    String l = t.primaryKey().stream().map(k -> "l." + Sql.quote(k)).collect(Collectors.joining(", "));
    String b = t.primaryKey().stream().map(k -> "b." + Sql.quote(k)).collect(Collectors.joining(", "));
    return Optional.of(countQuery(c, "SELECT count(*) FROM ONLY " + live.qualified() + " l WHERE NOT EXISTS (SELECT 1 FROM "
        + temp + " b WHERE (" + b + ") = (" + l + "))"));
  }

  /** Live rows that have no identical row in the backup (multiset difference of the rows' text form). */
  private static long differingRows(Connection c, TableRef live, String temp, Table t) throws SQLException {
    List<Column> cols = t.dataColumns();
    if (cols.isEmpty()) {
      return 0;
    }
    String row = cols.stream().map(col -> Sql.quote(col.name())).collect(Collectors.joining(", "));
    return countQuery(c, "SELECT count(*) FROM (SELECT md5(ROW(" + row + ")::text) FROM ONLY " + live.qualified()
        + " EXCEPT ALL SELECT md5(ROW(" + row + ")::text) FROM " + temp + ") d");
  }

  private static List<String> pk(Connection c, long oid) throws SQLException {
    List<String> out = new ArrayList<>();
    try (PreparedStatement ps = c.prepareStatement("""
        SELECT a.attname FROM pg_index i
          JOIN LATERAL unnest(i.indkey) WITH ORDINALITY k(attnum, ord) ON true
          JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
         WHERE i.indrelid = ? AND i.indisprimary ORDER BY k.ord""")) {
      ps.setLong(1, oid);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          out.add(rs.getString(1));
        }
      }
    }
    return out;
  }

  static List<String> schemaChanges(List<Column> backup, List<Column> live) {
    Map<String, Column> liveByName = new LinkedHashMap<>();
    live.forEach(col -> liveByName.put(col.name(), col));
    Map<String, Column> backupByName = new LinkedHashMap<>();
    backup.forEach(col -> backupByName.put(col.name(), col));
    List<String> out = new ArrayList<>();
    for (Column b : backup) {
      Column l = liveByName.get(b.name());
      String n = Sql.printable(b.name());
      if (l == null) {
        out.add("column " + n + " " + b.type() + " will be added");
      } else if (!l.type().equals(b.type())) {
        out.add("column " + n + " will change type " + l.type() + " -> " + b.type());
      } else if (l.notNull() != b.notNull() || l.generated() != b.generated()) {
        out.add("column " + n + " will change from " + l.signature() + " to " + b.signature());
      }
    }
    for (Column l : live) {
      if (!backupByName.containsKey(l.name())) {
        out.add("column " + Sql.printable(l.name()) + " " + l.type() + " will be removed");
      }
    }
    return out;
  }

  private static List<String> outsideReferences(Connection c, Set<String> restored) throws SQLException {
    List<String> warnings = new ArrayList<>();
    try (PreparedStatement ps = c.prepareStatement("""
        SELECT cn.nspname, ch.relname, pn.nspname, p.relname, co.conname
          FROM pg_constraint co
          JOIN pg_class ch ON ch.oid = co.conrelid JOIN pg_namespace cn ON cn.oid = ch.relnamespace
          JOIN pg_class p ON p.oid = co.confrelid JOIN pg_namespace pn ON pn.oid = p.relnamespace
         WHERE co.contype = 'f'""");
        ResultSet rs = ps.executeQuery()) {
      while (rs.next()) {
        String child = Sql.resourceName(rs.getString(1), rs.getString(2));
        String parent = Sql.resourceName(rs.getString(3), rs.getString(4));
        if (restored.contains(parent) && !restored.contains(child)) {
          warnings.add("table " + Sql.printable(child) + " (not in the backup) references " + Sql.printable(parent)
              + " through " + Sql.printable(rs.getString(5)) + ": the restore will fail unless it is included or the"
              + " constraint dropped");
        }
      }
    }
    return warnings;
  }

  // ------------------------------------------------------------------ restore

  public RestoreOutcome restore(RestoreContext ctx) throws IOException {
    List<ResourceSummary> resources = new ArrayList<>();
    List<String> warnings = new ArrayList<>();
    try (Connection c = ds.getConnection()) {
      c.setAutoCommit(false);
      boolean committed = false;
      try {
        prepare(c);
        try (Statement st = c.createStatement()) {
          st.execute("SET CONSTRAINTS ALL DEFERRED");
        }
        List<ArtifactInfo> artifacts = tableArtifacts(ctx, warnings);
        Set<String> truncated = truncateExisting(c, ctx);
        List<Ddl> foreignKeys = new ArrayList<>();
        Map<Table, List<SequenceValue>> sequences = new LinkedHashMap<>();
        for (ArtifactInfo a : artifacts) {
          resources.add(restoreTable(c, ctx, a, foreignKeys, sequences, truncated));
        }
        for (Ddl fk : foreignKeys) {
          exec(c, fk.sql());
        }
        List<String> deferredSetval = new ArrayList<>();
        for (ArtifactInfo a : legacyScripts(ctx)) {
          LegacyScript.Result r = replay(c, ctx, a, deferredSetval);
          warnings.add("legacy SQL dump " + a.name() + " was replayed as a script (" + r.statements() + " statements)");
          resources.add(new ResourceSummary("script", a.name(), Map.of("statements", r.statements(), "rows", r.copiedRows())));
        }
        // Check deferred constraints now: setval is not transactional, so it must be the last step.
        exec(c, "SET CONSTRAINTS ALL IMMEDIATE");
        for (String setval : deferredSetval) {
          exec(c, setval);
        }
        for (Map.Entry<Table, List<SequenceValue>> e : sequences.entrySet()) {
          setSequences(c, e.getKey(), e.getValue());
        }
        c.commit();
        committed = true;
      } finally {
        if (!committed) {
          c.rollback();
        }
      }
    } catch (SQLException e) {
      throw Errors.datastore("restore failed and was rolled back", e);
    }
    return new RestoreOutcome(resources, warnings);
  }

  /**
   * Empties the live tables the manifest lists, in one statement so that foreign keys among them do not
   * get in the way; returns their qualified names. A table the manifest does not list is emptied on its
   * own just before it is loaded.
   */
  private static Set<String> truncateExisting(Connection c, RestoreContext ctx) throws SQLException {
    Map<String, TableRef> live = Catalog.byResourceName(c);
    List<String> targets = ctx.manifest().resources().stream()
        .map(r -> live.get(r.name())).filter(java.util.Objects::nonNull).map(TableRef::qualified).distinct().toList();
    if (!targets.isEmpty()) {
      exec(c, "TRUNCATE ONLY " + String.join(", ", targets));
    }
    return new java.util.HashSet<>(targets);
  }

  private ResourceSummary restoreTable(
      Connection c, RestoreContext ctx, ArtifactInfo a, List<Ddl> foreignKeys, Map<Table, List<SequenceValue>> sequences,
      Set<String> truncated)
      throws IOException, SQLException {
    try (InputStream in = ctx.artifacts().open(a.name());
        TableArtifact.Reader r = TableArtifact.Reader.open(in, a.name())) {
      Table t = r.header();
      String name = t.resourceName();
      Optional<TableRef> live = Catalog.find(c, t.schema(), t.name());
      if (live.isPresent() && !schemaChanges(t.columns(), Catalog.columns(c, live.get().oid())).isEmpty()) {
        dropForReplace(c, t);
        live = Optional.empty();
      }
      List<Ddl> afterLoad = List.of();
      if (live.isEmpty()) {
        afterLoad = createTable(c, t, foreignKeys);
      } else {
        checkTypes(c, t);
        if (truncated.add(t.qualified())) {
          exec(c, "TRUNCATE ONLY " + t.qualified());
        }
      }
      boolean triggersOff = live.isPresent() && settings.disableTriggers() && hasUserTriggers(c, live.get().oid());
      if (triggersOff) {
        exec(c, "ALTER TABLE " + t.qualified() + " DISABLE TRIGGER USER");
      }
      List<String> rebuild = live.isPresent() ? dropIndexesForLoad(c, live.get()) : List.of();
      long rows = load(c, t.qualified(), t, r, ctx);
      r.finish();
      for (Ddl d : afterLoad) {
        exec(c, d.sql());
      }
      for (String sql : rebuild) {
        try {
          exec(c, sql);
        } catch (SQLException e) {
          throw Errors.load(name, e); // e.g. a duplicate key in the backup's rows
        }
      }
      if (triggersOff) {
        exec(c, "ALTER TABLE " + t.qualified() + " ENABLE TRIGGER USER");
      }
      sequences.put(t, t.sequences());
      return new ResourceSummary("table", name, Map.of("rows", rows));
    }
  }

  /** Sets owned sequences to their backed-up values (runs last: setval survives a rollback). */
  private static void setSequences(Connection c, Table t, List<SequenceValue> values) throws SQLException {
    String name = t.resourceName();
    for (SequenceValue s : values) {
      try (PreparedStatement ps = c.prepareStatement(
          "SELECT setval(pg_get_serial_sequence(?, ?), ?, ?) FROM (SELECT pg_get_serial_sequence(?, ?) s) q"
              + " WHERE q.s IS NOT NULL")) {
        ps.setString(1, t.qualified());
        ps.setString(2, s.column());
        ps.setLong(3, s.lastValue());
        ps.setBoolean(4, s.isCalled());
        ps.setString(5, t.qualified());
        ps.setString(6, s.column());
        ps.executeQuery().close();
      } catch (SQLException e) {
        throw Errors.load(name, e);
      }
    }
  }

  /**
   * Creates a missing table from its artifact (schema, types, sequences, table, checks) and checks that
   * the result has the header's columns. Returns what runs after the rows are loaded (keys, indexes,
   * sequence ownership); foreign keys are added to {@code foreignKeys}, to run after every table.
   */
  private static List<Ddl> createTable(Connection c, Table t, List<Ddl> foreignKeys) throws SQLException {
    String name = t.resourceName();
    exec(c, "CREATE SCHEMA IF NOT EXISTS " + Sql.quote(t.schema()));
    createMissingTypes(c, t);
    List<Ddl> afterLoad = new ArrayList<>();
    boolean created = false;
    for (Ddl d : t.ddl()) {
      String sql = DdlGuard.check(t, d);
      switch (d.kind()) {
        case "type" -> { }
        case "sequence" -> {
          if (!exists(c, "SELECT to_regclass(?) IS NOT NULL", d.object())) {
            exec(c, sql);
          }
        }
        case "table" -> {
          exec(c, sql);
          created = true;
        }
        case "check" -> exec(c, sql);
        case "foreign-key" -> foreignKeys.add(d);
        default -> afterLoad.add(d);
      }
    }
    if (!created) {
      throw Errors.artifact(name, 0, "the table does not exist and the artifact has no CREATE TABLE statement");
    }
    TableRef ref = Catalog.find(c, t.schema(), t.name()).orElseThrow(() ->
        Errors.artifact(name, 0, "its CREATE TABLE statement did not create the table"));
    List<String> mismatch = schemaChanges(t.columns(), Catalog.columns(c, ref.oid()));
    if (!mismatch.isEmpty()) {
      throw Errors.artifact(name, 0, "its schema statements do not match its columns: " + String.join("; ", mismatch));
    }
    return afterLoad;
  }

  /** The backup's shape wins; RESTRICT refuses (and the restore rolls back) if views or keys depend on the table. */
  private static void dropForReplace(Connection c, Table t) throws SQLException {
    try {
      exec(c, "DROP TABLE " + t.qualified() + " RESTRICT");
    } catch (SQLException e) {
      if ("2BP01".equals(e.getSQLState())) {
        throw Errors.artifact(t.resourceName(), 0, "its columns differ from the live table, which cannot be replaced"
            + " because other objects depend on it: " + e.getMessage());
      }
      throw e;
    }
  }

  /**
   * Drops the indexes (and the primary/unique keys they back) of an emptied table so that rows load
   * without per-row index maintenance, and returns the statements that rebuild them — all inside the
   * restore's transaction, definitions from the live catalog. Indexes that something else relies on stay:
   * those of keys referenced by foreign keys, the replica identity, clustered, partition-inherited or
   * commented ones, exclusion constraints.
   */
  private static List<String> dropIndexesForLoad(Connection c, TableRef t) throws SQLException {
    List<String> drop = new ArrayList<>();
    List<String> rebuild = new ArrayList<>();
    try (PreparedStatement ps = c.prepareStatement("""
        SELECT quote_ident(n.nspname) || '.' || quote_ident(ic.relname), pg_get_indexdef(i.indexrelid),
               con.conname, CASE WHEN con.oid IS NOT NULL THEN pg_get_constraintdef(con.oid) END
          FROM pg_index i
          JOIN pg_class ic ON ic.oid = i.indexrelid
          JOIN pg_namespace n ON n.oid = ic.relnamespace
          LEFT JOIN pg_constraint con ON con.conindid = i.indexrelid AND con.conrelid = i.indrelid
                                     AND con.contype IN ('p', 'u', 'x')
         WHERE i.indrelid = ? AND i.indisvalid AND NOT i.indisreplident AND NOT i.indisclustered
           AND (con.oid IS NULL OR (con.contype IN ('p', 'u') AND con.conparentid = 0))
           AND NOT EXISTS (SELECT 1 FROM pg_constraint f WHERE f.contype = 'f' AND f.conindid = i.indexrelid)
           AND NOT EXISTS (SELECT 1 FROM pg_inherits h WHERE h.inhrelid = i.indexrelid OR h.inhparent = i.indexrelid)
           AND NOT EXISTS (SELECT 1 FROM pg_description d WHERE d.objoid IN (i.indexrelid, con.oid))
         ORDER BY CASE WHEN con.contype = 'p' THEN 0 WHEN con.oid IS NOT NULL THEN 1 ELSE 2 END, ic.relname""")) {
      ps.setLong(1, t.oid());
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          String constraint = rs.getString(3);
          if (constraint == null) {
            drop.add("DROP INDEX " + rs.getString(1));
            rebuild.add(rs.getString(2));
          } else {
            drop.add("ALTER TABLE ONLY " + t.qualified() + " DROP CONSTRAINT " + Sql.quote(constraint));
            rebuild.add("ALTER TABLE ONLY " + t.qualified() + " ADD CONSTRAINT " + Sql.quote(constraint) + " "
                + rs.getString(4));
          }
        }
      }
    }
    for (String sql : drop) {
      exec(c, sql);
    }
    return rebuild;
  }

  private static boolean hasUserTriggers(Connection c, long oid) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement("SELECT EXISTS (SELECT 1 FROM pg_trigger WHERE tgrelid = ? AND NOT tgisinternal)")) {
      ps.setLong(1, oid);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return rs.getBoolean(1);
      }
    }
  }

  // ------------------------------------------------------------------ shared

  private void prepare(Connection c) throws SQLException {
    Catalog.configureSession(c);
    try (PreparedStatement ps = c.prepareStatement("SELECT set_config('lock_timeout', ?, true)")) {
      ps.setString(1, settings.lockTimeout().toMillis() + "ms");
      ps.executeQuery().close();
    }
  }

  /** The table artifacts in manifest order (the backup wrote parents before children). */
  private static List<ArtifactInfo> tableArtifacts(RestoreContext ctx, List<String> warnings) {
    List<ArtifactInfo> out = new ArrayList<>();
    for (ArtifactInfo a : ctx.artifacts().list()) {
      if (a.name().endsWith(TableArtifact.JSON_SUFFIX)) {
        out.add(a);
      } else if (!a.name().endsWith(".sql")) {
        warnings.add("artifact " + a.name() + " is not a table artifact of this plugin and is ignored");
      }
    }
    if (out.isEmpty() && legacyScripts(ctx).isEmpty()) {
      throw new MaintenanceException(io.maintenance.api.ErrorCode.INCOMPATIBLE_ARTIFACT,
          "the backup holds no " + TableArtifact.JSON_SUFFIX + " table artifacts and no SQL dump");
    }
    return out;
  }

  /** Plain SQL dumps from older versions or other tools, replayed as scripts after the table artifacts. */
  private static List<ArtifactInfo> legacyScripts(RestoreContext ctx) {
    List<String> names = ctx.artifacts().list().stream().map(ArtifactInfo::name).toList();
    return ctx.artifacts().list().stream().filter(a -> LegacyScript.isLegacy(a.name(), names)).toList();
  }

  private static LegacyScript.Result replay(Connection c, RestoreContext ctx, ArtifactInfo a, List<String> deferred)
      throws IOException, SQLException {
    try (InputStream in = ctx.artifacts().open(a.name());
        java.io.Reader r = new java.io.BufferedReader(new java.io.InputStreamReader(in,
            java.nio.charset.StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(java.nio.charset.CodingErrorAction.REPORT)), 64 * 1024)) {
      LegacyScript.Result result;
      try {
        result = LegacyScript.run(r, c, deferred, a.name());
      } catch (java.nio.charset.CharacterCodingException e) {
        throw Errors.artifact(a.name(), 0, "the SQL dump is not valid UTF-8");
      }
      // Read to the end so the integrity check runs before anything can commit.
      while (in.read() >= 0) {
        // drain
      }
      return result;
    }
  }

  /** Creates the enums and domains a table needs that do not exist (inside the caller's transaction). */
  private static void createMissingTypes(Connection c, Table t) throws SQLException {
    for (Ddl d : t.ddl()) {
      if (d.kind().equals("type") && !exists(c, "SELECT to_regtype(?) IS NOT NULL", d.object())) {
        exec(c, DdlGuard.check(t, d));
      }
    }
  }

  /**
   * Every column type must name an existing type. {@code to_regtype} parses the text as exactly one type
   * name, so a text that passes cannot smuggle anything else into the statements that embed it.
   */
  private static void checkTypes(Connection c, Table t) throws SQLException {
    for (Column col : t.columns()) {
      boolean ok;
      exec(c, "SAVEPOINT maintenance_type_check");
      try {
        ok = exists(c, "SELECT to_regtype(?) IS NOT NULL", col.type());
      } catch (SQLException e) {
        ok = false; // not even a type name
      }
      exec(c, ok ? "RELEASE SAVEPOINT maintenance_type_check" : "ROLLBACK TO SAVEPOINT maintenance_type_check");
      if (!ok) {
        throw Errors.artifact(t.resourceName(), 0, "column " + Sql.printable(col.name()) + " has type '"
            + Sql.printable(col.type()) + "', which does not exist here");
      }
    }
  }

  private long load(Connection c, String target, Table t, TableArtifact.Reader r, RestoreContext ctx)
      throws IOException, SQLException {
    String cols = t.dataColumns().stream().map(col -> Sql.quote(col.name())).collect(Collectors.joining(", "));
    CopyManager copy = c.unwrap(PGConnection.class).getCopyAPI();
    String name = t.resourceName();
    CopyIn in;
    try {
      // A table may have no data columns at all (CREATE TABLE t (), or only generated ones).
      in = copy.copyIn("COPY " + target + (cols.isEmpty() ? "" : " (" + cols + ")") + " FROM STDIN");
    } catch (SQLException e) {
      throw Errors.load(name, e);
    }
    boolean ended = false;
    try {
      long rows = r.copyRows((buf, len) -> in.writeToCopy(buf, 0, len), done -> ctx.progress().onProgress("table " + name, done, -1));
      in.endCopy();
      ended = true;
      return rows;
    } catch (SQLException e) {
      throw Errors.load(name, e);
    } finally {
      if (!ended && in.isActive()) {
        try {
          in.cancelCopy();
        } catch (SQLException e) {
          LOG.debug("cancelling COPY into {} failed", name, e);
        }
      }
    }
  }

  private static long count(Connection c, String qualified) throws SQLException {
    return countQuery(c, "SELECT count(*) FROM ONLY " + qualified);
  }

  private static long countQuery(Connection c, String sql) throws SQLException {
    try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    }
  }

  private static boolean exists(Connection c, String sql, String arg) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      ps.setString(1, arg);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return rs.getBoolean(1);
      }
    }
  }

  private static void exec(Connection c, String sql) throws SQLException {
    try (Statement st = c.createStatement()) {
      st.execute(sql);
    }
  }
}
