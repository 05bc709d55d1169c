package io.maintenance.api;

/** Housekeeping tasks. */
public enum TaskType {
  /** Prune backups the retention policy no longer keeps (artifacts first, then rows). */
  RETENTION,
  /** Re-read artifacts and check sizes and SHA-256 against the manifests. */
  VERIFY,
  /** Datastore-specific upkeep: REINDEX/VACUUM, optimise, ... */
  REINDEX,
  /** Remove storage objects no backup owns, abort dead uploads, settle rows stuck RUNNING or DELETING. */
  ORPHAN_SWEEP,
  /**
   * Rewrap the data keys of encrypted backups with the current key-encryption key (after a key was
   * added), rewriting manifests only, never artifacts.
   */
  REKEY,
  /**
   * Restore drill: restore each datastore's latest succeeded backup into its sandbox (configured under
   * {@code drills.<datastore>.sandbox.*}), check every artifact and the counts against the manifest, and
   * discard what it restored. Takes {@link TaskRequest#datastores()} (empty: every datastore with a sandbox).
   */
  DRILL
}
