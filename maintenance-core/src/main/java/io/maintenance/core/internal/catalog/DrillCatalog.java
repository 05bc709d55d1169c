package io.maintenance.core.internal.catalog;

import com.fasterxml.jackson.core.type.TypeReference;
import io.maintenance.core.internal.Json;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The {@code maintenance_drills} table: one row per restore drill of a datastore, the evidence behind
 * {@code maintenance_last_verified_restore_timestamp_seconds}. {@code cleanup_pending} is set before a drill
 * restores into its sandbox and cleared once what it restored is removed again, so a drill that stopped
 * halfway is cleaned up by the next one.
 */
public final class DrillCatalog {
  private final Db db;

  public DrillCatalog(Db db) {
    this.db = db;
  }

  /** What an earlier drill may have left in a sandbox. */
  public record Leftover(String id, String backupId, List<String> resources) {}

  public void insert(String id, String taskId, String datastore, String sandbox, String backupId, List<String> resources,
      Instant startedAt, String leaseId) {
    db.tx(c -> Db.update(c, "INSERT INTO maintenance_drills (id, task_id, datastore, sandbox, backup_id, status, resources,"
        + " started_at, lease_id) VALUES (?, ?, ?, ?, ?, 'RUNNING', ?::jsonb, ?, ?)", id, taskId, datastore, sandbox, backupId,
        new Db.JsonText(Json.write(resources)), startedAt, leaseId));
  }

  /** Recorded before the restore into the sandbox starts: from here the sandbox may hold the backup's data. */
  public void restoring(String id) {
    db.tx(c -> Db.update(c, "UPDATE maintenance_drills SET cleanup_pending = true WHERE id = ?", id));
  }

  public void cleaned(String id) {
    db.tx(c -> Db.update(c, "UPDATE maintenance_drills SET cleanup_pending = false WHERE id = ?", id));
  }

  public void finish(String id, boolean passed, String detail, Optional<String> errorCode, Instant at) {
    db.tx(c -> Db.update(c, "UPDATE maintenance_drills SET status = ?, detail = ?, error_code = ?, finished_at = ?"
        + " WHERE id = ? AND status = 'RUNNING'", passed ? "PASSED" : "FAILED", detail, errorCode.orElse(null), at, id));
  }

  /** Drills into this sandbox whose restore may have left data there (theirs, provably: the catalog recorded it). */
  public List<Leftover> leftovers(String sandbox) {
    return db.call(c -> Db.query(c, "SELECT id, backup_id, resources::text AS r FROM maintenance_drills"
        + " WHERE sandbox = ? AND cleanup_pending ORDER BY started_at", rs -> new Leftover(rs.getString("id"),
            rs.getString("backup_id"), Json.read(rs.getString("r"), new TypeReference<List<String>>() {})), sandbox));
  }

  /** RUNNING drills whose process stopped become FAILED (their leftovers stay marked for the next drill). */
  public List<String> failUnowned(Instant now) {
    return db.tx(c -> Db.query(c, "UPDATE maintenance_drills d SET status = 'FAILED', finished_at = ?, error_code = 'LEASE_LOST',"
        + " detail = 'the process running this drill stopped before it finished' WHERE status = 'RUNNING' AND "
        + BackupCatalog.UNOWNED.formatted("d") + " RETURNING id", rs -> rs.getString("id"), now));
  }

  /** When each datastore last passed a drill. */
  public Map<String, Instant> lastPassed() {
    return db.call(c -> {
      Map<String, Instant> out = new TreeMap<>();
      Db.query(c, "SELECT datastore, max(finished_at) AS last FROM maintenance_drills WHERE status = 'PASSED' GROUP BY datastore",
          rs -> out.put(rs.getString("datastore"), Db.instant(rs, "last")));
      return out;
    });
  }
}
