package io.maintenance.spi;

import io.maintenance.api.ResourceSummary;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What a datastore reports after writing its artifacts; goes into the manifest.
 *
 * @param sourceFingerprint the fingerprint of what was backed up
 * @param resources what was backed up, with counts (the plan's "after" side of a later restore)
 * @param metadata facts a restore will need (server version, config, ...)
 */
public record DatastoreBackup(Fingerprint sourceFingerprint, List<ResourceSummary> resources, Map<String, String> metadata) {
  public DatastoreBackup {
    Objects.requireNonNull(sourceFingerprint, "sourceFingerprint");
    resources = List.copyOf(resources);
    metadata = Map.copyOf(metadata);
  }
}
