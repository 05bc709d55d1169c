package io.maintenance.spi;

import io.maintenance.api.TaskItem;
import java.util.List;

/** What a datastore did for a housekeeping task. */
public record TaskOutcome(List<TaskItem> items) {
  public TaskOutcome {
    items = List.copyOf(items);
  }

  public static TaskOutcome none() {
    return new TaskOutcome(List.of());
  }
}
