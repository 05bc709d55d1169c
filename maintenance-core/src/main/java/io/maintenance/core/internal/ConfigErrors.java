package io.maintenance.core.internal;

import io.maintenance.api.ErrorCode;
import io.maintenance.api.MaintenanceException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Collects {@code CONFIG_INVALID} problems so that a start-up names every misspelled key and bad value at
 * once (engine settings and every plugin's), instead of one per attempt.
 */
public final class ConfigErrors {
  private final List<MaintenanceException> problems = new ArrayList<>();

  /** Runs {@code step}; a {@code CONFIG_INVALID} it throws is recorded and {@code null} returned. */
  public <T> T collect(Supplier<T> step) {
    try {
      return step.get();
    } catch (MaintenanceException e) {
      if (e.code() != ErrorCode.CONFIG_INVALID) {
        throw e;
      }
      problems.add(e);
      return null;
    }
  }

  public void add(MaintenanceException problem) {
    problems.add(problem);
  }

  public List<MaintenanceException> problems() {
    return List.copyOf(problems);
  }

  public boolean isEmpty() {
    return problems.isEmpty();
  }

  /** Throws what was collected: a single problem as it is, several as one {@code CONFIG_INVALID} listing each. */
  public void throwIfAny() {
    if (problems.isEmpty()) {
      return;
    }
    if (problems.size() == 1) {
      throw problems.get(0);
    }
    Set<String> keys = new LinkedHashSet<>();
    StringBuilder message = new StringBuilder(problems.size() + " configuration errors:");
    for (MaintenanceException p : problems) {
      message.append("\n  - ").append(p.getMessage());
      String key = p.details().get("keys");
      key = key != null ? key : p.details().get("key");
      if (key != null) {
        keys.add(key);
      }
    }
    MaintenanceException all = new MaintenanceException(ErrorCode.CONFIG_INVALID, message.toString(),
        keys.isEmpty() ? Map.of() : Map.of("keys", String.join(",", keys)));
    problems.forEach(all::addSuppressed);
    throw all;
  }
}
