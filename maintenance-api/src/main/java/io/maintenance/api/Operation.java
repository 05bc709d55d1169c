package io.maintenance.api;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * A backup, restore, housekeeping task or delete, running or finished, as the catalog knows it: every
 * replica sharing the catalog sees the same. Started in the background by {@code submit*}, or by a
 * blocking call ({@link Maintenance#backup}, ...), which runs the same operation in the caller's thread.
 *
 * @param id {@code op-<hex>}; also the operation's lease on the operation lock
 * @param target what it works on: the backup id (BACKUP, DELETE_BACKUP), the restore request id (RESTORE),
 *     the task id (housekeeping kinds)
 * @param phase what it is doing now, e.g. {@code backing up orders-db}, {@code writing the manifest}, {@code applying
 *     orders-db}; {@code done} once finished
 * @param owner the engine instance (replica) running it
 * @param schedule the schedule that started it, if one did
 * @param updatedAt when its process last confirmed it (progress and heartbeat); an old value on a RUNNING
 *     operation means its process may have stopped, and it is settled once its lease expires
 * @param cancelRequestedAt when someone asked to cancel it (it stops at its next check)
 * @param error why it failed or was cancelled
 */
public record Operation(
    String id,
    OperationKind kind,
    String target,
    OperationStatus status,
    String phase,
    String requestedBy,
    String owner,
    Optional<String> schedule,
    Instant startedAt,
    Instant updatedAt,
    Optional<Instant> finishedAt,
    Optional<Instant> cancelRequestedAt,
    Optional<String> cancelRequestedBy,
    OperationProgress progress,
    Optional<ErrorInfo> error) {

  public Operation {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(target, "target");
    Objects.requireNonNull(status, "status");
    Objects.requireNonNull(phase, "phase");
    Objects.requireNonNull(requestedBy, "requestedBy");
    Objects.requireNonNull(owner, "owner");
    Objects.requireNonNull(schedule, "schedule");
    Objects.requireNonNull(startedAt, "startedAt");
    Objects.requireNonNull(updatedAt, "updatedAt");
    Objects.requireNonNull(finishedAt, "finishedAt");
    Objects.requireNonNull(cancelRequestedAt, "cancelRequestedAt");
    Objects.requireNonNull(cancelRequestedBy, "cancelRequestedBy");
    Objects.requireNonNull(progress, "progress");
    Objects.requireNonNull(error, "error");
  }
}
