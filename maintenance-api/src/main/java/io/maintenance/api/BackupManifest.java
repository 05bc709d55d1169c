package io.maintenance.api;

import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * {@code manifest.json}: written last, so a backup set without one is incomplete by definition.
 * The catalog stores the SHA-256 of its bytes; a restore refuses a manifest that does not match.
 */
public record BackupManifest(
    int formatVersion,
    String backupId,
    BackupType type,
    Optional<String> parentId,
    Instant startedAt,
    Instant finishedAt,
    String engineVersion,
    List<DatastoreManifest> datastores) {

  /** The format this version of the library writes; it reads this one and older. */
  public static final int FORMAT_VERSION = 1;

  public BackupManifest {
    Objects.requireNonNull(backupId, "backupId");
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(parentId, "parentId");
    Objects.requireNonNull(startedAt, "startedAt");
    Objects.requireNonNull(finishedAt, "finishedAt");
    Objects.requireNonNull(engineVersion, "engineVersion");
    datastores = List.copyOf(datastores);
  }

  public Optional<DatastoreManifest> datastore(String id) {
    return datastores.stream().filter(d -> d.id().equals(id)).findFirst();
  }
}
