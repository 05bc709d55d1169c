package io.maintenance.api;

import java.util.Objects;

/** Why something failed, as recorded in the catalog. */
public record ErrorInfo(String code, String message) {
  public ErrorInfo {
    Objects.requireNonNull(code, "code");
    Objects.requireNonNull(message, "message");
  }

  public static ErrorInfo of(MaintenanceException e) {
    return new ErrorInfo(e.code().code(), String.valueOf(e.getMessage()));
  }
}
