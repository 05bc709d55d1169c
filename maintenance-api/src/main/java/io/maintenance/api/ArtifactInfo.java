package io.maintenance.api;

import java.util.Objects;
import java.util.Optional;

/**
 * One artifact of a backup set, as recorded in the manifest.
 *
 * @param name file name within the datastore's folder of the backup set
 * @param size stored bytes
 * @param sha256 lower-case hex SHA-256 of the stored bytes
 * @param heldBy for incremental backups, the id of the backup whose folder holds the bytes
 *     (the artifact was unchanged and reused); empty when this backup wrote it
 */
public record ArtifactInfo(
    String name, long size, String sha256, String contentType, Compression compression, Optional<String> heldBy) {
  public ArtifactInfo {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(sha256, "sha256");
    Objects.requireNonNull(contentType, "contentType");
    Objects.requireNonNull(compression, "compression");
    Objects.requireNonNull(heldBy, "heldBy");
    if (size < 0) {
      throw new IllegalArgumentException("size must not be negative");
    }
  }
}
