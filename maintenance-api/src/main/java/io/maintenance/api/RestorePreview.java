package io.maintenance.api;

import java.time.Instant;
import java.util.Objects;

/**
 * The answer to a preview. The token is shown here once; the catalog keeps only its hash.
 * {@link #toString()} leaves the token out so that it cannot end up in a log by accident.
 */
public record RestorePreview(String requestId, String token, RestorePlan plan, Instant expiresAt, int approvalsRequired) {
  public RestorePreview {
    Objects.requireNonNull(requestId, "requestId");
    Objects.requireNonNull(token, "token");
    Objects.requireNonNull(plan, "plan");
    Objects.requireNonNull(expiresAt, "expiresAt");
  }

  @Override
  public String toString() {
    return "RestorePreview[requestId=" + requestId + ", token=<redacted>, plan=" + plan
        + ", expiresAt=" + expiresAt + ", approvalsRequired=" + approvalsRequired + "]";
  }
}
