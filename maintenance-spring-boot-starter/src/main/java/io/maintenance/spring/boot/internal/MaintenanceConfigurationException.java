package io.maintenance.spring.boot.internal;

import io.maintenance.api.ErrorCode;
import io.maintenance.api.MaintenanceException;
import java.util.List;
import java.util.Map;

/** Every problem found in {@code maintenance.*} at start-up, reported together. */
public final class MaintenanceConfigurationException extends MaintenanceException {
  private static final long serialVersionUID = 1L;

  private final List<String> problems;

  public MaintenanceConfigurationException(List<String> problems) {
    super(ErrorCode.CONFIG_INVALID, problems.size() + " problem(s) in the maintenance.* configuration:\n  - "
        + String.join("\n  - ", problems), Map.of("problems", Integer.toString(problems.size())));
    this.problems = List.copyOf(problems);
  }

  public List<String> problems() {
    return problems;
  }
}
