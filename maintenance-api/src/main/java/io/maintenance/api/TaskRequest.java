package io.maintenance.api;

import java.util.LinkedHashSet;
import java.util.Objects;
import java.util.Set;

/**
 * A housekeeping run.
 *
 * @param dryRun report what would be done without doing it
 * @param datastores for {@link TaskType#REINDEX} and {@link TaskType#DRILL}: which datastores; empty means all
 *     (for a drill: all that have a sandbox)
 * @param backupIds for {@link TaskType#VERIFY}: which backups; empty means every succeeded backup
 */
public record TaskRequest(TaskType type, boolean dryRun, Set<String> datastores, Set<String> backupIds) {
  public TaskRequest {
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(datastores, "datastores");
    Objects.requireNonNull(backupIds, "backupIds");
    datastores.forEach(d -> Inputs.name("/datastores", d));
    backupIds.forEach(id -> Inputs.id("/backupIds", id));
    datastores = Set.copyOf(datastores);
    backupIds = Set.copyOf(backupIds);
  }

  public static TaskRequest of(TaskType type) {
    return builder(type).build();
  }

  public static Builder builder(TaskType type) {
    return new Builder(type);
  }

  public static final class Builder {
    private final TaskType type;
    private boolean dryRun;
    private final Set<String> datastores = new LinkedHashSet<>();
    private final Set<String> backupIds = new LinkedHashSet<>();

    private Builder(TaskType type) {
      this.type = type;
    }

    public Builder dryRun(boolean dryRun) {
      this.dryRun = dryRun;
      return this;
    }

    public Builder datastore(String id) {
      datastores.add(id);
      return this;
    }

    public Builder backup(String id) {
      backupIds.add(id);
      return this;
    }

    public TaskRequest build() {
      return new TaskRequest(type, dryRun, datastores, backupIds);
    }
  }
}
