package io.maintenance.api;

import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * What to restore.
 *
 * @param backupId a succeeded backup
 * @param datastores which of its datastores to restore; empty means all of them
 * @param safetyBackup whether confirm first backs up the datastores it is about to overwrite;
 *     empty means the engine's policy decides
 * @param options plugin-specific restore options, passed to every selected datastore
 */
public record RestoreRequest(
    String backupId, Set<String> datastores, Optional<Boolean> safetyBackup, Map<String, String> options) {
  public RestoreRequest {
    Objects.requireNonNull(backupId, "backupId");
    datastores = Set.copyOf(datastores);
    Objects.requireNonNull(safetyBackup, "safetyBackup");
    options = Map.copyOf(options);
  }

  public static RestoreRequest of(String backupId) {
    return builder(backupId).build();
  }

  public static Builder builder(String backupId) {
    return new Builder(backupId);
  }

  public static final class Builder {
    private final String backupId;
    private final Set<String> datastores = new LinkedHashSet<>();
    private Optional<Boolean> safetyBackup = Optional.empty();
    private final Map<String, String> options = new LinkedHashMap<>();

    private Builder(String backupId) {
      this.backupId = backupId;
    }

    public Builder datastore(String id) {
      datastores.add(id);
      return this;
    }

    public Builder datastores(Set<String> ids) {
      datastores.addAll(ids);
      return this;
    }

    public Builder safetyBackup(boolean enabled) {
      this.safetyBackup = Optional.of(enabled);
      return this;
    }

    public Builder option(String key, String value) {
      options.put(key, value);
      return this;
    }

    public RestoreRequest build() {
      return new RestoreRequest(backupId, datastores, safetyBackup, options);
    }
  }
}
