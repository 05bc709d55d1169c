package io.maintenance.api;

import java.util.List;
import java.util.Objects;

/** What a confirm would do, per datastore. Its hash is stored with the request. */
public record RestorePlan(String backupId, List<DatastorePlan> datastores) {
  public RestorePlan {
    Objects.requireNonNull(backupId, "backupId");
    datastores = List.copyOf(datastores);
  }
}
