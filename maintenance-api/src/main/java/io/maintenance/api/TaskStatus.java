package io.maintenance.api;

/** Outcome of a housekeeping task. */
public enum TaskStatus {
  RUNNING,
  SUCCEEDED,
  FAILED
}
