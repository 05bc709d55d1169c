package io.maintenance.api;

import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * How far an operation has come, as its process last wrote it to the catalog (at most once a second).
 *
 * @param percent 0 to 100, never falling; below 100 until the operation succeeded; empty while nothing allows
 *     an estimate (a first backup of a datastore that reports no totals)
 * @param bytesDone artifact bytes moved so far, all datastores
 * @param bytesTotal what they will come to (-1 when unknown for any datastore)
 * @param bytesTotalEstimated whether {@code bytesTotal} is an estimate
 * @param eta when the operation should finish at the rate so far, where a total is known
 * @param stage the last stage any part reported (e.g. {@code backup bk-1} of a VERIFY)
 * @param itemsDone items of that stage done
 * @param itemsTotal items of that stage in all, -1 when unknown
 * @param datastores per datastore, in the order they are worked on
 */
public record OperationProgress(
    Optional<Double> percent,
    long bytesDone,
    long bytesTotal,
    boolean bytesTotalEstimated,
    Optional<Instant> eta,
    String stage,
    long itemsDone,
    long itemsTotal,
    List<DatastoreProgress> datastores) {

  public OperationProgress {
    Objects.requireNonNull(percent, "percent");
    Objects.requireNonNull(eta, "eta");
    Objects.requireNonNull(stage, "stage");
    datastores = List.copyOf(datastores);
  }

  /** Nothing reported yet. */
  public static OperationProgress none() {
    return new OperationProgress(Optional.empty(), 0, -1, false, Optional.empty(), "", 0, -1, List.of());
  }
}
