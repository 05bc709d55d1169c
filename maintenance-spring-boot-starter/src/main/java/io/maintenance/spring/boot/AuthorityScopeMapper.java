package io.maintenance.spring.boot;

import io.maintenance.api.Principal;
import io.maintenance.api.Scope;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.springframework.security.authentication.AnonymousAuthenticationToken;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.GrantedAuthority;

/**
 * Maps a Spring Security {@link Authentication} to scopes: an authority equal to a scope
 * ({@code maintenance:backup}) or to {@code SCOPE_} plus a scope (how OAuth2 resource servers name token
 * scopes) grants it, and so does every authority configured for it under
 * {@code maintenance.security.authorities.*}. Anonymous or unauthenticated users map to nothing.
 */
public final class AuthorityScopeMapper implements MaintenancePrincipalMapper {
  private final Map<Scope, Set<String>> grants;

  public AuthorityScopeMapper(Map<Scope, ? extends List<String>> grants) {
    Map<Scope, Set<String>> copy = new EnumMap<>(Scope.class);
    grants.forEach((scope, authorities) -> copy.put(scope, Set.copyOf(authorities)));
    this.grants = copy;
  }

  /** The authorities configured for each scope in the properties. */
  public static AuthorityScopeMapper of(MaintenanceProperties.Authorities a) {
    Map<Scope, List<String>> m = new EnumMap<>(Scope.class);
    m.put(Scope.READ, a.getRead());
    m.put(Scope.BACKUP, a.getBackup());
    m.put(Scope.RESTORE_PREVIEW, a.getRestorePreview());
    m.put(Scope.RESTORE_APPROVE, a.getRestoreApprove());
    m.put(Scope.RESTORE_APPLY, a.getRestoreApply());
    m.put(Scope.HOUSEKEEPING, a.getHousekeeping());
    return new AuthorityScopeMapper(m);
  }

  @Override
  public Optional<Principal> map(java.security.Principal user) {
    if (!(user instanceof Authentication auth) || !auth.isAuthenticated() || auth instanceof AnonymousAuthenticationToken) {
      return Optional.empty();
    }
    Set<Scope> scopes = EnumSet.noneOf(Scope.class);
    for (GrantedAuthority granted : auth.getAuthorities()) {
      String authority = granted.getAuthority();
      if (authority == null) {
        continue;
      }
      Scope.fromValue(authority).ifPresent(scopes::add);
      if (authority.startsWith("SCOPE_")) {
        Scope.fromValue(authority.substring("SCOPE_".length())).ifPresent(scopes::add);
      }
      grants.forEach((scope, authorities) -> {
        if (authorities.contains(authority)) {
          scopes.add(scope);
        }
      });
    }
    return Optional.of(new Principal(auth.getName(), scopes));
  }
}
