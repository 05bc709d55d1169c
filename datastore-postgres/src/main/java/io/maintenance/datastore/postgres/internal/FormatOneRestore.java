package io.maintenance.datastore.postgres.internal;

import io.maintenance.api.ArtifactInfo;
import io.maintenance.api.ResourceSummary;
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
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import javax.sql.DataSource;

/**
 * Restore from a format 1 backup (rows inside the {@code *_postgres.json} table artifacts) or a plain SQL
 * dump, in one transaction: truncates or creates the live tables, loads them with COPY, replays the
 * scripts and commits only after every artifact was read and verified.
 */
public final class FormatOneRestore {
  private FormatOneRestore() {}

  public static RestoreOutcome restore(DataSource ds, Settings settings, RestoreContext ctx) throws IOException {
    List<ResourceSummary> resources = new ArrayList<>();
    List<String> warnings = new ArrayList<>();
    RestoreTransaction.commit(ds, settings, c -> {
      Jdbc.exec(c, "SET CONSTRAINTS ALL DEFERRED");
      List<ArtifactInfo> artifacts = FormatOneSteps.tableArtifacts(ctx, warnings);
      Set<String> truncated = truncateExisting(c, ctx);
      List<Ddl> foreignKeys = new ArrayList<>();
      Map<Table, List<SequenceValue>> sequences = new LinkedHashMap<>();
      for (ArtifactInfo a : artifacts) {
        resources.add(restoreTable(c, settings, ctx, a, foreignKeys, sequences, truncated));
      }
      for (Ddl fk : foreignKeys) {
        Jdbc.exec(c, fk.sql());
      }
      List<String> deferredSetval = new ArrayList<>();
      for (ArtifactInfo a : FormatOneSteps.legacyScripts(ctx)) {
        LegacyScript.Result r = FormatOneSteps.replay(c, ctx, a, deferredSetval);
        warnings.add("legacy SQL dump " + a.name() + " was replayed as a script (" + r.statements() + " statements)");
        resources.add(new ResourceSummary("script", a.name(), Map.of("statements", r.statements(), "rows", r.copiedRows())));
      }
      // Check deferred constraints now: setval is not transactional, so it must be the last step.
      Jdbc.exec(c, "SET CONSTRAINTS ALL IMMEDIATE");
      for (String setval : deferredSetval) {
        Jdbc.exec(c, setval);
      }
      for (Map.Entry<Table, List<SequenceValue>> e : sequences.entrySet()) {
        setSequences(c, e.getKey(), e.getValue());
      }
      return null;
    });
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
      Jdbc.exec(c, "TRUNCATE ONLY " + String.join(", ", targets));
    }
    return new java.util.HashSet<>(targets);
  }

  private static ResourceSummary restoreTable(
      Connection c, Settings settings, RestoreContext ctx, ArtifactInfo a, List<Ddl> foreignKeys, Map<Table, List<SequenceValue>> sequences,
      Set<String> truncated)
      throws IOException, SQLException {
    try (InputStream in = ctx.artifacts().open(a.name());
        FormatOneReader r = FormatOneReader.open(in, a.name())) {
      Table t = r.header();
      String name = t.resourceName();
      Optional<TableRef> live = Catalog.find(c, t.schema(), t.name());
      if (live.isPresent() && !FormatOneSteps.schemaChanges(t.columns(), Catalog.columns(c, live.get().oid())).isEmpty()) {
        FormatOneSteps.dropForReplace(c, t);
        live = Optional.empty();
      }
      List<Ddl> afterLoad = List.of();
      if (live.isEmpty()) {
        afterLoad = FormatOneSteps.createTable(c, t, foreignKeys);
      } else {
        FormatOneSteps.checkTypes(c, t);
        if (truncated.add(t.qualified())) {
          Jdbc.exec(c, "TRUNCATE ONLY " + t.qualified());
        }
      }
      boolean triggersOff = live.isPresent() && settings.disableTriggers() && hasUserTriggers(c, live.get().oid());
      if (triggersOff) {
        Jdbc.exec(c, "ALTER TABLE " + t.qualified() + " DISABLE TRIGGER USER");
      }
      List<String> rebuild = live.isPresent() ? dropIndexesForLoad(c, live.get()) : List.of();
      long rows = FormatOneSteps.load(c, t.qualified(), t, r, ctx);
      r.finish();
      for (Ddl d : afterLoad) {
        Jdbc.exec(c, d.sql());
      }
      for (String sql : rebuild) {
        try {
          Jdbc.exec(c, sql);
        } catch (SQLException e) {
          throw PostgresErrors.load(name, e); // e.g. a duplicate key in the backup's rows
        }
      }
      if (triggersOff) {
        Jdbc.exec(c, "ALTER TABLE " + t.qualified() + " ENABLE TRIGGER USER");
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
        throw PostgresErrors.load(name, e);
      }
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
      Jdbc.exec(c, sql);
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
}
