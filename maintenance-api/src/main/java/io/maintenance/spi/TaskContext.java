package io.maintenance.spi;

import io.maintenance.api.TaskType;

/** What a datastore gets when asked for housekeeping. */
public interface TaskContext {
  String taskId();

  TaskType type();

  boolean dryRun();

  ProgressListener progress();

  /**
   * Throws {@code MaintenanceException} when the operation must stop (cancelled, or the engine lost
   * its operation lease). Cheap: call it between batches, tables, graphs or collections.
   */
  default void ensureActive() {}
}
