package io.maintenance.api;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * A backup set as the catalog knows it.
 *
 * @param manifestSha256 SHA-256 of {@code manifest.json}, present once the backup succeeded
 * @param totalBytes bytes of all artifacts written by this backup (reused parent artifacts excluded)
 */
public record BackupRecord(
    String id,
    BackupStatus status,
    BackupType type,
    Optional<String> parentId,
    List<String> datastores,
    String storageProvider,
    String requestedBy,
    Instant startedAt,
    Optional<Instant> finishedAt,
    Optional<String> manifestSha256,
    long totalBytes,
    int artifactCount,
    boolean pinned,
    Map<String, String> labels,
    Optional<ErrorInfo> error) {

  public BackupRecord {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(status, "status");
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(parentId, "parentId");
    datastores = List.copyOf(datastores);
    Objects.requireNonNull(storageProvider, "storageProvider");
    Objects.requireNonNull(requestedBy, "requestedBy");
    Objects.requireNonNull(startedAt, "startedAt");
    Objects.requireNonNull(finishedAt, "finishedAt");
    Objects.requireNonNull(manifestSha256, "manifestSha256");
    labels = Map.copyOf(labels);
    Objects.requireNonNull(error, "error");
  }
}
