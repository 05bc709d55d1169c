package io.maintenance.datastore.postgres.internal;

import io.maintenance.datastore.postgres.internal.Refusals.StatementFailure;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Map;

/** Runs a backup's schema statements and the drops of the live objects they replace, naming the object that fails. */
final class SchemaStatements {
  private SchemaStatements() {}

  static void run(Connection c, SchemaObject o, DatabaseSchema backup) throws SQLException {
    for (String sql : o.sql()) {
      String statement = sql;
      if (o.kind().equals("extension")) {
        statement = withVersion(c, sql, backup);
      }
      try {
        Jdbc.exec(c, statement);
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
              return sql + " VERSION " + Sql.literal(e.getValue());
            }
          }
        }
      }
    }
    return sql;
  }

  /** Drops an index or key unless something depends on it (then it stays and is maintained while loading). */
  static boolean dropIfUnused(Connection c, String drop) throws SQLException {
    Jdbc.exec(c, "SAVEPOINT maintenance_rebuild");
    try {
      Jdbc.exec(c, drop);
      Jdbc.exec(c, "RELEASE SAVEPOINT maintenance_rebuild");
      return true;
    } catch (SQLException e) {
      Jdbc.exec(c, "ROLLBACK TO SAVEPOINT maintenance_rebuild");
      return false;
    }
  }

  static void dropIfExists(Connection c, String id, String drop) throws SQLException {
    Jdbc.exec(c, "SAVEPOINT maintenance_drop");
    try {
      Jdbc.exec(c, drop);
      Jdbc.exec(c, "RELEASE SAVEPOINT maintenance_drop");
    } catch (SQLException e) {
      Jdbc.exec(c, "ROLLBACK TO SAVEPOINT maintenance_drop");
      String state = e.getSQLState() == null ? "" : e.getSQLState();
      // Gone already with what it belonged to (a table's index, a dropped view's comment).
      if (!state.equals("42P01") && !state.equals("42704") && !state.equals("42883") && !state.equals("3F000")) {
        throw new StatementFailure(id, e);
      }
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
}
