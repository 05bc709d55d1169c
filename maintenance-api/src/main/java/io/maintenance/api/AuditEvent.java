package io.maintenance.api;

import java.time.Instant;
import java.util.Map;
import java.util.Objects;

/**
 * Something that happened, by whom, to what, and how it ended.
 *
 * @param action e.g. {@code backup}, {@code restore.preview}, {@code restore.approve}, {@code restore.confirm}, {@code task}
 * @param outcome {@code success}, {@code denied}, or an error code name
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
