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
      + " error_code, error_message, lease_id, apply_state::text AS apply_state, artifact_versions::text AS artifact_versions";

  /** What a restore's apply reached in one datastore. */
  public enum ApplyState {
    /** {@code Datastore.restore} was called; whether it committed is unknown until it returns. */
    APPLYING,
    /** {@code Datastore.restore} returned: the datastore holds the backup's data. */
    APPLIED
  }

  /** A request with what the engine needs beyond the public record. */
  public record Row(
      RestoreRecord record,
      Map<String, Set<String>> resources,
      Map<String, String> options,
      boolean safetyBackup,
      String planSha256,
      String manifestSha256,
      Map<String, Fingerprint> targetFingerprint,
      Optional<String> leaseId,
      Map<String, ApplyState> applyState,
      Map<String, Map<String, String>> artifactVersions) {
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
      Map<String, Fingerprint> targetFingerprint, Map<String, Map<String, String>> artifactVersions, int approvalsRequired,
      Instant createdAt, Instant expiresAt) {}

  private final Db db;

  public RestoreCatalog(Db db) {
    this.db = db;
  }

  public void insert(NewRequest r) {
    db.tx(c -> Db.update(c, "INSERT INTO maintenance_restore_requests (id, backup_id, status, requested_by, datastores,"
            + " resources, options, safety_backup, token_hash, plan, plan_sha256, manifest_sha256, target_fingerprint,"
            + " artifact_versions, approvals_required, created_at, expires_at)"
            + " VALUES (?, ?, 'PREVIEWED', ?, ?, ?::jsonb, ?::jsonb, ?, ?, ?::jsonb, ?, ?, ?::jsonb, ?::jsonb, ?, ?, ?)",
        r.id(), r.backupId(), r.requestedBy(), r.datastores(), new Db.JsonText(Json.write(r.resources())),
        new Db.JsonText(Json.write(r.options())), r.safetyBackup(),
        r.tokenHash(), new Db.JsonText(Json.write(r.plan())), r.planSha256(), r.manifestSha256(),
        new Db.JsonText(Json.write(r.targetFingerprint())), new Db.JsonText(Json.write(r.artifactVersions())),
        r.approvalsRequired(), r.createdAt(), r.expiresAt()));
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
   * Consumes the token: PREVIEWED -> APPLYING under the given lease, only if still unexpired, approved
   * enough and the lease is live. The conditional update makes two concurrent confirms impossible to both win.
   */
  public boolean consume(String id, String by, Instant now, String leaseId) {
    return db.tx(c -> Db.update(c, "UPDATE maintenance_restore_requests r SET status = 'APPLYING', consumed_at = ?, consumed_by = ?,"
        + " lease_id = ? WHERE id = ? AND status = 'PREVIEWED' AND expires_at > ?"
        + " AND (SELECT count(*) FROM maintenance_restore_approvals a WHERE a.request_id = r.id) >= approvals_required AND " + Leases.LIVE,
        now, by, leaseId, id, now, leaseId)) == 1;
  }

  /** Records that a datastore's restore is about to be called (only under a live lease). */
  public void markDatastoreApplying(String id, String datastoreId, String leaseId) {
    int n = db.tx(c -> Db.update(c, "UPDATE maintenance_restore_requests SET apply_state = apply_state || jsonb_build_object(?::text, 'APPLYING')"
        + " WHERE id = ? AND status = 'APPLYING' AND lease_id = ? AND " + Leases.LIVE, datastoreId, id, leaseId, leaseId));
    if (n != 1) {
      throw new MaintenanceException(ErrorCode.LEASE_LOST, "restore " + id + " stopped before restoring " + datastoreId
          + ": its lease expired", Map.of("requestId", id, "datastore", datastoreId));
    }
  }

  /** Records that a datastore's restore returned: it holds the backup's data now, whatever happens next. */
  public void markDatastoreApplied(String id, String datastoreId) {
    db.tx(c -> Db.update(c, "UPDATE maintenance_restore_requests SET apply_state = apply_state || jsonb_build_object(?::text, 'APPLIED')"
        + " WHERE id = ? AND status IN ('APPLYING', 'FAILED')", datastoreId, id));
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

  /**
   * APPLYING -> APPLIED. Also corrects a row that recovery settled as FAILED because this process's
   * lease expired while the datastores were still applying: they did apply, so the record must say so.
   */
  public boolean markApplied(String id, List<ResourceSummary> applied, Instant at) {
    return db.tx(c -> Db.update(c, "UPDATE maintenance_restore_requests SET status = 'APPLIED', applied = ?::jsonb, finished_at = ?,"
        + " error_code = NULL, error_message = NULL WHERE id = ? AND (status = 'APPLYING' OR (status = 'FAILED' AND error_code = 'LEASE_LOST'))",
        new Db.JsonText(Json.write(applied)), at, id)) == 1;
  }

  public void markFailed(String id, ErrorInfo error, List<ResourceSummary> applied, Instant at) {
    db.tx(c -> Db.update(c, "UPDATE maintenance_restore_requests SET status = 'FAILED', error_code = ?, error_message = ?,"
        + " applied = ?::jsonb, finished_at = ? WHERE id = ? AND status = 'APPLYING'",
        error.code(), error.message(), new Db.JsonText(Json.write(applied)), at, id));
  }

  /** APPLYING requests whose lease is gone: their process stopped, and what it did must be reconciled. */
  public List<Row> applyingUnowned() {
    return db.call(c -> Db.query(c, "SELECT " + COLUMNS + " FROM maintenance_restore_requests r WHERE status = 'APPLYING' AND "
        + BackupCatalog.UNOWNED.formatted("r") + " ORDER BY created_at", rs -> row(c, rs)));
  }

  /** Settles an APPLYING request whose lease is gone (reconciled by the caller); false if something else settled it. */
  public boolean settle(String id, boolean applied, Optional<ErrorInfo> error, List<ResourceSummary> resources, Instant at) {
    return db.tx(c -> Db.update(c, "UPDATE maintenance_restore_requests r SET status = ?, error_code = ?, error_message = ?,"
        + " applied = ?::jsonb, finished_at = ? WHERE id = ? AND status = 'APPLYING' AND " + BackupCatalog.UNOWNED.formatted("r"),
        applied ? "APPLIED" : "FAILED", error.map(ErrorInfo::code).orElse(null), error.map(ErrorInfo::message).orElse(null),
        new Db.JsonText(Json.write(resources)), at, id)) == 1;
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
        Json.read(rs.getString("target_fingerprint"), new TypeReference<Map<String, Fingerprint>>() {}),
        Optional.ofNullable(rs.getString("lease_id")),
        Json.read(rs.getString("apply_state"), new TypeReference<Map<String, ApplyState>>() {}),
        Json.read(rs.getString("artifact_versions"), new TypeReference<Map<String, Map<String, String>>>() {}));
  }
}
