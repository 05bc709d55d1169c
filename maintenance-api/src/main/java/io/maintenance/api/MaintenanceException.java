package io.maintenance.api;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/** The single exception type of the library: a stable {@link ErrorCode}, a message for people, details for tools. */
public class MaintenanceException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final ErrorCode code;
  private final Map<String, String> details;

  public MaintenanceException(ErrorCode code, String message) {
    this(code, message, Map.of(), null);
  }

  public MaintenanceException(ErrorCode code, String message, @Nullable Throwable cause) {
    this(code, message, Map.of(), cause);
  }

  public MaintenanceException(ErrorCode code, String message, Map<String, String> details) {
    this(code, message, details, null);
  }

  public MaintenanceException(ErrorCode code, @Nullable String message, Map<String, String> details,
      @Nullable Throwable cause) {
    super(message, cause);
    this.code = Objects.requireNonNull(code, "code");
    this.details = Map.copyOf(details);
  }

  public ErrorCode code() {
    return code;
  }

  /** Machine-readable context (ids, names, expected/actual values); never contains secrets. */
  public Map<String, String> details() {
    return details;
  }

  /** Returns a copy with one more detail, keeping code, message, cause and suppressed exceptions. */
  public MaintenanceException with(String key, String value) {
    Map<String, String> merged = new LinkedHashMap<>(details);
    merged.put(key, value);
    MaintenanceException copy = new MaintenanceException(code, getMessage(), merged, getCause());
    copy.setStackTrace(getStackTrace());
    for (Throwable s : getSuppressed()) {
      copy.addSuppressed(s);
    }
    return copy;
  }

  @Override
  public String toString() {
    return code + ": " + getMessage() + (details.isEmpty() ? "" : " " + details);
  }
}
