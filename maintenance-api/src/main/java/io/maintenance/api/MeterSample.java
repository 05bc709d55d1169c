package io.maintenance.api;

import java.util.Map;
import java.util.Objects;

/** One time series of the library's meters, named as in the Prometheus text. */
public record MeterSample(String name, Map<String, String> tags, double value) {
  public MeterSample {
    Objects.requireNonNull(name, "name");
    tags = Map.copyOf(tags);
  }
}
