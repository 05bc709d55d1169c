package io.maintenance.core.internal.catalog;

import io.maintenance.core.internal.Json;
import io.maintenance.spi.UploadState;
import io.maintenance.spi.internal.UploadTracker;
import java.time.Clock;
import java.util.List;
import java.util.Optional;

/**
 * The {@code maintenance_upload_sessions} table: an upload is recorded before its first byte is sent,
 * updated at each checkpoint and removed when it completes or aborts, so the state needed to resume
 * or abort it survives a crash.
 */
public final class UploadSessionCatalog {
  private final Db db;
  private final Clock clock;
  private final String owner;

  public UploadSessionCatalog(Db db, Clock clock, String owner) {
    this.db = db;
    this.clock = clock;
    this.owner = owner;
  }

  /**
   * A tracker that records the uploads of one backup. Each checkpoint first runs {@code activeCheck}
   * (the backup's lease), so an upload stops at its next chunk once the operation must stop.
   */
  public UploadTracker tracker(Optional<String> backupId, Runnable activeCheck) {
    return new UploadTracker() {
      @Override
      public void started(UploadState s) {
        activeCheck.run();
        db.tx(c -> Db.update(c, "INSERT INTO maintenance_upload_sessions (session_id, provider, object_key, backup_id, owner,"
                + " state, committed_bytes, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?::jsonb, ?, ?, ?)"
                + " ON CONFLICT (session_id) DO UPDATE SET state = EXCLUDED.state, committed_bytes = EXCLUDED.committed_bytes,"
                + " updated_at = EXCLUDED.updated_at",
            s.sessionId(), s.provider(), s.key(), backupId.orElse(null), owner, new Db.JsonText(Json.write(s)),
            s.committedBytes(), clock.instant(), clock.instant()));
      }

      @Override
      public void checkpoint(UploadState s) {
        activeCheck.run();
        db.tx(c -> Db.update(c, "UPDATE maintenance_upload_sessions SET state = ?::jsonb, committed_bytes = ?, updated_at = ?"
            + " WHERE session_id = ?", new Db.JsonText(Json.write(s)), s.committedBytes(), clock.instant(), s.sessionId()));
      }

      @Override
      public void finished(UploadState s, boolean completed) {
        remove(s.sessionId());
      }
    };
  }

  public List<UploadState> all() {
    return db.call(c -> Db.query(c, "SELECT state::text AS state FROM maintenance_upload_sessions ORDER BY created_at",
        rs -> Json.read(rs.getString("state"), UploadState.class)));
  }

  public void remove(String sessionId) {
    db.tx(c -> Db.update(c, "DELETE FROM maintenance_upload_sessions WHERE session_id = ?", sessionId));
  }
}
