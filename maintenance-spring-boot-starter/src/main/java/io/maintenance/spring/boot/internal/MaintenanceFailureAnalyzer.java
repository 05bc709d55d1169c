package io.maintenance.spring.boot.internal;

import io.maintenance.api.MaintenanceException;
import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/** Explains a start-up failure of the engine (configuration, catalog, plugins) with its stable code. */
public final class MaintenanceFailureAnalyzer extends AbstractFailureAnalyzer<MaintenanceException> {
  @Override
  protected FailureAnalysis analyze(Throwable rootFailure, MaintenanceException cause) {
    String action = switch (cause.code()) {
      case CONFIG_INVALID -> "Fix the maintenance.* settings named above (see docs/spring-boot.md for every key).";
      case DEPENDENCY_UNAVAILABLE -> "Make the catalog database and the configured storage and datastores reachable, then start again.";
      default -> "See the error code " + cause.code() + " in the documentation of the maintenance engine.";
    };
    return new FailureAnalysis("The maintenance engine could not start (" + cause.code() + "): " + cause.getMessage()
        + (cause.details().isEmpty() ? "" : "\nDetails: " + cause.details()), action, cause);
  }
}
