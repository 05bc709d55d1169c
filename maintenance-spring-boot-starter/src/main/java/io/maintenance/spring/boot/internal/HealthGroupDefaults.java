package io.maintenance.spring.boot.internal;

import java.util.Map;
import org.springframework.boot.EnvironmentPostProcessor;
import org.springframework.boot.SpringApplication;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;

/**
 * Adds the health group {@code maintenance-readiness} ({@code /actuator/health/maintenance-readiness}) holding the
 * maintenance health indicator, as a default the application's own settings override. Skipped when the indicator is
 * switched off, since Boot refuses a group naming a missing indicator.
 */
public final class HealthGroupDefaults implements EnvironmentPostProcessor {
  static final String GROUP = "management.endpoint.health.group.maintenance-readiness.include";

  @Override
  public void postProcessEnvironment(ConfigurableEnvironment env, SpringApplication application) {
    boolean on = env.getProperty("maintenance.enabled", Boolean.class, true)
        && env.getProperty("management.health.maintenance.enabled", Boolean.class,
            env.getProperty("management.health.defaults.enabled", Boolean.class, true));
    if (on && !env.containsProperty(GROUP)) {
      env.getPropertySources().addLast(new MapPropertySource("maintenanceHealthGroup", Map.of(GROUP, "maintenance")));
    }
  }
}
