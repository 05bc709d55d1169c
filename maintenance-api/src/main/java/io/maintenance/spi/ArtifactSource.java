package io.maintenance.spi;

import io.maintenance.api.ArtifactInfo;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * The artifacts of one datastore in a backup set, read back from storage.
 *
 * <p>{@link #open} streams (resuming interrupted downloads at their offset) and verifies as it goes:
 * when the stream reaches its end, or is closed before, the size and SHA-256 are checked against the
 * manifest, and a mismatch throws {@code MaintenanceException(INTEGRITY_MISMATCH)}. So a datastore must
 * apply what it read only after the stream ended cleanly (in a transaction, to a staging copy, ...).
 */
public interface ArtifactSource {
  List<ArtifactInfo> list();

  default Optional<ArtifactInfo> find(String name) {
    return list().stream().filter(a -> a.name().equals(name)).findFirst();
  }

  /** Opens an artifact, decompressed; {@code ARTIFACT_MISSING} if storage does not have it. */
  InputStream open(String name) throws IOException;

  /** Opens the stored bytes as they are (not decompressed), still verified. */
  InputStream openRaw(String name) throws IOException;

  /** A URL a datastore server can fetch the stored bytes from, if the storage can presign one. */
  Optional<URI> presign(String name, Duration ttl) throws IOException;
}
