package io.maintenance.core.internal.catalog;

import com.fasterxml.jackson.core.type.TypeReference;
import io.maintenance.api.Approval;
import io.maintenance.api.ErrorCode;
import io.maintenance.api.ErrorInfo;
import io.maintenance.api.MaintenanceException;
import io.maintenance.api.ResourceSummary;
import io.maintenance.api.RestorePlan;
import io.maintenance.api.RestoreRecord;
import io.maintenance.api.RestoreStatus;
import io.maintenance.core.internal.Json;
import io.maintenance.spi.Fingerprint;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** The {@code maintenance_restore_requests} and {@code maintenance_restore_approvals} tables. */
public final class RestoreCatalog {
  private static final String COLUMNS = "id, backup_id, status, requested_by, datastores, resources::text AS resources, options::text AS options, safety_backup,"
      + " plan::text AS plan, plan_sha256, manifest_sha256, target_fingerprint::text AS target_fingerprint,"
      + " approvals_required, created_at, expires_at, consumed_at, finished_at, safety_backup_id, applied::text AS applied,"
      + " error_code, error_message";

  /** A request with what the engine needs beyond the public record. */
  public record Row(
      RestoreRecord record,
      Map<String, Set<String>> resources,
      Map<String, String> options,
      boolean safetyBackup,
      String planSha256,
      String manifestSha256,
      Map<String, Fingerprint> targetFingerprint) {
    public String id() {
      return record.id();
    }

    /** The resources selected in one datastore; empty means all of them. */
    public Set<String> resourcesOf(String datastoreId) {
      return resources.getOrDefault(datastoreId, Set.of());
    }
  }

  /** What a preview stores. */
  public record NewRequest(
      String id, String backupId, String requestedBy, List<String> datastores, Map<String, Set<String>> resources,
      Map<String, String> options,
      boolean safetyBackup, String tokenHash, RestorePlan plan, String planSha256, String manifestSha256,
      Map<String, Fingerprint> targetFingerprint, int approvalsRequired, Instant createdAt, Instant expiresAt) {}

  private final Db db;

  public RestoreCatalog(Db db) {
    this.db = db;
  }

  public void insert(NewRequest r) {
    db.tx(c -> Db.update(c, "INSERT INTO maintenance_restore_requests (id, backup_id, status, requested_by, datastores,"
            + " resources, options, safety_backup, token_hash, plan, plan_sha256, manifest_sha256, target_fingerprint,"
            + " approvals_required, created_at, expires_at)"
            + " VALUES (?, ?, 'PREVIEWED', ?, ?, ?::jsonb, ?::jsonb, ?, ?, ?::jsonb, ?, ?, ?::jsonb, ?, ?, ?)",
        r.id(), r.backupId(), r.requestedBy(), r.datastores(), new Db.JsonText(Json.write(r.resources())),
        new Db.JsonText(Json.write(r.options())), r.safetyBackup(),
        r.tokenHash(), new Db.JsonText(Json.write(r.plan())), r.planSha256(), r.manifestSha256(),
        new Db.JsonText(Json.write(r.targetFingerprint())), r.approvalsRequired(), r.createdAt(), r.expiresAt()));
  }

  public Optional<Row> find(String id) {
    return db.call(c -> Db.queryOne(c, "SELECT " + COLUMNS + " FROM maintenance_restore_requests WHERE id = ?",
        rs -> row(c, rs), id));
  }

  public Row require(String id) {
    return find(id).orElseThrow(() -> new MaintenanceException(ErrorCode.NOT_FOUND, "no restore request with id '" + id + "'",
        Map.of("requestId", id)));
  }

  public Optional<Row> findByTokenHash(String tokenHash) {
    return db.call(c -> Db.queryOne(c, "SELECT " + COLUMNS + " FROM maintenance_restore_requests WHERE token_hash = ?",
        rs -> row(c, rs), tokenHash));
  }

  /** Records one vote; false if this approver already voted. */
  public boolean addApproval(String requestId, String approver, String comment, Instant at) {
    return db.tx(c -> {
      // Lock the request row so an approval cannot race the confirm that consumes it.
      boolean open = Db.queryOne(c, "SELECT 1 FROM maintenance_restore_requests WHERE id = ? AND status = 'PREVIEWED'"
          + " AND expires_at > ? FOR UPDATE", rs -> true, requestId, at).isPresent();
      if (!open) {
        throw new MaintenanceException(ErrorCode.TOKEN_EXPIRED, "restore request " + requestId + " is no longer open for approval",
            Map.of("requestId", requestId));
      }
      return Db.update(c, "INSERT INTO maintenance_restore_approvals (request_id, approver, comment, approved_at)"
          + " VALUES (?, ?, ?, ?) ON CONFLICT (request_id, approver) DO NOTHING", requestId, approver, comment, at) == 1;
    });
  }

  /**
   * Consumes the token: PREVIEWED -> APPLYING, only if still unexpired and approved enough. The
   * conditional update makes two concurrent confirms impossible to both win.
   */
  public boolean consume(String id, String by, Instant now) {
    return db.tx(c -> Db.update(c, "UPDATE maintenance_restore_requests r SET status = 'APPLYING', consumed_at = ?, consumed_by = ?"
        + " WHERE id = ? AND status = 'PREVIEWED' AND expires_at > ?"
        + " AND (SELECT count(*) FROM maintenance_restore_approvals a WHERE a.request_id = r.id) >= approvals_required",
        now, by, id, now)) == 1;
  }

  public void markExpired(String id) {
    db.tx(c -> Db.update(c, "UPDATE maintenance_restore_requests SET status = 'EXPIRED' WHERE id = ? AND status = 'PREVIEWED'", id));
  }

  /** Expires every preview past its expiry; returns the ids. */
  public List<String> expireAll(Instant now) {
    return db.tx(c -> Db.query(c, "UPDATE maintenance_restore_requests SET status = 'EXPIRED'"
        + " WHERE status = 'PREVIEWED' AND expires_at <= ? RETURNING id", rs -> rs.getString("id"), now));
  }

  /** Ids of previews of a backup that can still be confirmed (PREVIEWED and not expired). */
  public List<String> openPreviewsOf(String backupId, Instant now) {
    return db.call(c -> Db.query(c, "SELECT id FROM maintenance_restore_requests WHERE backup_id = ? AND status = 'PREVIEWED'"
        + " AND expires_at > ? ORDER BY id", rs -> rs.getString("id"), backupId, now));
  }

  public void recordSafetyBackup(String id, String safetyBackupId) {
    db.tx(c -> Db.update(c, "UPDATE maintenance_restore_requests SET safety_backup_id = ? WHERE id = ?", safetyBackupId, id));
  }

  public void markApplied(String id, List<ResourceSummary> applied, Instant at) {
    db.tx(c -> Db.update(c, "UPDATE maintenance_restore_requests SET status = 'APPLIED', applied = ?::jsonb, finished_at = ?"
        + " WHERE id = ? AND status = 'APPLYING'", new Db.JsonText(Json.write(applied)), at, id));
  }

  public void markFailed(String id, ErrorInfo error, List<ResourceSummary> applied, Instant at) {
    db.tx(c -> Db.update(c, "UPDATE maintenance_restore_requests SET status = 'FAILED', error_code = ?, error_message = ?,"
        + " applied = ?::jsonb, finished_at = ? WHERE id = ? AND status = 'APPLYING'",
        error.code(), error.message(), new Db.JsonText(Json.write(applied)), at, id));
  }

  /** APPLYING requests whose process is gone; call only while holding the operation lock. */
  public List<String> failApplying(Instant now) {
    return db.tx(c -> Db.query(c, "UPDATE maintenance_restore_requests SET status = 'FAILED', finished_at = ?,"
        + " error_code = 'INTERNAL_ERROR', error_message = 'the process applying this restore stopped before it finished;"
        + " check the target and use the safety backup if one was taken' WHERE status = 'APPLYING' RETURNING id",
        rs -> rs.getString("id"), now));
  }

  public Map<RestoreStatus, Long> countByStatus() {
    return db.call(c -> {
      Map<RestoreStatus, Long> out = new EnumMap<>(RestoreStatus.class);
      for (RestoreStatus s : RestoreStatus.values()) {
        out.put(s, 0L);
      }
      Db.query(c, "SELECT status, count(*) AS n FROM maintenance_restore_requests GROUP BY status",
          rs -> out.put(RestoreStatus.valueOf(rs.getString("status")), rs.getLong("n")));
      return out;
    });
  }

  /** Open previews (unexpired) that still lack approvals: people are waiting for an approver. */
  public long awaitingApproval(Instant now) {
    return db.call(c -> Db.queryOne(c, "SELECT count(*) AS n FROM maintenance_restore_requests r WHERE status = 'PREVIEWED'"
        + " AND expires_at > ? AND approvals_required > (SELECT count(*) FROM maintenance_restore_approvals a WHERE a.request_id = r.id)",
        rs -> rs.getLong("n"), now).orElse(0L));
  }

  public Optional<String> describeApplying() {
    return db.call(c -> Db.queryOne(c, "SELECT id, consumed_by FROM maintenance_restore_requests WHERE status = 'APPLYING'"
        + " LIMIT 1", rs -> "restore " + rs.getString("id") + " (by " + rs.getString("consumed_by") + ")"));
  }

  private static Row row(Connection c, ResultSet rs) throws SQLException {
    String id = rs.getString("id");
    List<Approval> approvals = Db.query(c, "SELECT approver, comment, approved_at FROM maintenance_restore_approvals"
        + " WHERE request_id = ? ORDER BY approved_at, approver",
        a -> new Approval(a.getString("approver"), Db.instant(a, "approved_at"), a.getString("comment")), id);
    String code = rs.getString("error_code");
    RestoreRecord record = new RestoreRecord(
        id,
        rs.getString("backup_id"),
        RestoreStatus.valueOf(rs.getString("status")),
        rs.getString("requested_by"),
        Db.textArray(rs, "datastores"),
        rs.getInt("approvals_required"),
        approvals,
        Db.instant(rs, "created_at"),
        Db.instant(rs, "expires_at"),
        Db.optionalInstant(rs, "finished_at"),
        Json.read(rs.getString("plan"), RestorePlan.class),
        Optional.ofNullable(rs.getString("safety_backup_id")),
        Json.read(rs.getString("applied"), new TypeReference<List<ResourceSummary>>() {}),
        code == null ? Optional.empty() : Optional.of(new ErrorInfo(code, String.valueOf(rs.getString("error_message")))));
    return new Row(record,
        Json.read(rs.getString("resources"), new TypeReference<Map<String, Set<String>>>() {}),
        Json.read(rs.getString("options"), new TypeReference<Map<String, String>>() {}),
        rs.getBoolean("safety_backup"),
        rs.getString("plan_sha256"),
        rs.getString("manifest_sha256"),
        Json.read(rs.getString("target_fingerprint"), new TypeReference<Map<String, Fingerprint>>() {}));
  }
}
