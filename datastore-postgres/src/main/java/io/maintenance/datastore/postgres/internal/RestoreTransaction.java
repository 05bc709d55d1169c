package io.maintenance.datastore.postgres.internal;

import java.io.IOException;
import java.sql.Connection;
import java.sql.SQLException;
import javax.sql.DataSource;

/**
 * The one transaction a restore, or its preview, runs in: canonical session settings and the lock timeout
 * first, then the work. A preview always rolls back; a restore commits only when its work returns.
 */
final class RestoreTransaction {
  private RestoreTransaction() {}

  /** What runs inside the transaction. */
  @FunctionalInterface
  interface Work<T> {
    T run(Connection c) throws SQLException, IOException;
  }

  static <T> T preview(DataSource ds, Settings settings, Work<T> work) throws IOException {
    try (Connection c = ds.getConnection()) {
      c.setAutoCommit(false);
      try {
        start(c, settings);
        return work.run(c);
      } finally {
        c.rollback();
      }
    } catch (SQLException e) {
      throw PostgresErrors.datastore("planning the restore failed", e);
    }
  }

  static <T> T commit(DataSource ds, Settings settings, Work<T> work) throws IOException {
    try (Connection c = ds.getConnection()) {
      c.setAutoCommit(false);
      boolean committed = false;
      try {
        start(c, settings);
        T result = work.run(c);
        c.commit();
        committed = true;
        return result;
      } finally {
        if (!committed) {
          c.rollback();
        }
      }
    } catch (SQLException e) {
      throw PostgresErrors.datastore("restore failed and was rolled back", e);
    }
  }

  private static void start(Connection c, Settings settings) throws SQLException {
    Catalog.configureSession(c);
    Jdbc.lockTimeout(c, settings.lockTimeout());
  }
}
