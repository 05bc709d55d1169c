package io.maintenance.api;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * What to restore.
 *
 * @param backupId a succeeded backup
 * @param datastores which of its datastores to restore; empty means all of them
 * @param resources per datastore id, which of its resources (tables, graphs, collections, by the names
 *     the manifest lists) to restore; a datastore that is not a key restores all of its resources.
 *     Naming a datastore here also selects it.
 * @param safetyBackup whether confirm first backs up the datastores it is about to overwrite;
 *     empty means the engine's policy decides
 * @param options plugin-specific restore options, passed to every selected datastore
 */
public record RestoreRequest(
    String backupId,
    Set<String> datastores,
    Map<String, Set<String>> resources,
    Optional<Boolean> safetyBackup,
    Map<String, String> options) {
  public RestoreRequest {
    Inputs.id("/backupId", backupId);
    Objects.requireNonNull(datastores, "datastores");
    Objects.requireNonNull(resources, "resources");
    datastores.forEach(d -> Inputs.name("/datastores", d));
    resources.forEach((ds, names) -> {
      Inputs.name("/resources", ds);
      Objects.requireNonNull(names, "resources of " + ds);
      names.forEach(n -> Inputs.name("/resources/" + ds, n));
    });
    if (!datastores.isEmpty() || resources.isEmpty()) {
      Set<String> all = new LinkedHashSet<>(datastores);
      all.addAll(resources.keySet());
      datastores = all;
    } else {
      datastores = resources.keySet();
    }
    datastores = Set.copyOf(datastores);
    TreeMap<String, Set<String>> copy = new TreeMap<>();
    resources.forEach((ds, names) -> copy.put(Objects.requireNonNull(ds, "datastore id"),
        Set.copyOf(new TreeSet<>(names))));
    resources = Map.copyOf(copy);
    Objects.requireNonNull(safetyBackup, "safetyBackup");
    options = Map.copyOf(Inputs.entries("/options", options));
  }

  public static RestoreRequest of(String backupId) {
    return builder(backupId).build();
  }

  public static Builder builder(String backupId) {
    return new Builder(backupId);
  }

  /** The resources selected in one datastore; empty means all of them. */
  public Set<String> resourcesOf(String datastoreId) {
    return resources.getOrDefault(datastoreId, Set.of());
  }

  public static final class Builder {
    private final String backupId;
    private final Set<String> datastores = new LinkedHashSet<>();
    private final Map<String, Set<String>> resources = new LinkedHashMap<>();
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

    /** Restores only these resources of a datastore (adds to earlier calls); also selects the datastore. */
    public Builder resources(String datastoreId, Collection<String> names) {
      datastores.add(datastoreId);
      resources.computeIfAbsent(datastoreId, k -> new LinkedHashSet<>()).addAll(names);
      return this;
    }

    public Builder resource(String datastoreId, String name) {
      return resources(datastoreId, Set.of(name));
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
      return new RestoreRequest(backupId, datastores, resources, safetyBackup, options);
    }
  }
}
