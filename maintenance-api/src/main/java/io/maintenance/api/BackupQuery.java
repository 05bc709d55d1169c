package io.maintenance.api;

import java.util.Objects;
import java.util.Optional;

/**
 * A page of backups, newest first.
 *
 * @param status only backups in this state, if present
 * @param limit page size, 1..1000
 * @param cursor the {@link Page#nextCursor()} of the previous page
 */
public record BackupQuery(Optional<BackupStatus> status, int limit, Optional<String> cursor) {
  public static final int MAX_LIMIT = 1000;

  public BackupQuery {
    Objects.requireNonNull(status, "status");
    Objects.requireNonNull(cursor, "cursor");
    if (limit < 1 || limit > MAX_LIMIT) {
      throw new MaintenanceException(ErrorCode.INVALID_REQUEST, "limit must be between 1 and " + MAX_LIMIT + ", was " + limit);
    }
  }

  public static BackupQuery firstPage(int limit) {
    return new BackupQuery(Optional.empty(), limit, Optional.empty());
  }

  public BackupQuery withStatus(BackupStatus s) {
    return new BackupQuery(Optional.of(s), limit, cursor);
  }

  public BackupQuery after(String nextCursor) {
    return new BackupQuery(status, limit, Optional.of(nextCursor));
  }
}
