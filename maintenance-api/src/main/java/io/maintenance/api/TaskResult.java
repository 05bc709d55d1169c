package io.maintenance.api;

import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/** What a housekeeping run did; also stored in {@code maintenance_tasks}. */
public record TaskResult(
    String taskId,
    TaskType type,
    TaskStatus status,
    boolean dryRun,
    Instant startedAt,
    Instant finishedAt,
    List<TaskItem> items,
    Optional<ErrorInfo> error) {
  public TaskResult {
    Objects.requireNonNull(taskId, "taskId");
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(status, "status");
    Objects.requireNonNull(startedAt, "startedAt");
    Objects.requireNonNull(finishedAt, "finishedAt");
    items = List.copyOf(items);
    Objects.requireNonNull(error, "error");
  }
}
