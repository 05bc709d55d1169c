package io.maintenance.datastore.postgres.internal;

import io.maintenance.api.ErrorCode;
import io.maintenance.api.MaintenanceException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Why a target cannot take a format 2 backup, as {@code INCOMPATIBLE_ARTIFACT} with a stable
 * {@code reason}: what the preview checks before running anything (roles, extensions), and what a failed
 * statement means (an older server, a missing collation, an object that cannot be created here).
 */
final class Refusals {
  private Refusals() {}

  /**
   * What the preview can tell before running anything: the roles the objects name and the extensions
   * they need must exist on the target. Returns the target's version.
   */
  static int checkTarget(Connection c, DatabaseSchema backup) throws SQLException {
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
  static MaintenanceException refusal(SQLException e, DatabaseSchema backup, int targetVersion) {
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
  static final class StatementFailure extends SQLException {
    final String object;

    StatementFailure(String object, SQLException cause) {
      super(cause.getMessage(), cause.getSQLState(), cause);
      this.object = object;
    }
  }
}
