package io.maintenance.spi;

import java.util.Objects;
import java.util.Optional;

/**
 * A (ranged) read.
 *
 * @param offset first byte to read
 * @param length bytes to read, or -1 for all bytes after offset
 * @param version if present, the read fails with {@code MaintenanceException(INTEGRITY_MISMATCH)} unless the
 *     object still has this version, so that one download never mixes two versions
 */
public record ReadRequest(String key, long offset, long length, Optional<String> version) {
  public ReadRequest {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(version, "version");
    if (offset < 0 || length < -1) {
      throw new IllegalArgumentException("offset must be >= 0 and length >= -1");
    }
  }

  public static ReadRequest whole(String key) {
    return new ReadRequest(key, 0, -1, Optional.empty());
  }

  public static ReadRequest range(String key, long offset, long length) {
    return new ReadRequest(key, offset, length, Optional.empty());
  }

  public ReadRequest pinnedTo(Optional<String> v) {
    return new ReadRequest(key, offset, length, v);
  }
}
