package io.maintenance.spi;

import io.maintenance.api.BackupType;
import io.maintenance.api.DatastoreManifest;
import java.util.Optional;

/** What a datastore gets when asked for a backup. */
public interface BackupContext {
  String backupId();

  BackupType type();

  /** For incremental backups, this datastore's part of the parent backup's manifest. */
  Optional<DatastoreManifest> parent();

  ArtifactSink artifacts();

  ProgressListener progress();

  /**
   * Throws {@code MaintenanceException} when the operation must stop (cancelled, or the engine lost
   * its operation lease). Cheap: call it between batches, tables, graphs or collections.
   */
  default void ensureActive() {}
}
