package io.maintenance.api;

import java.util.List;
import java.util.Optional;

/**
 * The facade a host service uses. Every method checks the principal's scope first and audits what
 * it did; failures are {@link MaintenanceException}s with a stable {@link ErrorCode}.
 */
public interface Maintenance extends AutoCloseable {

  /** Takes a backup set. Scope {@link Scope#BACKUP}. Blocks until it succeeded or failed. */
  BackupRecord backup(BackupRequest request, Principal principal);

  /**
   * Starts a backup in the background and returns at once with its operation. The request is checked and
   * the operation lock taken first, so a refusal ({@code INVALID_REQUEST}, {@code OPERATION_IN_PROGRESS})
   * is thrown here and nothing starts. Scope {@link Scope#BACKUP}.
   */
  default Operation submitBackup(BackupRequest request, Principal principal) {
    throw notSupported("submitBackup");
  }

  /** Lists backups, newest first. Scope {@link Scope#READ}. */
  Page<BackupRecord> listBackups(BackupQuery query, Principal principal);

  /** Looks a backup up. Scope {@link Scope#READ}. */
  Optional<BackupRecord> findBackup(String backupId, Principal principal);

  /** Reads and checks a succeeded backup's manifest. Scope {@link Scope#READ}. */
  BackupManifest manifest(String backupId, Principal principal);

  /** Deletes a backup: artifacts first, then the row. Scope {@link Scope#HOUSEKEEPING}. */
  void deleteBackup(String backupId, Principal principal);

  /**
   * Step 1 of a restore: checks every selected artifact's integrity, asks each datastore for a dry-run
   * plan and diff, and returns a single-use token. Nothing is written to the datastores.
   * Scope {@link Scope#RESTORE_PREVIEW}.
   */
  RestorePreview previewRestore(RestoreRequest request, Principal principal);

  /** Approves a previewed restore; the requester may not approve their own. Scope {@link Scope#RESTORE_APPROVE}. */
  RestoreRecord approveRestore(String requestId, String comment, Principal principal);

  /**
   * Step 2 of a restore: applies a previewed plan if the token is valid, unused and unexpired, the
   * approvals are there and the target has not changed since the preview. Scope {@link Scope#RESTORE_APPLY}.
   */
  RestoreRecord confirmRestore(String token, Principal principal);

  /**
   * {@link #confirmRestore} in the background: the token, its expiry and the approvals are checked and the
   * operation lock taken before it returns (refusals are thrown here); the drift check and the restore run
   * in the operation. Scope {@link Scope#RESTORE_APPLY}.
   */
  default Operation submitRestore(String token, Principal principal) {
    throw notSupported("submitRestore");
  }

  /** Looks a restore request up. Scope {@link Scope#READ}. */
  Optional<RestoreRecord> findRestore(String requestId, Principal principal);

  /** Runs a housekeeping task. Scope {@link Scope#HOUSEKEEPING}. */
  TaskResult runTask(TaskRequest request, Principal principal);

  /** {@link #runTask} in the background; refusals are thrown here. Scope {@link Scope#HOUSEKEEPING}. */
  default Operation submitTask(TaskRequest request, Principal principal) {
    throw notSupported("submitTask");
  }

  /** Looks a housekeeping run up (what a submitted task did, once its operation finished). Scope {@link Scope#READ}. */
  default Optional<TaskResult> findTask(String taskId, Principal principal) {
    throw notSupported("findTask");
  }

  /** Looks an operation up, on any replica sharing the catalog. Scope {@link Scope#READ}. */
  default Optional<Operation> findOperation(String operationId, Principal principal) {
    throw notSupported("findOperation");
  }

  /** Lists operations, newest first. Scope {@link Scope#READ}. */
  default Page<Operation> listOperations(OperationQuery query, Principal principal) {
    throw notSupported("listOperations");
  }

  /**
   * Asks a running operation to stop, wherever it runs: it stops at its next check (within about a second)
   * and finishes {@code CANCELLED}, unless it passed its point of no return first. Returns the operation as
   * it is now (an operation that already finished is returned unchanged). Needs the scope that starts
   * operations of its kind ({@link OperationKind#scope()}).
   */
  default Operation cancelOperation(String operationId, Principal principal) {
    throw notSupported("cancelOperation");
  }

  /** The configured schedules and how they have been doing. Scope {@link Scope#READ}. */
  default List<ScheduleStatus> schedules(Principal principal) {
    return List.of(); // an implementation without schedules has none
  }

  /** Probes the catalog, the storage and every datastore. Scope {@link Scope#READ}. */
  ReadinessReport readiness(Principal principal);

  /** The JSON metrics summary. Scope {@link Scope#READ}. */
  MetricsSummary metrics(Principal principal);

  /** The library's meters in the Prometheus text format. Scope {@link Scope#READ}. */
  String prometheusText(Principal principal);

  /** Audit records, newest first. Scope {@link Scope#READ}. */
  List<AuditRecord> audit(AuditQuery query, Principal principal);

  /** Re-computes the audit hash chain and reports the first row that does not match. Scope {@link Scope#READ}. */
  AuditVerification verifyAudit(Principal principal);

  /**
   * Records a request that an entry point (admin routes, a command line) refused before it reached an
   * operation: a malformed body, a wrong method, an oversized body. With a principal it is audited as
   * {@code action} with the error code as outcome; without one (missing or unknown credentials) it is
   * only counted, because anyone can send those and they must not fill the audit table. Both are counted
   * in {@code maintenance_requests_refused_total{code}}. Needs no scope. (Does nothing unless implemented.)
   */
  default void recordRefusal(Optional<Principal> principal, String action, String target, MaintenanceException reason) {}

  /** Stops background work and releases plugins. */
  @Override
  void close();

  /** What the operations methods of an implementation written before them answer. */
  private MaintenanceException notSupported(String method) {
    return new MaintenanceException(ErrorCode.INTERNAL_ERROR, getClass().getName() + " does not implement " + method
        + " (an implementation older than the operations methods)");
  }
}
