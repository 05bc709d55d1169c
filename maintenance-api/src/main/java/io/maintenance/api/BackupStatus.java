package io.maintenance.api;

/** Life cycle of a backup set in the catalog. */
public enum BackupStatus {
  /** Artifacts are being written; the manifest is not yet there. */
  RUNNING,
  /** The manifest was written last and every artifact in it has a recorded size and SHA-256. */
  SUCCEEDED,
  /** The backup stopped with an error; its artifacts are removed (or left to the orphan sweep). */
  FAILED,
  /** The process running the backup disappeared; found at start-up or by the orphan sweep. */
  ABANDONED,
  /** Artifacts are being deleted; the row goes once they are gone (a crash leaves it for the sweep). */
  DELETING,
  /**
   * VERIFY found an artifact or the manifest missing or not matching its SHA-256 (the error says which
   * and the code). Not restorable and not counted by retention until a later VERIFY finds it intact again.
   */
  CORRUPT
}
