package io.maintenance.core.internal.operations;

import io.maintenance.api.DatastoreProgress;
import io.maintenance.api.OperationProgress;
import io.maintenance.spi.ProgressListener;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The progress of one running operation, kept in memory by the threads doing the work (cheap: a counter
 * add per artifact write or read, a few volatile writes per plugin report) and turned into an
 * {@link OperationProgress} when its lease writes it to the catalog (at most once per progress interval).
 *
 * <p>Bytes are the artifact bytes as stored, counted by the engine's storage streams; items and stages
 * are what the datastores report through their {@link ProgressListener}. The percentage comes from bytes
 * where every datastore's total is known (a restore: exactly; a backup: estimated from the last one),
 * else from the items of the last stage (housekeeping tasks), else from the share of datastores done;
 * it never falls, and it is 100 only once the operation succeeded.
 */
public final class Tracker {
  private final long startNanos = System.nanoTime();
  private final List<Part> parts = new CopyOnWriteArrayList<>();
  private volatile String phase = "starting";
  private volatile String stage = "";
  private volatile long itemsDone;
  private volatile long itemsTotal = -1;
  private volatile boolean succeeded;
  private double shownPercent = -1;

  public String phase() {
    return phase;
  }

  public void phase(String phase) {
    this.phase = phase;
  }

  /** The part of one datastore, created (in the order work reaches them) on first use. */
  public synchronized Part datastore(String id) {
    for (Part p : parts) {
      if (p.id.equals(id)) {
        return p;
      }
    }
    Part p = new Part(id);
    parts.add(p);
    return p;
  }

  /** Announces the datastores an operation will work on, so that they show as pending from the start. */
  public void plan(List<String> datastoreIds) {
    datastoreIds.forEach(this::datastore);
  }

  /** A listener for an operation-level stage (a task's backups, a retention's deletions), passing reports on to {@code next}. */
  public ProgressListener listener(ProgressListener next) {
    return (s, done, total) -> {
      items(s, done, total);
      next.onProgress(s, done, total);
    };
  }

  private void items(String s, long done, long total) {
    stage = s;
    itemsDone = done;
    itemsTotal = total;
  }

  /** Marks the operation as succeeded: 100 % from now on. */
  public void succeeded() {
    succeeded = true;
    for (Part p : parts) {
      if (p.state == DatastoreProgress.State.RUNNING) {
        p.state(DatastoreProgress.State.DONE);
      }
    }
  }

  /** What the catalog gets. */
  public synchronized OperationProgress snapshot(Instant now) {
    List<DatastoreProgress> ds = new ArrayList<>();
    long done = 0;
    long total = 0;
    boolean totalKnown = !parts.isEmpty();
    boolean estimated = false;
    int finished = 0;
    for (Part p : parts) {
      long b = p.bytes.get();
      long t = p.bytesTotal;
      if (p.state == DatastoreProgress.State.DONE) {
        t = b; // what it really came to
        finished++;
      } else if (t >= 0) {
        t = Math.max(t, b);
      }
      ds.add(new DatastoreProgress(p.id, p.state, b, t, p.estimated && p.state != DatastoreProgress.State.DONE, p.stage,
          p.itemsDone, p.itemsTotal));
      done += b;
      if (t < 0) {
        totalKnown = false;
      } else {
        total += t;
      }
      estimated |= p.estimated && p.state != DatastoreProgress.State.DONE;
    }
    double elapsed = (System.nanoTime() - startNanos) / 1e9;
    double fraction = -1;
    Optional<Instant> eta = Optional.empty();
    if (totalKnown && total > 0) {
      fraction = (double) done / total;
      if (done > 0 && done < total && elapsed >= 1) {
        eta = Optional.of(now.plus(Duration.ofMillis((long) ((total - done) / (done / elapsed) * 1000))));
      }
    } else if (totalKnown && total == 0 && finished == parts.size()) {
      fraction = 1;
    } else if (parts.isEmpty() && itemsTotal > 0) {
      fraction = (double) itemsDone / itemsTotal;
      if (itemsDone > 0 && itemsDone < itemsTotal && elapsed >= 1) {
        eta = Optional.of(now.plus(Duration.ofMillis((long) ((itemsTotal - itemsDone) / (itemsDone / elapsed) * 1000))));
      }
    } else if (parts.size() > 1) {
      fraction = (double) finished / parts.size();
    }
    Optional<Double> percent;
    if (succeeded) {
      shownPercent = 100;
      percent = Optional.of(100.0);
      eta = Optional.empty();
    } else if (fraction >= 0) {
      // Below 100 until it succeeded (an estimate can be short); never lower than what was shown.
      shownPercent = Math.max(shownPercent, Math.min(99.9, Math.floor(fraction * 1000) / 10));
      percent = Optional.of(shownPercent);
    } else {
      percent = shownPercent >= 0 ? Optional.of(shownPercent) : Optional.empty();
    }
    return new OperationProgress(percent, done, totalKnown ? total : -1, totalKnown && estimated, eta, stage, itemsDone,
        itemsTotal, ds);
  }

  /** One datastore's share of the work. Thread-safe: datastores may report from several threads. */
  public static final class Part {
    private final String id;
    private final AtomicLong bytes = new AtomicLong();
    private volatile long bytesTotal = -1;
    private volatile boolean estimated;
    private volatile DatastoreProgress.State state = DatastoreProgress.State.PENDING;
    private volatile String stage = "";
    private volatile long itemsDone;
    private volatile long itemsTotal = -1;

    private Part(String id) {
      this.id = id;
    }

    public String id() {
      return id;
    }

    /** Starts it: {@code total} bytes expected (-1 unknown), exact or an estimate. */
    public void start(long total, boolean estimate) {
      bytes.set(0);
      bytesTotal = total;
      estimated = estimate && total >= 0;
      state = DatastoreProgress.State.RUNNING;
    }

    public DatastoreProgress.State state() {
      return state;
    }

    public void state(DatastoreProgress.State s) {
      state = s;
    }

    public long bytes() {
      return bytes.get();
    }

    /** Counts artifact bytes that went to or came from storage. */
    public void addBytes(long n) {
      bytes.addAndGet(n);
    }

    /** A listener for the datastore's own reports, passing them on to {@code next} (the progress log). */
    public ProgressListener listener(ProgressListener next) {
      return (s, done, total) -> {
        stage = s;
        itemsDone = done;
        itemsTotal = total;
        next.onProgress(s, done, total);
      };
    }
  }
}
