package io.maintenance.spring.boot;

import io.maintenance.api.Maintenance;
import io.maintenance.api.ProbeResult;
import io.maintenance.api.ProbeStatus;
import io.maintenance.api.ReadinessReport;
import io.maintenance.api.Principal;
import io.maintenance.api.Scope;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;

/**
 * The engine's readiness as Spring Boot health: DOWN when a probe is DOWN, otherwise UP; each probe
 * (catalog, storage:NAME, datastore:ID) is a detail with its status and structured code
 * ({@code OK}, {@code POSTGRES_UNREACHABLE}, {@code STORAGE_UNWRITABLE}, ...). DEGRADED probes keep the
 * application UP and show as DEGRADED in their detail.
 */
public class MaintenanceHealthIndicator implements HealthIndicator {
  private static final Principal ACTUATOR = Principal.of("actuator:health", Scope.READ);

  private final Maintenance engine;

  public MaintenanceHealthIndicator(Maintenance engine) {
    this.engine = engine;
  }

  @Override
  public Health health() {
    ReadinessReport report = engine.readiness(ACTUATOR);
    Health.Builder health = report.ready() ? Health.up() : Health.down();
    for (ProbeResult check : report.checks()) {
      Map<String, Object> detail = new LinkedHashMap<>();
      detail.put("status", check.status().name());
      detail.put("code", check.code());
      detail.put("detail", check.detail());
      detail.put("latencyMs", check.latency().toMillis());
      if (!check.attributes().isEmpty()) {
        detail.put("attributes", check.attributes());
      }
      health.withDetail(check.component(), detail);
    }
    if (report.status() == ProbeStatus.DEGRADED) {
      health.withDetail("degraded", true);
    }
    return health.build();
  }
}
