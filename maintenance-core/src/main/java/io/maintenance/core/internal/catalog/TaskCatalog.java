package io.maintenance.core.internal.catalog;

import io.maintenance.api.ErrorInfo;
import io.maintenance.api.TaskItem;
import io.maintenance.api.TaskResult;
import io.maintenance.api.TaskStatus;
import io.maintenance.api.TaskType;
import io.maintenance.core.internal.Json;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/** The {@code maintenance_tasks} table: one row per housekeeping run with what it did. */
public final class TaskCatalog {
  private final Db db;

  public TaskCatalog(Db db) {
    this.db = db;
  }

  public void insertRunning(String id, TaskType type, boolean dryRun, String requestedBy, Instant startedAt, String leaseId) {
    db.tx(c -> Db.update(c, "INSERT INTO maintenance_tasks (id, type, status, dry_run, requested_by, started_at, lease_id)"
        + " VALUES (?, ?, 'RUNNING', ?, ?, ?, ?)", id, type, dryRun, requestedBy, startedAt, leaseId));
  }

  /** A run that never started (e.g. the operation lock was busy), recorded for the history. */
  public void insertFinished(String id, TaskType type, boolean dryRun, String requestedBy, Instant at, ErrorInfo error) {
    db.tx(c -> Db.update(c, "INSERT INTO maintenance_tasks (id, type, status, dry_run, requested_by, started_at, finished_at,"
        + " error_code, error_message) VALUES (?, ?, 'FAILED', ?, ?, ?, ?, ?, ?)", id, type, dryRun, requestedBy, at, at,
        error.code(), error.message()));
  }

  public void finish(String id, TaskStatus status, List<TaskItem> items, Optional<ErrorInfo> error, Instant finishedAt) {
    db.tx(c -> Db.update(c, "UPDATE maintenance_tasks SET status = ?, items = ?::jsonb, error_code = ?, error_message = ?,"
            + " finished_at = ? WHERE id = ? AND status = 'RUNNING'",
        status, new Db.JsonText(Json.write(items)), error.map(ErrorInfo::code).orElse(null),
        error.map(ErrorInfo::message).orElse(null), finishedAt, id));
  }

  /** A task run as recorded; while it is RUNNING its items are not written yet and {@code finishedAt} is its start. */
  public Optional<TaskResult> find(String id) {
    return db.call(c -> Db.queryOne(c, "SELECT id, type, status, dry_run, started_at, finished_at, items::text AS items,"
        + " error_code, error_message FROM maintenance_tasks WHERE id = ?", rs -> {
          String code = rs.getString("error_code");
          return new TaskResult(rs.getString("id"), TaskType.valueOf(rs.getString("type")), TaskStatus.valueOf(rs.getString("status")),
              rs.getBoolean("dry_run"), Db.instant(rs, "started_at"),
              Db.optionalInstant(rs, "finished_at").orElse(Db.instant(rs, "started_at")),
              Json.read(rs.getString("items"), new com.fasterxml.jackson.core.type.TypeReference<List<TaskItem>>() {}),
              code == null ? Optional.empty() : Optional.of(new ErrorInfo(code, String.valueOf(rs.getString("error_message")))));
        }, id));
  }

  /** Tasks left RUNNING by a process that is gone (their lease expired or they have none). */
  public List<String> failUnowned(Instant now) {
    return db.tx(c -> Db.query(c, "UPDATE maintenance_tasks t SET status = 'FAILED', finished_at = ?,"
        + " error_code = 'LEASE_LOST', error_message = 'the process running this task stopped before it finished'"
        + " WHERE status = 'RUNNING' AND " + BackupCatalog.UNOWNED.formatted("t") + " RETURNING id", rs -> rs.getString("id"), now));
  }
}
