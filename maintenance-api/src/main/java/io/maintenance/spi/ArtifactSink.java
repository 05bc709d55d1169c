package io.maintenance.spi;

import io.maintenance.api.ArtifactInfo;
import io.maintenance.api.Compression;
import java.io.IOException;
import java.io.OutputStream;
import java.util.List;

/**
 * Where a datastore writes the artifacts of a backup. Each stream is checksummed (SHA-256) and
 * counted on its way to storage, never buffered whole; closing it makes the artifact durable and
 * records it for the manifest. Storage failures surface as {@code MaintenanceException(STORAGE_FAILURE)}.
 */
public interface ArtifactSink {

  /**
   * Opens a new artifact.
   *
   * @param name a single path segment, unique within this datastore's part of the backup
   *     (e.g. {@code public.accounts_postgres.json})
   */
  OutputStream create(String name, String contentType, Compression compression) throws IOException;

  default OutputStream create(String name, String contentType) throws IOException {
    return create(name, contentType, Compression.NONE);
  }

  /**
   * Records an artifact of the parent backup as part of this (incremental) backup without copying
   * it; only valid when {@link BackupContext#parent()} is present.
   */
  void reuse(ArtifactInfo parentArtifact);

  /** Artifacts completed so far, in creation order. */
  List<ArtifactInfo> completed();
}
