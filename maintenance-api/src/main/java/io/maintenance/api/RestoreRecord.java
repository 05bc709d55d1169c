package io.maintenance.api;

import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A restore request as the catalog knows it.
 *
 * @param applied the resources as they were found after the restore (empty until applied)
 * @param safetyBackupId the backup taken of the target just before applying, if one was taken
 */
public record RestoreRecord(
    String id,
    String backupId,
    RestoreStatus status,
    String requestedBy,
    List<String> datastores,
    int approvalsRequired,
    List<Approval> approvals,
    Instant createdAt,
    Instant expiresAt,
    Optional<Instant> finishedAt,
    RestorePlan plan,
    Optional<String> safetyBackupId,
    List<ResourceSummary> applied,
    Optional<ErrorInfo> error) {
  public RestoreRecord {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(backupId, "backupId");
    Objects.requireNonNull(status, "status");
    Objects.requireNonNull(requestedBy, "requestedBy");
    datastores = List.copyOf(datastores);
    approvals = List.copyOf(approvals);
    Objects.requireNonNull(createdAt, "createdAt");
    Objects.requireNonNull(expiresAt, "expiresAt");
    Objects.requireNonNull(finishedAt, "finishedAt");
    Objects.requireNonNull(plan, "plan");
    Objects.requireNonNull(safetyBackupId, "safetyBackupId");
    applied = List.copyOf(applied);
    Objects.requireNonNull(error, "error");
  }

  public boolean approvalsSatisfied() {
    return approvals.size() >= approvalsRequired;
  }
}
