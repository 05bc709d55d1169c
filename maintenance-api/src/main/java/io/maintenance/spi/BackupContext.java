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
}
