package io.maintenance.api;

/** A full backup copies everything; an incremental one reuses unchanged artifacts of its parent. */
public enum BackupType {
  FULL,
  INCREMENTAL
}
