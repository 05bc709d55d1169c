package io.maintenance.datastore.qdrant.internal;

import io.maintenance.spi.ProgressListener;

/** Passes byte progress on at most once a second (and always the last report), whatever the block size. */
final class Progress {
  private static final long INTERVAL_NANOS = 1_000_000_000L;
  private final ProgressListener listener;
  private final String stage;
  private final long total;
  private long last = System.nanoTime() - INTERVAL_NANOS;

  Progress(ProgressListener listener, String stage, long total) {
    this.listener = listener;
    this.stage = stage;
    this.total = total;
  }

  void at(long done) {
    long now = System.nanoTime();
    if (done == total || now - last >= INTERVAL_NANOS) {
      last = now;
      listener.onProgress(stage, done, total);
    }
  }
}
