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
  REKEY
}
