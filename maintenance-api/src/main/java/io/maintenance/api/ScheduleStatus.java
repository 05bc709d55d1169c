package io.maintenance.api;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * A configured schedule ({@code schedules.<name>.*}) and how it has been doing, as the catalog knows it.
 *
 * @param kind {@code backup} or a housekeeping task ({@code retention}, {@code verify}, ...)
 * @param cron the cron expression (five fields, as in crontab)
 * @param nextRunAt when it fires next (jitter included)
 * @param lastRunAt when it last started an operation
 * @param lastOperationId that operation
 * @param lastStatus that operation's status
 * @param lastSuccessAt when an operation it started last succeeded
 * @param overdue no success within its period (the time between two runs) plus its grace: readiness reports
 *     it ({@code SCHEDULE_OVERDUE}) and {@code maintenance_schedule_overdue} is 1
 * @param note what happened at the last firing when it started nothing (a missed run skipped, the lock busy)
 */
public record ScheduleStatus(
    String name,
    String kind,
    String cron,
    Optional<Instant> nextRunAt,
    Optional<Instant> lastRunAt,
    Optional<String> lastOperationId,
    Optional<OperationStatus> lastStatus,
    Optional<Instant> lastSuccessAt,
    boolean overdue,
    Optional<String> note) {
  public ScheduleStatus {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(cron, "cron");
    Objects.requireNonNull(nextRunAt, "nextRunAt");
    Objects.requireNonNull(lastRunAt, "lastRunAt");
    Objects.requireNonNull(lastOperationId, "lastOperationId");
    Objects.requireNonNull(lastStatus, "lastStatus");
    Objects.requireNonNull(lastSuccessAt, "lastSuccessAt");
    Objects.requireNonNull(note, "note");
  }
}
