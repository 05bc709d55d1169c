package io.maintenance.api;

import java.util.Objects;
import java.util.Optional;

/** Audit records, newest first, optionally before a sequence number (for paging). */
public record AuditQuery(int limit, Optional<Long> beforeSequence) {
  public AuditQuery {
    Objects.requireNonNull(beforeSequence, "beforeSequence");
    if (limit < 1 || limit > 1000) {
      throw new MaintenanceException(ErrorCode.INVALID_REQUEST, "limit must be between 1 and 1000, was " + limit);
    }
  }

  public static AuditQuery latest(int limit) {
    return new AuditQuery(limit, Optional.empty());
  }
}
