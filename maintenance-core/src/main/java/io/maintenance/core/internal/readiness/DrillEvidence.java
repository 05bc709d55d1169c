package io.maintenance.core.internal.readiness;

import io.maintenance.api.ProbeResult;
import io.maintenance.api.ProbeStatus;
import io.maintenance.core.internal.catalog.DrillCatalog;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * Readiness entries {@code drill:<datastore>} for the datastores that have a drill sandbox, when
 * {@code drills.max-age} is set: DEGRADED with {@code RESTORE_NOT_PROVEN} when no drill passed within that age.
 */
public record DrillEvidence(DrillCatalog drills, Collection<String> datastores, Duration maxAge, Clock clock) {

  public List<String> components() {
    return datastores.stream().sorted().map(d -> "drill:" + d).toList();
  }

  public List<ProbeResult> probes() {
    Map<String, Instant> passed = drills.lastPassed();
    Instant now = clock.instant();
    List<ProbeResult> out = new ArrayList<>();
    for (String d : datastores.stream().sorted().toList()) {
      Instant last = passed.get(d);
      if (last != null && !last.isBefore(now.minus(maxAge))) {
        out.add(ProbeResult.up("drill:" + d, Duration.ZERO, Map.of("lastVerifiedRestore", last.toString())));
      } else {
        out.add(new ProbeResult("drill:" + d, ProbeStatus.DEGRADED, "RESTORE_NOT_PROVEN", Duration.ZERO, "no restore drill of " + d
            + " passed within " + maxAge + (last == null ? " (never)" : " (last " + last + ")"),
            last == null ? Map.of() : Map.of("lastVerifiedRestore", last.toString())));
      }
    }
    return out;
  }
}
