package io.maintenance.spi;

import io.maintenance.api.DatastoreManifest;
import io.maintenance.api.DatastorePlan;
import java.util.Map;
import java.util.Optional;

/** What a datastore gets when asked to plan or apply a restore. */
public interface RestoreContext {
  String requestId();

  String backupId();

  /** This datastore's part of the backup's manifest (artifacts, resources, metadata). */
  DatastoreManifest manifest();

  ArtifactSource artifacts();

  /** Plugin-specific options from the restore request. */
  Map<String, String> options();

  /** While applying: the plan the preview computed (and the user approved). Empty while planning. */
  Optional<DatastorePlan> approvedPlan();

  ProgressListener progress();
}
