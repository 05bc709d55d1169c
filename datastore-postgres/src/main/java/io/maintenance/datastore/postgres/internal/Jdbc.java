package io.maintenance.datastore.postgres.internal;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;

/** The few JDBC steps every part of the plugin runs: one statement, one number, one flag, the lock timeout. */
final class Jdbc {
  private Jdbc() {}

  static void exec(Connection c, String sql) throws SQLException {
    try (Statement st = c.createStatement()) {
      st.execute(sql);
    }
  }

  /** The single number {@code sql} returns (a {@code count(*)}). */
  static long number(Connection c, String sql) throws SQLException {
    try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    }
  }

  /** The rows of a table, without those of its children. */
  static long count(Connection c, String qualified) throws SQLException {
    return number(c, "SELECT count(*) FROM ONLY " + qualified);
  }

  /** The boolean {@code sql} (one parameter) returns. */
  static boolean exists(Connection c, String sql, String arg) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      ps.setString(1, arg);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return rs.getBoolean(1);
      }
    }
  }

  /** How long the current transaction waits for locks before failing. */
  static void lockTimeout(Connection c, Duration timeout) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement("SELECT set_config('lock_timeout', ?, true)")) {
      ps.setString(1, timeout.toMillis() + "ms");
      ps.executeQuery().close();
    }
  }
}
