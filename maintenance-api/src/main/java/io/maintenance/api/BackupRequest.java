package io.maintenance.api;

import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * What to back up.
 *
 * @param datastores ids of the datastores to include; empty means all registered datastores
 * @param type full, or incremental against the newest succeeded backup of the same datastores
 * @param pinned pinned backups are never pruned by retention
 * @param labels free-form key/values stored with the backup (e.g. {@code reason=pre-migration}); checked
 *     by {@link Inputs#entries}
 */
public record BackupRequest(Set<String> datastores, BackupType type, boolean pinned, Map<String, String> labels) {
  public BackupRequest {
    Objects.requireNonNull(datastores, "datastores");
    datastores.forEach(d -> Inputs.name("/datastores", d));
    datastores = Set.copyOf(datastores);
    Objects.requireNonNull(type, "type");
    labels = Map.copyOf(Inputs.entries("/labels", labels));
  }

  /** A full, unpinned backup of every datastore. */
  public static BackupRequest all() {
    return builder().build();
  }

  public static Builder builder() {
    return new Builder();
  }

  public static final class Builder {
    private final Set<String> datastores = new LinkedHashSet<>();
    private BackupType type = BackupType.FULL;
    private boolean pinned;
    private final Map<String, String> labels = new LinkedHashMap<>();

    private Builder() {}

    public Builder datastore(String id) {
      datastores.add(id);
      return this;
    }

    public Builder datastores(Set<String> ids) {
      datastores.addAll(ids);
      return this;
    }

    public Builder type(BackupType type) {
      this.type = type;
      return this;
    }

    public Builder pinned(boolean pinned) {
      this.pinned = pinned;
      return this;
    }

    public Builder label(String key, String value) {
      labels.put(key, value);
      return this;
    }

    public BackupRequest build() {
      return new BackupRequest(datastores, type, pinned, labels);
    }
  }
}
