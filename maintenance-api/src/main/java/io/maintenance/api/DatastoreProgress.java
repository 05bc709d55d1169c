package io.maintenance.api;

import java.util.Objects;

/**
 * How far an operation has come with one datastore.
 *
 * @param bytesDone artifact bytes (as stored) written by a backup or read by a restore so far
 * @param bytesTotal what they will come to: exact for a restore (the manifest's sizes), an estimate for a
 *     backup (the same datastore's last backup of the same type); -1 when unknown
 * @param bytesTotalEstimated whether {@code bytesTotal} is an estimate
 * @param stage what the datastore reported last, e.g. {@code table public.accounts} or {@code graph social nodes}
 * @param itemsDone items of that stage done (rows, nodes, edges, points, or a server snapshot's bytes: the stage says)
 * @param itemsTotal items of that stage in all, -1 when unknown
 */
public record DatastoreProgress(
    String datastore,
    State state,
    long bytesDone,
    long bytesTotal,
    boolean bytesTotalEstimated,
    String stage,
    long itemsDone,
    long itemsTotal) {

  /** What happened to this datastore. */
  public enum State {
    /** Not started (yet, or never: the operation stopped before it). */
    PENDING,
    RUNNING,
    DONE,
    /** Failed; for a backup nothing of it is kept. */
    FAILED,
    /** A restore of it failed or was cancelled before its commit: its all-or-nothing rule left the live data as it was. */
    ROLLED_BACK
  }

  public DatastoreProgress {
    Objects.requireNonNull(datastore, "datastore");
    Objects.requireNonNull(state, "state");
    Objects.requireNonNull(stage, "stage");
  }
}
