package io.maintenance.core.internal.catalog;

import io.maintenance.api.OperationStatus;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * The {@code maintenance_schedules} table: one row per configured schedule. Each firing is taken by exactly
 * one replica: {@link #claim} moves {@code next_run_at} forward only if it still holds the value the replica
 * read, so of two replicas that saw the same due firing, one updates a row and the other none.
 */
public final class ScheduleCatalog {
  private final Db db;

  public ScheduleCatalog(Db db) {
    this.db = db;
  }

  /**
   * A schedule's row.
   *
   * @param lastStatus the status of the operation it last started (its lease row), if that row is still there
   */
  public record Row(String name, String definitionSha256, Instant nextRunAt, Instant createdAt, Optional<Instant> lastFiredAt,
      Optional<Instant> lastRunAt, Optional<String> lastOperationId, Optional<Instant> lastSuccessAt, Optional<String> note,
      Optional<OperationStatus> lastStatus) {}

  /** Creates the row with its first firing, or moves that firing when the definition changed; returns the row. */
  public Row ensure(String name, String sha256, Instant firstRun, Instant now) {
    return db.tx(c -> {
      Db.update(c, "INSERT INTO maintenance_schedules (name, definition_sha256, next_run_at, created_at) VALUES (?, ?, ?, ?)"
          + " ON CONFLICT (name) DO NOTHING", name, sha256, firstRun, now);
      Db.update(c, "UPDATE maintenance_schedules SET definition_sha256 = ?, next_run_at = ?, note = 'definition changed'"
          + " WHERE name = ? AND definition_sha256 <> ?", sha256, firstRun, name, sha256);
      return Db.queryOne(c, SELECT + " WHERE s.name = ?", ScheduleCatalog::row, name).orElseThrow();
    });
  }

  public List<Row> all() {
    return db.call(c -> Db.query(c, SELECT + " ORDER BY s.name", ScheduleCatalog::row));
  }

  /** Takes the firing due at {@code due} by moving the next one to {@code next}; false if another replica took it first. */
  public boolean claim(String name, Instant due, Instant next, Instant now) {
    return db.tx(c -> Db.update(c, "UPDATE maintenance_schedules SET next_run_at = ?, last_fired_at = ? WHERE name = ?"
        + " AND next_run_at = ?", next, now, name, due)) == 1;
  }

  /** A claimed firing that could not start (the lock was taken meanwhile, the catalog hiccupped): due again. */
  public void putBack(String name, Instant claimedNext, Instant due, String note) {
    db.tx(c -> Db.update(c, "UPDATE maintenance_schedules SET next_run_at = ?, note = ? WHERE name = ? AND next_run_at = ?",
        due, note, name, claimedNext));
  }

  /** A missed firing skipped (missed=skip): the next one is set without running. */
  public boolean skip(String name, Instant due, Instant next, String note) {
    return db.tx(c -> Db.update(c, "UPDATE maintenance_schedules SET next_run_at = ?, note = ? WHERE name = ? AND next_run_at = ?",
        next, note, name, due)) == 1;
  }

  public void started(String name, String operationId, Instant at, String note) {
    db.tx(c -> Db.update(c, "UPDATE maintenance_schedules SET last_run_at = ?, last_operation_id = ?, note = ? WHERE name = ?",
        at, operationId, note, name));
  }

  public void note(String name, String note) {
    db.tx(c -> Db.update(c, "UPDATE maintenance_schedules SET note = ? WHERE name = ?", note, name));
  }

  /** Records the success of an operation the schedule started (when the operation's row says it succeeded). */
  public boolean succeeded(String name, String operationId) {
    return db.tx(c -> Db.update(c, "UPDATE maintenance_schedules s SET last_success_at = o.finished_at FROM maintenance_operations o"
        + " WHERE s.name = ? AND o.id = ? AND o.outcome = 'SUCCEEDED' AND (s.last_success_at IS NULL OR s.last_success_at < o.finished_at)",
        name, operationId)) == 1;
  }

  private static final String SELECT = "SELECT s.name, s.definition_sha256, s.next_run_at, s.created_at, s.last_fired_at, s.last_run_at,"
      + " s.last_operation_id, s.last_success_at, s.note, o.outcome, (o.status = 'RUNNING' AND o.expires_at > now()) AS live,"
      + " o.id AS op FROM maintenance_schedules s LEFT JOIN maintenance_operations o ON o.id = s.last_operation_id";

  private static Row row(java.sql.ResultSet rs) throws java.sql.SQLException {
    Optional<OperationStatus> status = Optional.empty();
    if (rs.getString("op") != null) {
      String outcome = rs.getString("outcome");
      status = Optional.of(outcome != null ? OperationStatus.valueOf(outcome)
          : rs.getBoolean("live") ? OperationStatus.RUNNING : OperationStatus.FAILED);
    }
    return new Row(rs.getString("name"), rs.getString("definition_sha256"), Db.instant(rs, "next_run_at"),
        Db.instant(rs, "created_at"), Db.optionalInstant(rs, "last_fired_at"), Db.optionalInstant(rs, "last_run_at"),
        Optional.ofNullable(rs.getString("last_operation_id")), Db.optionalInstant(rs, "last_success_at"),
        Optional.ofNullable(rs.getString("note")), status);
  }
}
