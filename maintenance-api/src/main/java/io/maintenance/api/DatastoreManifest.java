package io.maintenance.api;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The part of a manifest that belongs to one datastore.
 *
 * @param sourceFingerprint the datastore's fingerprint of its data when the backup was taken
 * @param metadata plugin-specific facts a later restore needs (server version, config hashes, ...)
 */
public record DatastoreManifest(
    String id,
    String type,
    String pluginVersion,
    String sourceFingerprint,
    List<ArtifactInfo> artifacts,
    List<ResourceSummary> resources,
    Map<String, String> metadata) {
  public DatastoreManifest {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(pluginVersion, "pluginVersion");
    Objects.requireNonNull(sourceFingerprint, "sourceFingerprint");
    artifacts = List.copyOf(artifacts);
    resources = List.copyOf(resources);
    metadata = Map.copyOf(metadata);
  }
}
