package io.maintenance.api;

/** What a restore does to one resource. */
public enum ChangeKind {
  /** The resource does not exist now and will be created. */
  CREATE,
  /** The resource exists and its content will be replaced by the backup's. */
  REPLACE,
  /** The resource already equals the backup's content. */
  UNCHANGED
}
