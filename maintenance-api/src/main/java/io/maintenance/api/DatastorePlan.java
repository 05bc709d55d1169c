package io.maintenance.api;

import java.util.List;
import java.util.Objects;

/** A datastore's dry run of a restore: every artifact parsed and validated, nothing written. */
public record DatastorePlan(String datastoreId, String type, List<ResourceDiff> resources, List<String> warnings) {
  public DatastorePlan {
    Objects.requireNonNull(datastoreId, "datastoreId");
    Objects.requireNonNull(type, "type");
    resources = List.copyOf(resources);
    warnings = List.copyOf(warnings);
  }
}
