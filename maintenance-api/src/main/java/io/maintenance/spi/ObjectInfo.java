package io.maintenance.spi;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * A stored object.
 *
 * @param version the provider's version of the object (ETag, generation, mtime+size) used to pin
 *     ranged reads of one download to one version; empty if the provider has none
 */
public record ObjectInfo(String key, long size, Instant lastModified, Optional<String> version) {
  public ObjectInfo {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(lastModified, "lastModified");
    Objects.requireNonNull(version, "version");
  }
}
