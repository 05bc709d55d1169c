package io.maintenance.api;

import java.util.Objects;
import java.util.Optional;

/**
 * Result of re-computing the audit hash chain.
 *
 * @param firstBrokenSequence the first row whose hash or link does not match, if any
 */
public record AuditVerification(boolean intact, long rowsChecked, Optional<Long> firstBrokenSequence, String detail) {
  public AuditVerification {
    Objects.requireNonNull(firstBrokenSequence, "firstBrokenSequence");
    Objects.requireNonNull(detail, "detail");
  }
}
