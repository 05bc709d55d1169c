package io.maintenance.datastore.postgres.internal;

import io.maintenance.api.ArtifactInfo;
import io.maintenance.api.ErrorCode;
import io.maintenance.api.MaintenanceException;
import io.maintenance.datastore.postgres.internal.Model.Column;
import io.maintenance.datastore.postgres.internal.Model.Ddl;
import io.maintenance.datastore.postgres.internal.Model.Table;
import io.maintenance.datastore.postgres.internal.Model.TableRef;
import io.maintenance.spi.RestoreContext;
import java.io.IOException;
import java.io.InputStream;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyIn;
import org.postgresql.copy.CopyManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The steps {@link FormatOnePlan} and {@link FormatOneRestore} share: which artifacts a format 1 backup
 * holds (table artifacts, plain SQL dumps), creating or replacing a table from its artifact's statements,
 * checking its types, and loading its rows with COPY.
 */
final class FormatOneSteps {
  private static final Logger LOG = LoggerFactory.getLogger(FormatOneSteps.class);

  private FormatOneSteps() {}

  /** The table artifacts in manifest order (the backup wrote parents before children). */
  static List<ArtifactInfo> tableArtifacts(RestoreContext ctx, List<String> warnings) {
    List<ArtifactInfo> out = new ArrayList<>();
    for (ArtifactInfo a : ctx.artifacts().list()) {
      if (a.name().endsWith(TableArtifact.JSON_SUFFIX)) {
        out.add(a);
      } else if (!a.name().endsWith(".sql")) {
        warnings.add("artifact " + a.name() + " is not a table artifact of this plugin and is ignored");
      }
    }
    if (out.isEmpty() && legacyScripts(ctx).isEmpty()) {
      throw new MaintenanceException(ErrorCode.INCOMPATIBLE_ARTIFACT,
          "the backup holds no " + TableArtifact.JSON_SUFFIX + " table artifacts and no SQL dump");
    }
    return out;
  }

  /** Plain SQL dumps from older versions or other tools, replayed as scripts after the table artifacts. */
  static List<ArtifactInfo> legacyScripts(RestoreContext ctx) {
    List<String> names = ctx.artifacts().list().stream().map(ArtifactInfo::name).toList();
    return ctx.artifacts().list().stream().filter(a -> LegacyScript.isLegacy(a.name(), names)).toList();
  }

  static LegacyScript.Result replay(Connection c, RestoreContext ctx, ArtifactInfo a, List<String> deferred)
      throws IOException, SQLException {
    try (InputStream in = ctx.artifacts().open(a.name());
        java.io.Reader r = new java.io.BufferedReader(new java.io.InputStreamReader(in,
            java.nio.charset.StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(java.nio.charset.CodingErrorAction.REPORT)), 64 * 1024)) {
      LegacyScript.Result result;
      try {
        result = LegacyScript.run(r, c, deferred, a.name());
      } catch (java.nio.charset.CharacterCodingException e) {
        throw PostgresErrors.artifact(a.name(), 0, "the SQL dump is not valid UTF-8");
      }
      // Read to the end so the integrity check runs before anything can commit.
      while (in.read() >= 0) {
        // drain
      }
      return result;
    }
  }

  /**
   * Creates a missing table from its artifact (schema, types, sequences, table, checks) and checks that
   * the result has the header's columns. Returns what runs after the rows are loaded (keys, indexes,
   * sequence ownership); foreign keys are added to {@code foreignKeys}, to run after every table.
   */
  static List<Ddl> createTable(Connection c, Table t, List<Ddl> foreignKeys) throws SQLException {
    String name = t.resourceName();
    Jdbc.exec(c, "CREATE SCHEMA IF NOT EXISTS " + Sql.quote(t.schema()));
    createMissingTypes(c, t);
    List<Ddl> afterLoad = new ArrayList<>();
    boolean created = false;
    for (Ddl d : t.ddl()) {
      String sql = DdlGuard.check(t, d);
      switch (d.kind()) {
        case "type" -> { }
        case "sequence" -> {
          if (!Jdbc.exists(c, "SELECT to_regclass(?) IS NOT NULL", d.object())) {
            Jdbc.exec(c, sql);
          }
        }
        case "table" -> {
          Jdbc.exec(c, sql);
          created = true;
        }
        case "check" -> Jdbc.exec(c, sql);
        case "foreign-key" -> foreignKeys.add(d);
        default -> afterLoad.add(d);
      }
    }
    if (!created) {
      throw PostgresErrors.artifact(name, 0, "the table does not exist and the artifact has no CREATE TABLE statement");
    }
    TableRef ref = Catalog.find(c, t.schema(), t.name()).orElseThrow(() ->
        PostgresErrors.artifact(name, 0, "its CREATE TABLE statement did not create the table"));
    List<String> mismatch = schemaChanges(t.columns(), Catalog.columns(c, ref.oid()));
    if (!mismatch.isEmpty()) {
      throw PostgresErrors.artifact(name, 0, "its schema statements do not match its columns: " + String.join("; ", mismatch));
    }
    return afterLoad;
  }

  /** The backup's shape wins; RESTRICT refuses (and the restore rolls back) if views or keys depend on the table. */
  static void dropForReplace(Connection c, Table t) throws SQLException {
    try {
      Jdbc.exec(c, "DROP TABLE " + t.qualified() + " RESTRICT");
    } catch (SQLException e) {
      if ("2BP01".equals(e.getSQLState())) {
        throw PostgresErrors.artifact(t.resourceName(), 0, "its columns differ from the live table, which cannot be replaced"
            + " because other objects depend on it: " + e.getMessage());
      }
      throw e;
    }
  }

  /** Creates the enums and domains a table needs that do not exist (inside the caller's transaction). */
  static void createMissingTypes(Connection c, Table t) throws SQLException {
    for (Ddl d : t.ddl()) {
      if (d.kind().equals("type") && !Jdbc.exists(c, "SELECT to_regtype(?) IS NOT NULL", d.object())) {
        Jdbc.exec(c, DdlGuard.check(t, d));
      }
    }
  }

  /**
   * Every column type must name an existing type. {@code to_regtype} parses the text as exactly one type
   * name, so a text that passes cannot smuggle anything else into the statements that embed it.
   */
  static void checkTypes(Connection c, Table t) throws SQLException {
    for (Column col : t.columns()) {
      boolean ok;
      Jdbc.exec(c, "SAVEPOINT maintenance_type_check");
      try {
        ok = Jdbc.exists(c, "SELECT to_regtype(?) IS NOT NULL", col.type());
      } catch (SQLException e) {
        ok = false; // not even a type name
      }
      Jdbc.exec(c, ok ? "RELEASE SAVEPOINT maintenance_type_check" : "ROLLBACK TO SAVEPOINT maintenance_type_check");
      if (!ok) {
        throw PostgresErrors.artifact(t.resourceName(), 0, "column " + Sql.printable(col.name()) + " has type '"
            + Sql.printable(col.type()) + "', which does not exist here");
      }
    }
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

  static long load(Connection c, String target, Table t, FormatOneReader r, RestoreContext ctx)
      throws IOException, SQLException {
    String cols = t.dataColumns().stream().map(col -> Sql.quote(col.name())).collect(Collectors.joining(", "));
    CopyManager copy = c.unwrap(PGConnection.class).getCopyAPI();
    String name = t.resourceName();
    CopyIn in;
    try {
      // A table may have no data columns at all (CREATE TABLE t (), or only generated ones).
      in = copy.copyIn("COPY " + target + (cols.isEmpty() ? "" : " (" + cols + ")") + " FROM STDIN");
    } catch (SQLException e) {
      throw PostgresErrors.load(name, e);
    }
    boolean ended = false;
    try {
      long rows = r.copyRows((buf, len) -> in.writeToCopy(buf, 0, len), done -> ctx.progress().onProgress("table " + name, done, -1));
      in.endCopy();
      ended = true;
      return rows;
    } catch (SQLException e) {
      throw PostgresErrors.load(name, e);
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
}
