package io.maintenance.api;

import java.util.Objects;
import java.util.Optional;

/**
 * A page of operations, newest first.
 *
 * @param status only operations in this state, if present
 * @param kind only operations of this kind, if present
 * @param limit page size, 1..1000
 * @param cursor the {@link Page#nextCursor()} of the previous page
 */
public record OperationQuery(Optional<OperationStatus> status, Optional<OperationKind> kind, int limit, Optional<String> cursor) {
  public OperationQuery {
    Objects.requireNonNull(status, "status");
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(cursor, "cursor");
    if (limit < 1 || limit > BackupQuery.MAX_LIMIT) {
      throw new MaintenanceException(ErrorCode.INVALID_REQUEST, "limit must be between 1 and " + BackupQuery.MAX_LIMIT
          + ", was " + limit, java.util.Map.of("pointer", "?limit"));
    }
  }

  public static OperationQuery firstPage(int limit) {
    return new OperationQuery(Optional.empty(), Optional.empty(), limit, Optional.empty());
  }

  public OperationQuery withStatus(OperationStatus s) {
    return new OperationQuery(Optional.of(s), kind, limit, cursor);
  }

  public OperationQuery withKind(OperationKind k) {
    return new OperationQuery(status, Optional.of(k), limit, cursor);
  }

  public OperationQuery after(String nextCursor) {
    return new OperationQuery(status, kind, limit, Optional.of(nextCursor));
  }
}
