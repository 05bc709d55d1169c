package io.maintenance.spi;

import io.maintenance.api.DatastorePlan;
import io.maintenance.api.ErrorCode;
import io.maintenance.api.MaintenanceException;
import io.maintenance.api.ProbeResult;
import java.io.IOException;
import java.util.Set;

/**
 * One database the engine backs up and restores (a PostgreSQL database, a FalkorDB server, a Qdrant
 * cluster). Implementations must pass {@code io.maintenance.tck.DatastoreContract}.
 *
 * <p>Failures are {@code MaintenanceException}s: {@code DATASTORE_FAILURE} for the server,
 * {@code INCOMPATIBLE_ARTIFACT} for artifacts that cannot be restored here. Identifiers read from
 * artifacts are quoted or rejected, never concatenated into queries.
 */
public interface Datastore extends AutoCloseable {

  /** The instance id chosen by the host, e.g. {@code orders-db}; unique within an engine. */
  String id();

  /** The plugin type, e.g. {@code postgres}. */
  String type();

  /** The plugin's version, recorded in manifests. */
  default String version() {
    String v = getClass().getPackage().getImplementationVersion();
    return v == null ? "dev" : v;
  }

  /** Reachability, credentials, server version, with structured codes. */
  ProbeResult probe();

  /**
   * A cheap summary of the live data of the named resources (all resources the datastore backs up
   * when empty). Must change when data in them changes, and must not change otherwise.
   */
  Fingerprint fingerprint(Set<String> resources) throws IOException;

  /** Writes this datastore's artifacts. */
  DatastoreBackup backup(BackupContext context) throws IOException;

  /**
   * Dry run: parses and validates every artifact without writing anything, and computes the
   * reconciliation diff against the live data.
   */
  DatastorePlan plan(RestoreContext context) throws IOException;

  /**
   * Applies a restore all-or-nothing: if it fails, the live data is left as it was. Returns the
   * resources as found after applying.
   */
  RestoreOutcome restore(RestoreContext context) throws IOException;

  /** Datastore-specific upkeep ({@code REINDEX}); nothing by default. */
  default TaskOutcome housekeeping(TaskContext context) throws IOException {
    return TaskOutcome.none();
  }

  /** Whether {@link #backup} can reuse parent artifacts for an incremental backup. */
  default boolean supportsIncremental() {
    return false;
  }

  /**
   * Whether {@link #discard} is implemented, so that this datastore can serve as the sandbox of a restore drill
   * (the engine refuses a drill configuration whose sandbox cannot discard).
   */
  default boolean supportsDiscard() {
    return false;
  }

  /**
   * Removes the named resources (names as in {@link io.maintenance.api.DatastoreManifest#resources()}) and what a
   * restore of them created beside them (a PostgreSQL schema's types and functions, a Qdrant collection's
   * aliases), leaving this datastore as empty of them as before the restore. Used on the sandbox of a restore
   * drill after the drill's restore was verified (or failed); never called on a datastore that is backed up or
   * restored for real. Resources that do not exist are skipped. Throws {@code DATASTORE_FAILURE} when the
   * server refuses, {@code CONFIG_INVALID} when the plugin does not support it.
   */
  default void discard(Set<String> resources) throws IOException {
    // The engine checks supportsDiscard() at start; reaching this is a configuration the engine let through.
    throw new MaintenanceException(ErrorCode.CONFIG_INVALID, type()
        + " datastores cannot discard resources, so they cannot be the sandbox of a restore drill");
  }

  @Override
  default void close() throws IOException {}
}
