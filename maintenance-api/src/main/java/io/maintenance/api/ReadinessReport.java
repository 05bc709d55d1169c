package io.maintenance.api;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

/** All probes at one moment; the status is the worst of them. */
public record ReadinessReport(ProbeStatus status, Instant checkedAt, List<ProbeResult> checks) {
  public ReadinessReport {
    Objects.requireNonNull(status, "status");
    Objects.requireNonNull(checkedAt, "checkedAt");
    checks = List.copyOf(checks);
  }

  public static ReadinessReport of(Instant checkedAt, List<ProbeResult> checks) {
    ProbeStatus worst = ProbeStatus.UP;
    for (ProbeResult r : checks) {
      if (r.status().ordinal() > worst.ordinal()) {
        worst = r.status();
      }
    }
    return new ReadinessReport(worst, checkedAt, checks);
  }

  public boolean ready() {
    return status != ProbeStatus.DOWN;
  }
}
