package io.maintenance.datastore.postgres.internal;

import io.maintenance.datastore.postgres.internal.Model.TableRef;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fingerprint components of a backup's tables, computed on a second connection that imports the
 * backup transaction's snapshot ({@code pg_export_snapshot} / {@code SET TRANSACTION SNAPSHOT}), so the
 * per-table scans run while the rows are being copied and still describe exactly the copied data. If
 * the second connection cannot be had or cannot import the snapshot, callers compute the component on
 * the backup's own connection instead.
 */
final class SnapshotFingerprints implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(SnapshotFingerprints.class);

  private final Map<String, CompletableFuture<String>> byTable;
  private final CompletableFuture<Void> worker;

  private SnapshotFingerprints(Map<String, CompletableFuture<String>> byTable, CompletableFuture<Void> worker) {
    this.byTable = byTable;
    this.worker = worker;
  }

  static SnapshotFingerprints none() {
    return new SnapshotFingerprints(Map.of(), CompletableFuture.completedFuture(null));
  }

  static SnapshotFingerprints start(DataSource ds, Connection backup, List<TableRef> tables) throws SQLException {
    String snapshot;
    try (Statement st = backup.createStatement(); ResultSet rs = st.executeQuery("SELECT pg_export_snapshot()")) {
      rs.next();
      snapshot = rs.getString(1);
    }
    Map<String, CompletableFuture<String>> byTable = new ConcurrentHashMap<>();
    tables.forEach(t -> byTable.put(t.resourceName(), new CompletableFuture<>()));
    CompletableFuture<Void> worker = CompletableFuture.runAsync(() -> {
      try (Connection c = ds.getConnection()) {
        c.setAutoCommit(false);
        c.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
        c.setReadOnly(true);
        try (Statement st = c.createStatement()) {
          // Must be the first statement of the transaction.
          st.execute("SET TRANSACTION SNAPSHOT '" + snapshot.replace("'", "''") + "'");
        }
        Catalog.configureSession(c);
        for (TableRef t : tables) {
          byTable.get(t.resourceName()).complete(Fingerprints.component(c, t));
        }
        c.rollback();
      } catch (SQLException | RuntimeException e) {
        LOG.debug("Fingerprinting beside the copy failed ({}); the backup connection will do it", e.toString());
        byTable.values().forEach(f -> f.complete(null));
      }
    });
    return new SnapshotFingerprints(byTable, worker);
  }

  /** The table's component, waiting for it if need be; empty if it must be computed on the backup connection. */
  Optional<String> component(TableRef t) {
    CompletableFuture<String> f = byTable.get(t.resourceName());
    if (f == null) {
      return Optional.empty();
    }
    try {
      return Optional.ofNullable(f.get());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Optional.empty();
    } catch (ExecutionException e) {
      return Optional.empty();
    }
  }

  @Override
  public void close() {
    // A failed backup does not wait for the scans; their connection ends with them.
    worker.cancel(false);
  }
}
