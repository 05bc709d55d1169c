package io.maintenance.core.internal;

import io.maintenance.spi.ProgressListener;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Logs progress of long work at most every few seconds per operation, so operators see it moving. */
public final class ProgressLog implements ProgressListener {
  private static final Logger LOG = LoggerFactory.getLogger("maintenance.progress");

  private final String operation;
  private final long intervalNanos;
  private long lastLogged = System.nanoTime();
  private String lastStage = "";

  public ProgressLog(String operation, Duration interval) {
    this.operation = operation;
    this.intervalNanos = interval.toNanos();
  }

  @Override
  public synchronized void onProgress(String stage, long done, long total) {
    long now = System.nanoTime();
    if (!stage.equals(lastStage) || now - lastLogged >= intervalNanos) {
      lastStage = stage;
      lastLogged = now;
      if (total > 0) {
        LOG.info("{}: {} {}/{} ({}%)", operation, stage, done, total, done * 100 / total);
      } else {
        LOG.info("{}: {} {}", operation, stage, done);
      }
    }
  }
}
