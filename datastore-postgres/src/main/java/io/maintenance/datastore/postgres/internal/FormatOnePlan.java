package io.maintenance.datastore.postgres.internal;

import io.maintenance.api.ArtifactInfo;
import io.maintenance.api.ChangeKind;
import io.maintenance.api.CountChange;
import io.maintenance.api.DatastorePlan;
import io.maintenance.api.ResourceDiff;
import io.maintenance.datastore.postgres.internal.Model.Column;
import io.maintenance.datastore.postgres.internal.Model.Table;
import io.maintenance.datastore.postgres.internal.Model.TableRef;
import io.maintenance.spi.RestoreContext;
import java.io.IOException;
import java.io.InputStream;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import javax.sql.DataSource;

/**
 * The preview (dry run) of a restore from a format 1 backup (rows inside the {@code *_postgres.json}
 * table artifacts) or a plain SQL dump: reads every artifact to its end inside one transaction, loads the
 * rows into temporary tables (so the server's own input functions validate every value), compares them
 * with the live tables and rolls back.
 */
public final class FormatOnePlan {
  private FormatOnePlan() {}

  public static DatastorePlan plan(DataSource ds, Settings settings, RestoreContext ctx) throws IOException {
    List<ResourceDiff> diffs = new ArrayList<>();
    List<String> warnings = new ArrayList<>();
    RestoreTransaction.preview(ds, settings, c -> {
      List<ArtifactInfo> artifacts = FormatOneSteps.tableArtifacts(ctx, warnings);
      Set<String> restored = new LinkedHashSet<>();
      int i = 0;
      for (ArtifactInfo a : artifacts) {
        diffs.add(planTable(c, settings, ctx, a, i++, restored));
      }
      for (ArtifactInfo a : FormatOneSteps.legacyScripts(ctx)) {
        // Parsed, not executed: a script may call setval, which a rollback would not undo.
        LegacyScript.Result r = FormatOneSteps.replay(null, ctx, a, new ArrayList<>());
        warnings.add("legacy SQL dump " + a.name() + " (" + r.statements() + " statements, " + r.copiedRows()
            + " COPY rows) will be replayed as a script; its effect cannot be previewed row by row");
        diffs.add(new ResourceDiff("script", a.name(), ChangeKind.REPLACE, List.of(), List.of(), 0));
      }
      warnings.addAll(outsideReferences(c, restored));
      return null;
    });
    return new DatastorePlan(settings.datastoreId(), settings.type(), diffs, warnings);
  }

  private static ResourceDiff planTable(Connection c, Settings settings, RestoreContext ctx, ArtifactInfo a, int index, Set<String> restored)
      throws IOException, SQLException {
    try (InputStream in = ctx.artifacts().open(a.name());
        FormatOneReader r = FormatOneReader.open(in, a.name())) {
      Table t = r.header();
      String name = t.resourceName();
      restored.add(name);
      Optional<TableRef> live = Catalog.find(c, t.schema(), t.name());
      List<String> schemaChanges = live.isPresent()
          ? FormatOneSteps.schemaChanges(t.columns(), Catalog.columns(c, live.get().oid()))
          : List.of("table will be created");
      if (live.isEmpty()) {
        // Dry-run the creation too (rolled back with the plan) so bad schema statements fail the preview.
        FormatOneSteps.createTable(c, t, new ArrayList<>());
      } else if (!schemaChanges.isEmpty()) {
        // Dry-run the replacement; rolling back to the savepoint also releases the table lock at once.
        Jdbc.exec(c, "SAVEPOINT maintenance_replace");
        FormatOneSteps.dropForReplace(c, t);
        FormatOneSteps.createTable(c, t, new ArrayList<>());
        Jdbc.exec(c, "ROLLBACK TO SAVEPOINT maintenance_replace");
      }
      FormatOneSteps.createMissingTypes(c, t);
      FormatOneSteps.checkTypes(c, t);
      if (!settings.validateRowsOnPlan()) {
        // Parse-only: arity and JSON types are checked, values are left to the server at confirm.
        long after = r.copyRows((buf, len) -> { }, done -> ctx.progress().onProgress("table " + name, done, -1));
        r.finish();
        long before = live.isPresent() ? Jdbc.count(c, live.get().qualified()) : 0;
        ChangeKind change = live.isPresent() ? ChangeKind.REPLACE : ChangeKind.CREATE;
        return new ResourceDiff("table", name, change, List.of(new CountChange("rows", before, after)), schemaChanges,
            Math.max(0, before - after));
      }
      String temp = "pg_temp." + Sql.quote("maintenance_plan_" + index);
      try (Statement st = c.createStatement()) {
        st.execute(createTempTable(temp, t));
      }
      long after = FormatOneSteps.load(c, temp, t, r, ctx);
      r.finish();
      long before = 0;
      long lost = 0;
      ChangeKind change = ChangeKind.CREATE;
      if (live.isPresent()) {
        before = Jdbc.count(c, live.get().qualified());
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
    List<String> livePk = Catalog.primaryKey(c, live.qualified());
    if (!livePk.equals(t.primaryKey())) {
      return Optional.empty();
    }
    String l = t.primaryKey().stream().map(k -> "l." + Sql.quote(k)).collect(Collectors.joining(", "));
    String b = t.primaryKey().stream().map(k -> "b." + Sql.quote(k)).collect(Collectors.joining(", "));
    return Optional.of(Jdbc.number(c, "SELECT count(*) FROM ONLY " + live.qualified() + " l WHERE NOT EXISTS (SELECT 1 FROM "
        + temp + " b WHERE (" + b + ") = (" + l + "))"));
  }

  /** Live rows that have no identical row in the backup (multiset difference of the rows' text form). */
  private static long differingRows(Connection c, TableRef live, String temp, Table t) throws SQLException {
    List<Column> cols = t.dataColumns();
    if (cols.isEmpty()) {
      return 0;
    }
    String row = cols.stream().map(col -> Sql.quote(col.name())).collect(Collectors.joining(", "));
    return Jdbc.number(c, "SELECT count(*) FROM (SELECT md5(ROW(" + row + ")::text) FROM ONLY " + live.qualified()
        + " EXCEPT ALL SELECT md5(ROW(" + row + ")::text) FROM " + temp + ") d");
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
}
