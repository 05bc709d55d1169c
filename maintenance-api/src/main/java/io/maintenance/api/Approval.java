package io.maintenance.api;

import java.time.Instant;
import java.util.Objects;

/** One person's approval of a restore request. */
public record Approval(String approver, Instant approvedAt, String comment) {
  public Approval {
    Objects.requireNonNull(approver, "approver");
    Objects.requireNonNull(approvedAt, "approvedAt");
    Objects.requireNonNull(comment, "comment");
  }
}
