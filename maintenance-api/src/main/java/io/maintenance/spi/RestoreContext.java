package io.maintenance.spi;

import io.maintenance.api.DatastoreManifest;
import io.maintenance.api.DatastorePlan;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** What a datastore gets when asked to plan or apply a restore. */
public interface RestoreContext {
  String requestId();

  String backupId();

  /** This datastore's part of the backup's manifest (artifacts, resources, metadata). */
  DatastoreManifest manifest();

  ArtifactSource artifacts();

  /**
   * The resources to restore, by the names in {@link DatastoreManifest#resources()} (the engine has
   * checked that each exists there); empty means all of them. A datastore plans and restores only
   * these, leaves every other resource as it is, and reports only these in its plan and outcome.
   */
  default Set<String> resources() {
    return Set.of();
  }

  /** Plugin-specific options from the restore request. */
  Map<String, String> options();

  /** While applying: the plan the preview computed (and the user approved). Empty while planning. */
  Optional<DatastorePlan> approvedPlan();

  ProgressListener progress();

  /**
   * Throws {@code MaintenanceException} when the operation must stop (cancelled, or the engine lost
   * its operation lease). Cheap: call it between batches, tables, graphs or collections, before the
   * point of no return. A restore that stops must leave the live data as it was.
   */
  default void ensureActive() {}
}
