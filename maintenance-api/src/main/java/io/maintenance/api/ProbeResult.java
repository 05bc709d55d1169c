package io.maintenance.api;

import java.time.Duration;
import java.util.Map;
import java.util.Objects;

/**
 * One dependency's readiness.
 *
 * @param component e.g. {@code catalog}, {@code storage:local}, {@code datastore:orders-db}
 * @param code {@code OK} or a structured failure code such as {@code POSTGRES_UNREACHABLE},
 *     {@code FALKORDB_MODULE_MISSING}, {@code STORAGE_UNWRITABLE}
 * @param latency how long the probe took
 * @param detail a sentence for people; never a secret
 * @param attributes facts such as {@code version}
 */
public record ProbeResult(
    String component, ProbeStatus status, String code, Duration latency, String detail, Map<String, String> attributes) {
  public static final String OK = "OK";

  public ProbeResult {
    Objects.requireNonNull(component, "component");
    Objects.requireNonNull(status, "status");
    Objects.requireNonNull(code, "code");
    Objects.requireNonNull(latency, "latency");
    Objects.requireNonNull(detail, "detail");
    attributes = Map.copyOf(attributes);
  }

  public static ProbeResult up(String component, Duration latency, Map<String, String> attributes) {
    return new ProbeResult(component, ProbeStatus.UP, OK, latency, "ok", attributes);
  }

  public static ProbeResult down(String component, String code, Duration latency, String detail) {
    return new ProbeResult(component, ProbeStatus.DOWN, code, latency, detail, Map.of());
  }

  /** The same result for another component name (the engine prefixes plugin probes). */
  public ProbeResult named(String newComponent) {
    return new ProbeResult(newComponent, status, code, latency, detail, attributes);
  }
}
