package io.maintenance.api;

import java.util.EnumSet;
import java.util.Objects;
import java.util.Set;

/**
 * Who is asking. The host authenticates; the library only authorises by scope and uses the name
 * for audit and for the four-eyes rule on restores.
 */
public record Principal(String name, Set<Scope> scopes) {
  public Principal {
    Objects.requireNonNull(name, "name");
    if (name.isBlank()) {
      throw new MaintenanceException(ErrorCode.INVALID_REQUEST, "principal name must not be blank");
    }
    Inputs.name("/principal", name);
    scopes = scopes.isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(scopes));
  }

  public static Principal of(String name, Scope... scopes) {
    return new Principal(name, scopes.length == 0 ? Set.of() : EnumSet.of(scopes[0], scopes));
  }

  /** A principal holding every scope (for trusted in-process callers such as schedulers). */
  public static Principal system(String name) {
    return new Principal(name, EnumSet.allOf(Scope.class));
  }

  public boolean has(Scope scope) {
    return scopes.contains(scope);
  }
}
