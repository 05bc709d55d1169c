package io.maintenance.api;

import java.util.Objects;
import java.util.Optional;

/**
 * One artifact of a backup set, as recorded in the manifest.
 *
 * @param name file name within the datastore's folder of the backup set
 * @param size stored bytes
 * @param sha256 lower-case hex SHA-256 of the stored bytes (compressed and encrypted, as they are in
 *     storage), so verifying needs no key
 * @param compression how the datastore's bytes were compressed before they were stored
 * @param heldBy for incremental backups, the id of the backup whose folder holds the bytes
 *     (the artifact was unchanged and reused); empty when this backup wrote it
 * @param dataKey the {@link DataKey#id()} of the manifest's data key that encrypts the artifact;
 *     empty when it is not encrypted
 * @param contentSha256 SHA-256 of the bytes as the datastore wrote them, when known: equal to
 *     {@code sha256} when the engine stored them unchanged, and recorded for artifacts created
 *     {@link io.maintenance.spi.ArtifactOptions#PRECOMPRESSED} (a server's own archive, whose checksum
 *     the server checks); empty otherwise
 */
public record ArtifactInfo(
    String name,
    long size,
    String sha256,
    String contentType,
    Compression compression,
    Optional<String> heldBy,
    Optional<String> dataKey,
    Optional<String> contentSha256) {
  public ArtifactInfo {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(sha256, "sha256");
    Objects.requireNonNull(contentType, "contentType");
    Objects.requireNonNull(compression, "compression");
    Objects.requireNonNull(heldBy, "heldBy");
    Objects.requireNonNull(dataKey, "dataKey");
    Objects.requireNonNull(contentSha256, "contentSha256");
    if (size < 0) {
      throw new IllegalArgumentException("size must not be negative");
    }
  }

  /** An artifact that is not encrypted (its content SHA-256 is known when it is not compressed either). */
  public ArtifactInfo(String name, long size, String sha256, String contentType, Compression compression, Optional<String> heldBy) {
    this(name, size, sha256, contentType, compression, heldBy, Optional.empty(),
        compression == Compression.NONE ? Optional.of(sha256) : Optional.empty());
  }

  /** Whether the stored bytes are exactly the bytes the datastore wrote (not compressed, not encrypted). */
  public boolean storedAsWritten() {
    return compression == Compression.NONE && dataKey.isEmpty();
  }

  /** The same artifact, now held by another backup's folder. */
  public ArtifactInfo heldBy(String backupId) {
    return new ArtifactInfo(name, size, sha256, contentType, compression, Optional.of(backupId), dataKey, contentSha256);
  }
}
