package io.maintenance.api;

import java.util.Objects;

/** One count before and after a restore, e.g. {@code rows 1200 -> 1000}. */
public record CountChange(String metric, long before, long after) {
  public CountChange {
    Objects.requireNonNull(metric, "metric");
  }

  public long delta() {
    return after - before;
  }
}
