package io.maintenance.core.internal.catalog;

import io.maintenance.api.ErrorCode;
import io.maintenance.api.MaintenanceException;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The cluster-wide lock that serialises mutating operations (backups, restore applies, pruning,
 * sweeps): a session-level PostgreSQL advisory lock held on a dedicated connection, so that several
 * host replicas sharing one catalog never run two at once, and a crashed holder releases it with its
 * connection.
 */
public final class OperationLock {
  private static final long KEY = 0x6d61696e745f6f70L; // "maint_op"

  private final Db db;

  public OperationLock(Db db) {
    this.db = db;
  }

  /** A held lock; closing releases it. */
  public interface Held extends AutoCloseable {
    @Override
    void close();
  }

  /**
   * Takes the lock or fails at once with {@code OPERATION_IN_PROGRESS}.
   *
   * @param busyDescription says what holds the lock, for the error message (looked up only on failure)
   */
  public Held acquire(String operation, Supplier<Optional<String>> busyDescription) {
    Connection c;
    try {
      c = db.dataSource().getConnection();
      c.setAutoCommit(true);
      boolean got = Db.queryOne(c, "SELECT pg_try_advisory_lock(?) AS got", rs -> rs.getBoolean("got"), KEY).orElse(false);
      if (!got) {
        c.close();
        String holder = busyDescription.get().orElse("another maintenance operation");
        throw new MaintenanceException(ErrorCode.OPERATION_IN_PROGRESS,
            "cannot start " + operation + ": " + holder + " is running; try again when it has finished",
            Map.of("operation", operation));
      }
    } catch (SQLException e) {
      throw Db.translate(e);
    }
    return () -> {
      try (c) {
        Db.query(c, "SELECT pg_advisory_unlock(?)", rs -> null, KEY);
      } catch (SQLException e) {
        // Closing the connection releases a session lock anyway.
      }
    };
  }
}
