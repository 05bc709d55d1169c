package io.maintenance.core.internal.catalog;

import com.fasterxml.jackson.core.type.TypeReference;
import io.maintenance.api.DatastoreProgress;
import io.maintenance.api.ErrorCode;
import io.maintenance.api.ErrorInfo;
import io.maintenance.api.Operation;
import io.maintenance.api.OperationKind;
import io.maintenance.api.OperationProgress;
import io.maintenance.api.OperationQuery;
import io.maintenance.api.OperationStatus;
import io.maintenance.api.Page;
import io.maintenance.core.internal.Json;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Operations as the catalog knows them: the rows of {@code maintenance_operations} (each one a lease, see
 * {@link Leases}) read as {@link Operation}s. A RUNNING row whose lease expired belongs to a process that has
 * stopped; it reads as FAILED with {@code LEASE_LOST} and is settled so by recovery and the sweep.
 */
public final class OperationCatalog {
  private static final String COLUMNS = "id, kind, target, owner, requested_by, status, started_at, heartbeat_at, finished_at,"
      + " phase, progress::text AS progress, outcome, error_code, error_message, cancel_requested_at, cancel_requested_by,"
      + " schedule, (status = 'RUNNING' AND expires_at > now()) AS live";
  private static final String GONE = "the process running this operation stopped before it finished (its lease expired)";

  private final Db db;

  public OperationCatalog(Db db) {
    this.db = db;
  }

  /** The lease kind an operation kind is recorded under. */
  public static String leaseKind(OperationKind kind) {
    return switch (kind) {
      case DELETE_BACKUP -> "backup.delete";
      default -> kind.name().toLowerCase(Locale.ROOT);
    };
  }

  static OperationKind kindOf(String leaseKind) {
    return switch (leaseKind) {
      case "backup.delete" -> OperationKind.DELETE_BACKUP;
      default -> OperationKind.valueOf(leaseKind.toUpperCase(Locale.ROOT));
    };
  }

  public Optional<Operation> find(String id) {
    return db.call(c -> Db.queryOne(c, "SELECT " + COLUMNS + " FROM maintenance_operations WHERE id = ?", OperationCatalog::row, id));
  }

  /** Keyset pagination over (started_at DESC, id DESC). */
  public Page<Operation> page(OperationQuery q) {
    Optional<BackupCatalog.Cursor> after = q.cursor().map(BackupCatalog.Cursor::decode);
    return db.call(c -> {
      StringBuilder sql = new StringBuilder("SELECT " + COLUMNS + " FROM maintenance_operations WHERE true");
      List<Object> params = new ArrayList<>();
      q.status().ifPresent(s -> sql.append(switch (s) {
        case RUNNING -> " AND status = 'RUNNING' AND expires_at > now()";
        case SUCCEEDED -> " AND outcome = 'SUCCEEDED'";
        case CANCELLED -> " AND outcome = 'CANCELLED'";
        case FAILED -> " AND (outcome = 'FAILED' OR (outcome IS NULL AND NOT (status = 'RUNNING' AND expires_at > now())))";
      }));
      if (q.kind().isPresent()) {
        sql.append(" AND kind = ?");
        params.add(leaseKind(q.kind().get()));
      }
      if (after.isPresent()) {
        sql.append(" AND (started_at, id) < (?, ?)");
        params.add(after.get().startedAt());
        params.add(after.get().id());
      }
      sql.append(" ORDER BY started_at DESC, id DESC LIMIT ?");
      params.add(q.limit() + 1);
      List<Operation> rows = Db.query(c, sql.toString(), OperationCatalog::row, params.toArray());
      boolean more = rows.size() > q.limit();
      List<Operation> items = rows.stream().limit(q.limit()).toList();
      Optional<String> next = more ? Optional.of(new BackupCatalog.Cursor(items.get(items.size() - 1).startedAt(),
          items.get(items.size() - 1).id()).encode()) : Optional.empty();
      return new Page<>(items, next);
    });
  }

  /** Records a cancel request on a running operation; false if it is not running (or was cancelled already). */
  public boolean requestCancel(String id, String by) {
    return db.tx(c -> Db.update(c, "UPDATE maintenance_operations SET cancel_requested_at = now(), cancel_requested_by = ?"
        + " WHERE id = ? AND status = 'RUNNING' AND expires_at > now() AND cancel_requested_at IS NULL", by, id)) == 1;
  }

  /** Names the schedule that started an operation. */
  public void tagSchedule(String id, String schedule) {
    db.tx(c -> Db.update(c, "UPDATE maintenance_operations SET schedule = ? WHERE id = ?", schedule, id));
  }

  /**
   * Settles the rows of processes that stopped: a RUNNING row whose lease expired becomes EXPIRED, and every
   * EXPIRED row without an outcome FAILED with {@code LEASE_LOST}. Returns their ids.
   */
  public List<String> settleGone() {
    return db.tx(c -> Db.query(c, "UPDATE maintenance_operations SET status = CASE WHEN status = 'RUNNING' THEN 'EXPIRED'"
        + " ELSE status END, finished_at = coalesce(finished_at, now()), outcome = 'FAILED', error_code = 'LEASE_LOST',"
        + " error_message = ? WHERE outcome IS NULL AND (status = 'EXPIRED' OR (status = 'RUNNING' AND expires_at <= now()))"
        + " RETURNING id", rs -> rs.getString("id"), GONE));
  }

  /** Corrects the outcome of a stopped restore once reconciliation decided it (APPLIED: it did succeed). */
  public void settleOutcome(String id, OperationStatus outcome, Optional<ErrorInfo> error) {
    db.tx(c -> Db.update(c, "UPDATE maintenance_operations SET outcome = ?, error_code = ?, error_message = ?,"
        + " status = CASE WHEN status = 'RUNNING' THEN 'EXPIRED' ELSE status END, finished_at = coalesce(finished_at, now())"
        + " WHERE id = ? AND status <> 'FINISHED' AND NOT (status = 'RUNNING' AND expires_at > now())", outcome.name(),
        error.map(ErrorInfo::code).orElse(null), error.map(ErrorInfo::message).orElse(null), id));
  }

  /**
   * What each datastore's last succeeded backup of this type stored (bytes), from the progress its operation
   * recorded: the estimate a new backup's progress is measured against.
   */
  public Map<String, Long> lastBackupBytes(String backupType) {
    return db.call(c -> {
      Map<String, Long> out = new HashMap<>();
      for (String json : Db.query(c, "SELECT o.progress::text AS p FROM maintenance_backups b JOIN maintenance_operations o"
          + " ON o.id = b.lease_id WHERE b.status = 'SUCCEEDED' AND b.type = ? AND o.kind = 'backup' AND o.progress IS NOT NULL"
          + " ORDER BY b.started_at DESC LIMIT 20", rs -> rs.getString("p"), backupType)) {
        for (DatastoreProgress d : Json.read(json, OperationProgress.class).datastores()) {
          if (d.state() == DatastoreProgress.State.DONE) {
            out.putIfAbsent(d.datastore(), d.bytesDone());
          }
        }
      }
      return out;
    });
  }

  static Operation row(ResultSet rs) throws SQLException {
    boolean live = rs.getBoolean("live");
    String status = rs.getString("status");
    String outcome = rs.getString("outcome");
    String code = rs.getString("error_code");
    OperationStatus st;
    Optional<ErrorInfo> error = code == null ? Optional.empty()
        : Optional.of(new ErrorInfo(code, String.valueOf(rs.getString("error_message"))));
    if (outcome != null) {
      st = OperationStatus.valueOf(outcome);
    } else if (live) {
      st = OperationStatus.RUNNING;
    } else {
      st = OperationStatus.FAILED; // its process stopped; recovery settles the row so
      error = Optional.of(new ErrorInfo(ErrorCode.LEASE_LOST.name(), GONE));
    }
    String progress = rs.getString("progress");
    return new Operation(
        rs.getString("id"),
        kindOf(rs.getString("kind")),
        rs.getString("target"),
        st,
        "FINISHED".equals(status) || !live ? "done" : rs.getString("phase"),
        rs.getString("requested_by"),
        rs.getString("owner"),
        Optional.ofNullable(rs.getString("schedule")),
        Db.instant(rs, "started_at"),
        Db.instant(rs, "heartbeat_at"),
        Db.optionalInstant(rs, "finished_at"),
        Db.optionalInstant(rs, "cancel_requested_at"),
        Optional.ofNullable(rs.getString("cancel_requested_by")),
        progress == null ? OperationProgress.none() : Json.read(progress, new TypeReference<OperationProgress>() {}),
        error);
  }
}
