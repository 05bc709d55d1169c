package io.maintenance.spi;

import io.maintenance.api.ResourceSummary;
import java.util.List;

/**
 * What a datastore found after applying a restore. The engine checks {@code resources} against the
 * plan's "after" counts.
 */
public record RestoreOutcome(List<ResourceSummary> resources, List<String> warnings) {
  public RestoreOutcome {
    resources = List.copyOf(resources);
    warnings = List.copyOf(warnings);
  }
}
