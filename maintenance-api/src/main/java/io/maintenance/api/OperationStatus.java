package io.maintenance.api;

/** Where an {@link Operation} stands. Only {@code RUNNING} changes. */
public enum OperationStatus {
  RUNNING,
  SUCCEEDED,
  /** Failed with the code in {@link Operation#error()}; also an operation whose process stopped (code {@code LEASE_LOST}). */
  FAILED,
  /** Stopped on request (code {@code CANCELLED}). */
  CANCELLED;

  public boolean finished() {
    return this != RUNNING;
  }
}
