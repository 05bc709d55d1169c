package io.maintenance.spring.boot;

import io.maintenance.core.MaintenanceEngine;

/**
 * Adjusts the engine builder after the properties were applied: plugin objects built in code, audit sinks,
 * a clock. Every customizer bean is called, in {@code @Order}.
 */
@FunctionalInterface
public interface MaintenanceEngineCustomizer {
  void customize(MaintenanceEngine.Builder builder);
}
