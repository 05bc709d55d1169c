package io.maintenance.api;

import java.time.Duration;
import java.util.Objects;

/**
 * Rules for restores.
 *
 * @param approvalsRequired approvals by people other than the requester before confirm is allowed
 * @param tokenTtl how long a preview (and its token and approvals) stays valid
 * @param safetyBackup whether confirm backs up the target first unless the request says otherwise
 */
public record RestorePolicy(int approvalsRequired, Duration tokenTtl, boolean safetyBackup) {
  public RestorePolicy {
    Objects.requireNonNull(tokenTtl, "tokenTtl");
    if (approvalsRequired < 0) {
      throw new MaintenanceException(ErrorCode.CONFIG_INVALID, "approvalsRequired must not be negative");
    }
    if (tokenTtl.isNegative() || tokenTtl.isZero()) {
      throw new MaintenanceException(ErrorCode.CONFIG_INVALID, "tokenTtl must be positive");
    }
  }

  /** No approvals, 15 minute tokens, no safety backup. */
  public static RestorePolicy defaults() {
    return new RestorePolicy(0, Duration.ofMinutes(15), false);
  }
}
