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
 * <p>{@link #open} streams (resuming interrupted downloads at their offset), decrypts and
 * decompresses, and verifies as it goes: the stored bytes' size and SHA-256 are checked against the
 * manifest before the stream reports its end (or when it is closed before), every encrypted segment
 * is authenticated before its bytes are handed out, and a mismatch, a tampered or truncated segment or
 * a corrupt frame throws {@code MaintenanceException(INTEGRITY_MISMATCH)}. So a datastore must apply
 * what it read only after the stream ended cleanly (in a transaction, to a staging copy, ...).
 */
public interface ArtifactSource {
  List<ArtifactInfo> list();

  default Optional<ArtifactInfo> find(String name) {
    return list().stream().filter(a -> a.name().equals(name)).findFirst();
  }

  /**
   * Opens an artifact as the datastore wrote it (decrypted, decompressed); {@code ARTIFACT_MISSING} if
   * storage does not have it.
   */
  InputStream open(String name) throws IOException;

  /**
   * Opens the stored bytes as they are (still compressed and encrypted, if they are), verified. Only
   * the same as {@link #open} when {@link ArtifactInfo#storedAsWritten()}.
   */
  InputStream openRaw(String name) throws IOException;

  /**
   * A URL a datastore server can fetch the artifact from, if the storage can presign one and the
   * stored bytes are the bytes the datastore wrote ({@link ArtifactInfo#storedAsWritten()}); empty otherwise.
   */
  Optional<URI> presign(String name, Duration ttl) throws IOException;
}
