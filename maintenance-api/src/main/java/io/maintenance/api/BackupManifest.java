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
    List<DatastoreManifest> datastores,
    List<DataKey> dataKeys) {

  /**
   * The format this version of the library writes; it reads this one and older. Version 2 added
   * {@code ZSTD} compression and encryption ({@code dataKeys}, {@link ArtifactInfo#dataKey()}).
   */
  public static final int FORMAT_VERSION = 2;

  public BackupManifest {
    Objects.requireNonNull(backupId, "backupId");
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(parentId, "parentId");
    Objects.requireNonNull(startedAt, "startedAt");
    Objects.requireNonNull(finishedAt, "finishedAt");
    Objects.requireNonNull(engineVersion, "engineVersion");
    datastores = List.copyOf(datastores);
    dataKeys = dataKeys == null ? List.of() : List.copyOf(dataKeys);
  }

  /** A manifest without encryption. */
  public BackupManifest(int formatVersion, String backupId, BackupType type, Optional<String> parentId, Instant startedAt,
      Instant finishedAt, String engineVersion, List<DatastoreManifest> datastores) {
    this(formatVersion, backupId, type, parentId, startedAt, finishedAt, engineVersion, datastores, List.of());
  }

  public Optional<DataKey> dataKey(String id) {
    return dataKeys.stream().filter(k -> k.id().equals(id)).findFirst();
  }

  public Optional<DatastoreManifest> datastore(String id) {
    return datastores.stream().filter(d -> d.id().equals(id)).findFirst();
  }
}
