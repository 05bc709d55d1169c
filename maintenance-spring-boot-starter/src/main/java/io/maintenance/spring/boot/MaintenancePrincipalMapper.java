package io.maintenance.spring.boot;

import io.maintenance.api.Principal;
import java.util.Optional;

/**
 * Turns the user the web stack authenticated into the engine's {@link Principal} (name and scopes). Empty
 * means "not authenticated": the admin routes answer 401. The default, {@link AuthorityScopeMapper}, reads
 * Spring Security authorities; define a bean of this type to decide differently.
 */
@FunctionalInterface
public interface MaintenancePrincipalMapper {
  Optional<Principal> map(java.security.Principal user);
}
