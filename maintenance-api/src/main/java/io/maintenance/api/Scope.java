package io.maintenance.api;

import java.util.Arrays;
import java.util.Optional;

/** The permissions a {@link Principal} may hold; every entry point checks one before doing anything. */
public enum Scope {
  READ("maintenance:read"),
  BACKUP("maintenance:backup"),
  RESTORE_PREVIEW("maintenance:restore:preview"),
  RESTORE_APPROVE("maintenance:restore:approve"),
  RESTORE_APPLY("maintenance:restore:apply"),
  HOUSEKEEPING("maintenance:housekeeping");

  private final String value;

  Scope(String value) {
    this.value = value;
  }

  /** The wire form, e.g. {@code maintenance:restore:apply}. */
  public String value() {
    return value;
  }

  /** Looks a scope up by its wire form. */
  public static Optional<Scope> fromValue(String value) {
    return Arrays.stream(values()).filter(s -> s.value.equals(value)).findFirst();
  }

  @Override
  public String toString() {
    return value;
  }
}
