package io.maintenance.api;

import java.time.Instant;
import java.util.Map;
import java.util.Objects;

/**
 * Something that happened, by whom, to what, and how it ended.
 *
 * @param actor who asked (the principal's name), or the engine itself for what it decides on its own
 * @param action e.g. {@code backup}, {@code backup.delete}, {@code restore.preview}, {@code restore.approve},
 *     {@code restore.confirm}, {@code restore.reconcile} (a restore settled after its process died),
 *     {@code task.verify} and the other {@code task.<type>}, {@code engine.recover}, or the route of a refused request
 * @param outcome {@code success}, or the {@link ErrorCode} name it ended with ({@code FORBIDDEN} when the
 *     principal lacked the scope, {@code INVALID_REQUEST} for malformed input, ...)
 * @param details what else the event concerns; values are escaped so that no control character reaches a log
 * @param target the backup id, restore request id or task id concerned
 */
public record AuditEvent(
    Instant occurredAt, String actor, String action, String outcome, String target, Map<String, String> details) {
  public AuditEvent {
    Objects.requireNonNull(occurredAt, "occurredAt");
    Objects.requireNonNull(actor, "actor");
    Objects.requireNonNull(action, "action");
    Objects.requireNonNull(outcome, "outcome");
    Objects.requireNonNull(target, "target");
    details = Map.copyOf(details);
  }
}
