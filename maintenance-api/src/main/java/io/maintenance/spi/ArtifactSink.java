package io.maintenance.spi;

import io.maintenance.api.ArtifactInfo;
import io.maintenance.api.Compression;
import java.io.IOException;
import java.io.OutputStream;
import java.util.List;

/**
 * Where a datastore writes the artifacts of a backup. A datastore writes plain bytes; the engine
 * compresses them (by its policy), encrypts them (when encryption is on), checksums (SHA-256) and
 * counts the stored bytes on their way to storage, never buffering an artifact whole. Closing the
 * stream makes the artifact durable and records it for the manifest. Storage failures surface as
 * {@code MaintenanceException(STORAGE_FAILURE)}.
 */
public interface ArtifactSink {

  /**
   * Opens a new artifact.
   *
   * @param name a single path segment, unique within this datastore's part of the backup
   *     (e.g. {@code public.accounts_postgres.json})
   */
  OutputStream create(String name, String contentType, ArtifactOptions options) throws IOException;

  /** Opens a new artifact that the engine compresses by its policy. */
  default OutputStream create(String name, String contentType) throws IOException {
    return create(name, contentType, ArtifactOptions.DEFAULT);
  }

  /**
   * Opens a new artifact with a forced compression.
   *
   * @deprecated the engine compresses every artifact by its policy: use {@link #create(String, String)},
   *     or {@link ArtifactOptions#PRECOMPRESSED} for bytes that are already compressed
   */
  @Deprecated
  default OutputStream create(String name, String contentType, Compression compression) throws IOException {
    return create(name, contentType, ArtifactOptions.compression(compression));
  }

  /**
   * Records an artifact of the parent backup as part of this (incremental) backup without copying
   * it; only valid when {@link BackupContext#parent()} is present.
   */
  void reuse(ArtifactInfo parentArtifact);

  /** Artifacts completed so far, in creation order. */
  List<ArtifactInfo> completed();
}
