package io.maintenance.api;

import java.util.Objects;

/**
 * One thing a task did or would do.
 *
 * @param target a backup id, storage key, table, ...
 * @param action e.g. {@code delete}, {@code keep}, {@code verify}, {@code reindex}, {@code abort-upload}
 * @param outcome e.g. {@code done}, {@code would-do}, {@code ok}, or an {@link ErrorCode} name
 * @param detail why (the retention rule that keeps a backup, the mismatch found, ...)
 */
public record TaskItem(String target, String action, String outcome, String detail) {
  public TaskItem {
    Objects.requireNonNull(target, "target");
    Objects.requireNonNull(action, "action");
    Objects.requireNonNull(outcome, "outcome");
    Objects.requireNonNull(detail, "detail");
  }
}
