package io.maintenance.core.internal.catalog;

import io.maintenance.api.ErrorCode;
import io.maintenance.api.ErrorInfo;
import io.maintenance.api.MaintenanceException;
import io.maintenance.api.ResourceSummary;
import io.maintenance.core.internal.Json;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The {@code maintenance_drills} table: one row per datastore a restore drill checked, with its outcome. A row
 * without an outcome is a drill running now and works as the datastore's drill lock: at most one exists per
 * datastore (a unique index), and one whose operation's lease is gone is settled ABANDONED by the next claim.
 */
public final class DrillCatalog {
  private final Db db;

  public DrillCatalog(Db db) {
    this.db = db;
  }

  /**
   * Claims the datastore's sandbox for one drill, or fails with {@code OPERATION_IN_PROGRESS} naming the drill that
   * holds it. A claim left by a process that stopped (its lease expired) is settled ABANDONED first.
   */
  public void claim(String taskId, String datastore, String operationId, Instant now) {
    db.tx(c -> {
      Db.update(c, "UPDATE maintenance_drills d SET outcome = 'ABANDONED', finished_at = ?, error_code = 'LEASE_LOST',"
          + " error_message = 'the process running this drill stopped before it finished; the sandbox may hold what it"
          + " restored' WHERE datastore = ? AND outcome IS NULL AND NOT EXISTS (SELECT 1 FROM maintenance_operations o"
          + " WHERE o.id = d.operation_id AND o.status = 'RUNNING' AND o.expires_at > now())", now, datastore);
      int n = Db.update(c, "INSERT INTO maintenance_drills (task_id, datastore, operation_id, started_at) VALUES (?, ?, ?, ?)"
          + " ON CONFLICT (datastore) WHERE outcome IS NULL DO NOTHING", taskId, datastore, operationId, now);
      if (n == 0) {
        String holder = Db.queryOne(c, "SELECT task_id FROM maintenance_drills WHERE datastore = ? AND outcome IS NULL",
            rs -> rs.getString(1), datastore).orElse("?");
        throw new MaintenanceException(ErrorCode.OPERATION_IN_PROGRESS, "a restore drill of " + datastore + " (task " + holder
            + ") is running; its sandbox takes one drill at a time", Map.of("datastore", datastore, "runningTask", holder));
      }
      return null;
    });
  }

  /** Releases a claim that never ran (another datastore of the same task could not be claimed). */
  public void release(String taskId, String datastore) {
    db.tx(c -> Db.update(c, "DELETE FROM maintenance_drills WHERE task_id = ? AND datastore = ? AND outcome IS NULL", taskId,
        datastore));
  }

  public void recordBackup(String taskId, String datastore, String backupId) {
    db.tx(c -> Db.update(c, "UPDATE maintenance_drills SET backup_id = ? WHERE task_id = ? AND datastore = ?", backupId, taskId,
        datastore));
  }

  /** Records how the drill ended; {@code error} empty means it passed. */
  public void finish(String taskId, String datastore, Optional<ErrorInfo> error, List<ResourceSummary> verified, Instant at) {
    db.tx(c -> Db.update(c, "UPDATE maintenance_drills SET outcome = ?, finished_at = ?, error_code = ?, error_message = ?,"
            + " resources = ?::jsonb WHERE task_id = ? AND datastore = ? AND outcome IS NULL",
        error.isPresent() ? "FAILED" : "PASSED", at, error.map(ErrorInfo::code).orElse(null),
        error.map(ErrorInfo::message).orElse(null), new Db.JsonText(Json.write(verified)), taskId, datastore));
  }

  /** When each datastore's newest passing drill finished. */
  public Map<String, Instant> lastPassed() {
    return db.call(c -> {
      Map<String, Instant> out = new TreeMap<>();
      Db.query(c, "SELECT datastore, max(finished_at) AS last FROM maintenance_drills WHERE outcome = 'PASSED' GROUP BY datastore",
          rs -> out.put(rs.getString("datastore"), Db.instant(rs, "last")));
      return out;
    });
  }

  /** One drill as recorded. */
  public record Row(String taskId, String datastore, Optional<String> backupId, Instant startedAt, Optional<Instant> finishedAt,
      Optional<String> outcome, Optional<ErrorInfo> error) {}

  /** The newest drills of a datastore, newest first. */
  public List<Row> recent(String datastore, int limit) {
    return db.call(c -> Db.query(c, "SELECT task_id, datastore, backup_id, started_at, finished_at, outcome, error_code,"
        + " error_message FROM maintenance_drills WHERE datastore = ? ORDER BY started_at DESC LIMIT ?", rs -> {
          String code = rs.getString("error_code");
          return new Row(rs.getString("task_id"), rs.getString("datastore"), Optional.ofNullable(rs.getString("backup_id")),
              Db.instant(rs, "started_at"), Db.optionalInstant(rs, "finished_at"), Optional.ofNullable(rs.getString("outcome")),
              code == null ? Optional.empty() : Optional.of(new ErrorInfo(code, String.valueOf(rs.getString("error_message")))));
        }, datastore, limit));
  }
}
