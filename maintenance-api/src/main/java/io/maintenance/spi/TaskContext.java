package io.maintenance.spi;

import io.maintenance.api.TaskType;

/** What a datastore gets when asked for housekeeping. */
public interface TaskContext {
  String taskId();

  TaskType type();

  boolean dryRun();

  ProgressListener progress();
}
