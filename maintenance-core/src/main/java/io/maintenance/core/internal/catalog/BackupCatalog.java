package io.maintenance.core.internal.catalog;

import com.fasterxml.jackson.core.type.TypeReference;
import io.maintenance.api.BackupQuery;
import io.maintenance.api.BackupRecord;
import io.maintenance.api.BackupStatus;
import io.maintenance.api.BackupType;
import io.maintenance.api.ErrorCode;
import io.maintenance.api.ErrorInfo;
import io.maintenance.api.Inputs;
import io.maintenance.api.MaintenanceException;
import io.maintenance.api.Page;
import io.maintenance.core.internal.Json;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The {@code maintenance_backups} table. Every status change is a conditional update on the expected status. */
public final class BackupCatalog {
  /** SQL condition (format with the table alias) that a row's lease is not live: its owner is gone. */
  static final String UNOWNED = "NOT EXISTS (SELECT 1 FROM maintenance_operations o WHERE o.id = %s.lease_id"
      + " AND o.status = 'RUNNING' AND o.expires_at > now())";

  private static final String COLUMNS = "id, status, type, parent_id, datastores, storage_provider, storage_prefix, requested_by,"
      + " started_at, finished_at, manifest_sha256, total_bytes, artifact_count, pinned, labels::text AS labels,"
      + " error_code, error_message";

  /** A catalog row: the public record plus where its artifacts are. */
  public record Row(BackupRecord record, String storagePrefix) {
    public String id() {
      return record.id();
    }
  }

  private final Db db;

  public BackupCatalog(Db db) {
    this.db = db;
  }

  public void insertRunning(String id, BackupType type, Optional<String> parentId, List<String> datastores,
      String provider, String prefix, String requestedBy, String owner, Instant startedAt, boolean pinned,
      Map<String, String> labels, String leaseId) {
    db.tx(c -> Db.update(c, "INSERT INTO maintenance_backups (id, status, type, parent_id, datastores, storage_provider,"
            + " storage_prefix, requested_by, owner, started_at, pinned, labels, lease_id)"
            + " VALUES (?, 'RUNNING', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?::jsonb, ?)",
        id, type, parentId.orElse(null), datastores, provider, prefix, requestedBy, owner, startedAt, pinned,
        new Db.JsonText(Json.write(labels)), leaseId));
  }

  /** RUNNING -> SUCCEEDED, only while the backup's lease is live: a stale owner cannot record a success. */
  public void markSucceeded(String id, String manifestSha256, long totalBytes, int artifactCount, Instant finishedAt,
      String leaseId) {
    int n = db.tx(c -> Db.update(c, "UPDATE maintenance_backups SET status = 'SUCCEEDED', manifest_sha256 = ?,"
        + " total_bytes = ?, artifact_count = ?, finished_at = ?, verified_at = ? WHERE id = ? AND status = 'RUNNING'"
        + " AND " + Leases.LIVE, manifestSha256, totalBytes, artifactCount, finishedAt, finishedAt, id, leaseId));
    if (n != 1) {
      throw new MaintenanceException(ErrorCode.LEASE_LOST, "backup " + id + " was not recorded as succeeded: its lease"
          + " expired and the row was settled by another replica", Map.of("backupId", id));
    }
  }

  /** Marks a RUNNING backup failed; returns false if it was no longer running. */
  public boolean markFailed(String id, ErrorInfo error, Instant finishedAt) {
    return db.tx(c -> Db.update(c, "UPDATE maintenance_backups SET status = 'FAILED', error_code = ?, error_message = ?,"
        + " finished_at = ? WHERE id = ? AND status = 'RUNNING'", error.code(), error.message(), finishedAt, id)) == 1;
  }

  /** RUNNING rows whose lease is gone (their process stopped) become ABANDONED; returns their ids. */
  public List<String> abandonUnowned(Instant now) {
    return db.tx(c -> Db.query(c, "UPDATE maintenance_backups b SET status = 'ABANDONED', finished_at = ?,"
        + " error_code = 'LEASE_LOST', error_message = 'the process running this backup stopped before it finished'"
        + " WHERE status = 'RUNNING' AND " + UNOWNED.formatted("b") + " RETURNING id", rs -> rs.getString("id"), now));
  }

  /** Rows RUNNING now whose lease is gone (what {@link #abandonUnowned} would settle). */
  public List<Row> runningUnowned() {
    return db.call(c -> Db.query(c, "SELECT " + COLUMNS + " FROM maintenance_backups b WHERE status = 'RUNNING' AND "
        + UNOWNED.formatted("b") + " ORDER BY started_at", BackupCatalog::row));
  }

  /** SUCCEEDED -> CORRUPT with the worst code VERIFY found; false if it was in another state. */
  public boolean markCorrupt(String id, ErrorInfo error, Instant at) {
    return db.tx(c -> Db.update(c, "UPDATE maintenance_backups SET status = 'CORRUPT', error_code = ?, error_message = ?,"
        + " verified_at = ? WHERE id = ? AND status IN ('SUCCEEDED', 'CORRUPT')", error.code(), error.message(), at, id)) == 1;
  }

  /** A VERIFY found every artifact intact: CORRUPT -> SUCCEEDED (error cleared) and the verification time recorded. */
  public boolean markVerified(String id, Instant at) {
    return db.tx(c -> Db.update(c, "UPDATE maintenance_backups SET status = 'SUCCEEDED', error_code = NULL, error_message = NULL,"
        + " verified_at = ? WHERE id = ? AND status IN ('SUCCEEDED', 'CORRUPT')", at, id)) == 1;
  }

  public boolean markDeleting(String id, BackupStatus expected) {
    return db.tx(c -> Db.update(c, "UPDATE maintenance_backups SET status = 'DELETING' WHERE id = ? AND status = ?",
        id, expected)) == 1;
  }

  /**
   * Step one of rewriting a succeeded backup's manifest (REKEY): records the SHA-256 of the manifest about
   * to be written; false if the backup is no longer SUCCEEDED with the expected manifest.
   */
  public boolean beginManifestRewrite(String id, String currentSha256, String nextSha256) {
    return db.tx(c -> Db.update(c, "UPDATE maintenance_backups SET manifest_sha256_next = ? WHERE id = ?"
        + " AND status = 'SUCCEEDED' AND manifest_sha256 = ?", nextSha256, id, currentSha256)) == 1;
  }

  /** Step three: the new manifest is in storage, so it becomes the backup's manifest. */
  public boolean finishManifestRewrite(String id, String nextSha256, long sizeDelta) {
    return db.tx(c -> Db.update(c, "UPDATE maintenance_backups SET manifest_sha256 = manifest_sha256_next,"
        + " manifest_sha256_next = NULL, total_bytes = total_bytes + ? WHERE id = ? AND manifest_sha256_next = ?",
        sizeDelta, id, nextSha256)) == 1;
  }

  /** The SHA-256 of a manifest a REKEY was writing when it stopped, if any. */
  public Optional<String> pendingManifest(String id) {
    return db.call(c -> Db.queryOne(c, "SELECT manifest_sha256_next FROM maintenance_backups WHERE id = ?",
        rs -> Optional.ofNullable(rs.getString(1)), id)).flatMap(x -> x);
  }

  /** Removes a DELETING row; failed incremental attempts that named it as parent let go of it. */
  public boolean delete(String id) {
    return db.tx(c -> {
      Db.update(c, "UPDATE maintenance_backups SET parent_id = NULL WHERE parent_id = ? AND status IN ('FAILED', 'ABANDONED')", id);
      return Db.update(c, "DELETE FROM maintenance_backups WHERE id = ? AND status = 'DELETING'", id) == 1;
    });
  }

  public Optional<Row> find(String id) {
    return db.call(c -> Db.queryOne(c, "SELECT " + COLUMNS + " FROM maintenance_backups WHERE id = ?", BackupCatalog::row, id));
  }

  public Row require(String id) {
    return find(id).orElseThrow(() -> new MaintenanceException(ErrorCode.NOT_FOUND, "no backup with id '" + id + "'",
        Map.of("backupId", id)));
  }

  /** Ids of backups whose parent is the given one. */
  public List<String> children(String id) {
    return db.call(c -> Db.query(c, "SELECT id FROM maintenance_backups WHERE parent_id = ? ORDER BY started_at",
        rs -> rs.getString("id"), id));
  }

  /** The newest SUCCEEDED backup that holds the datastore (what a restore drill restores). */
  public Optional<Row> latestSucceededWith(String datastore) {
    return db.call(c -> Db.queryOne(c, "SELECT " + COLUMNS + " FROM maintenance_backups WHERE status = 'SUCCEEDED'"
        + " AND ? = ANY(datastores) ORDER BY started_at DESC, id DESC LIMIT 1", BackupCatalog::row, datastore));
  }

  public List<Row> withStatus(BackupStatus status) {
    return db.call(c -> Db.query(c, "SELECT " + COLUMNS + " FROM maintenance_backups WHERE status = ?"
        + " ORDER BY started_at DESC, id DESC", BackupCatalog::row, status));
  }

  public boolean exists(String id) {
    return db.call(c -> Db.queryOne(c, "SELECT 1 FROM maintenance_backups WHERE id = ?", rs -> true, id)).isPresent();
  }

  /** The newest succeeded backup that covers all the given datastores (the parent of an incremental one). */
  public Optional<Row> newestSucceededCovering(List<String> datastores) {
    return db.call(c -> Db.queryOne(c, "SELECT " + COLUMNS + " FROM maintenance_backups WHERE status = 'SUCCEEDED'"
        + " AND datastores @> ? ORDER BY started_at DESC, id DESC LIMIT 1", BackupCatalog::row, datastores));
  }

  /** Keyset pagination over (started_at DESC, id DESC): fast at any depth. */
  public Page<BackupRecord> page(BackupQuery q) {
    Optional<Cursor> after = q.cursor().map(Cursor::decode);
    return db.call(c -> {
      StringBuilder sql = new StringBuilder("SELECT " + COLUMNS + " FROM maintenance_backups WHERE true");
      List<Object> params = new ArrayList<>();
      if (q.status().isPresent()) {
        sql.append(" AND status = ?");
        params.add(q.status().get());
      }
      if (after.isPresent()) {
        sql.append(" AND (started_at, id) < (?, ?)");
        params.add(after.get().startedAt());
        params.add(after.get().id());
      }
      sql.append(" ORDER BY started_at DESC, id DESC LIMIT ?");
      params.add(q.limit() + 1);
      List<Row> rows = Db.query(c, sql.toString(), BackupCatalog::row, params.toArray());
      boolean more = rows.size() > q.limit();
      List<BackupRecord> items = rows.stream().limit(q.limit()).map(Row::record).toList();
      Optional<String> next = more
          ? Optional.of(new Cursor(items.get(items.size() - 1).startedAt(), items.get(items.size() - 1).id()).encode())
          : Optional.empty();
      return new Page<>(items, next);
    });
  }

  public Map<BackupStatus, Long> countByStatus() {
    return db.call(c -> {
      Map<BackupStatus, Long> out = new EnumMap<>(BackupStatus.class);
      for (BackupStatus s : BackupStatus.values()) {
        out.put(s, 0L);
      }
      Db.query(c, "SELECT status, count(*) AS n FROM maintenance_backups GROUP BY status",
          rs -> out.put(BackupStatus.valueOf(rs.getString("status")), rs.getLong("n")));
      return out;
    });
  }

  /** Newest finish time and total bytes of succeeded backups. */
  public record Totals(Optional<Instant> lastSucceededAt, long storedBytes) {}

  public Totals succeededTotals() {
    return db.call(c -> Db.queryOne(c, "SELECT max(finished_at) AS last, coalesce(sum(total_bytes), 0) AS bytes"
        + " FROM maintenance_backups WHERE status = 'SUCCEEDED'",
        rs -> new Totals(Db.optionalInstant(rs, "last"), rs.getLong("bytes"))).orElseThrow());
  }

  /** The id this catalog marks its storage folders with. */
  public String deploymentId() {
    return db.call(c -> Db.queryOne(c, "SELECT id FROM maintenance_deployment", rs -> rs.getString("id"))).orElseThrow(() ->
        new MaintenanceException(ErrorCode.CONFIG_INVALID, "the catalog has no deployment id; apply schema version 3"));
  }

  /** When each datastore was last part of a succeeded backup (newest finish time per datastore id). */
  public Map<String, Instant> lastSucceededByDatastore() {
    return db.call(c -> {
      Map<String, Instant> out = new java.util.TreeMap<>();
      Db.query(c, "SELECT d, max(finished_at) AS last FROM maintenance_backups, unnest(datastores) AS d"
          + " WHERE status = 'SUCCEEDED' GROUP BY d", rs -> out.put(rs.getString("d"), Db.instant(rs, "last")));
      return out;
    });
  }

  static Row row(ResultSet rs) throws SQLException {
    String code = rs.getString("error_code");
    Map<String, String> labels = Json.read(rs.getString("labels"), new TypeReference<Map<String, String>>() {});
    BackupRecord r = new BackupRecord(
        rs.getString("id"),
        BackupStatus.valueOf(rs.getString("status")),
        BackupType.valueOf(rs.getString("type")),
        Optional.ofNullable(rs.getString("parent_id")),
        Db.textArray(rs, "datastores"),
        rs.getString("storage_provider"),
        rs.getString("requested_by"),
        Db.instant(rs, "started_at"),
        Db.optionalInstant(rs, "finished_at"),
        Optional.ofNullable(rs.getString("manifest_sha256")),
        rs.getLong("total_bytes"),
        rs.getInt("artifact_count"),
        rs.getBoolean("pinned"),
        labels,
        code == null ? Optional.empty() : Optional.of(new ErrorInfo(code, String.valueOf(rs.getString("error_message")))));
    return new Row(r, rs.getString("storage_prefix"));
  }

  /** An opaque listing cursor: base64url of "epochMicros|id". Only cursors this class would issue are accepted. */
  record Cursor(Instant startedAt, String id) {
    /** Cursors name backups started after this (PostgreSQL's timestamptz covers far more) and before tomorrow. */
    private static final Instant EARLIEST = Instant.parse("2000-01-01T00:00:00Z");

    String encode() {
      long micros = Math.addExact(Math.multiplyExact(startedAt.getEpochSecond(), 1_000_000L), startedAt.getNano() / 1000);
      return Base64.getUrlEncoder().withoutPadding().encodeToString((micros + "|" + id).getBytes(StandardCharsets.UTF_8));
    }

    static Cursor decode(String s) {
      Cursor c;
      try {
        String text = new String(Base64.getUrlDecoder().decode(s), StandardCharsets.UTF_8);
        int bar = text.indexOf('|');
        long micros = Long.parseLong(text.substring(0, bar));
        c = new Cursor(Instant.ofEpochSecond(Math.floorDiv(micros, 1_000_000L), Math.floorMod(micros, 1_000_000L) * 1000),
            Inputs.id("/cursor", text.substring(bar + 1)));
      } catch (RuntimeException e) {
        throw forged();
      }
      if (c.startedAt.isBefore(EARLIEST) || c.startedAt.isAfter(Instant.now().plus(java.time.Duration.ofDays(1)))
          || !c.encode().equals(s)) {
        throw forged();
      }
      return c;
    }

    private static MaintenanceException forged() {
      return new MaintenanceException(ErrorCode.INVALID_REQUEST, "the listing cursor is not one this service issued",
          Map.of("pointer", "/cursor"));
    }
  }
}
