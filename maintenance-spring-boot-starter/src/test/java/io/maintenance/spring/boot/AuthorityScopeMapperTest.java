package io.maintenance.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import io.maintenance.api.Principal;
import io.maintenance.api.Scope;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.security.authentication.AnonymousAuthenticationToken;
import org.springframework.security.authentication.TestingAuthenticationToken;
import org.springframework.security.authentication.UsernamePasswordAuthenticationToken;
import org.springframework.security.core.authority.AuthorityUtils;

class AuthorityScopeMapperTest {
  private final AuthorityScopeMapper mapper = new AuthorityScopeMapper(Map.of(
      Scope.READ, List.of("ROLE_OPS", "ROLE_APPROVER"),
      Scope.BACKUP, List.of("ROLE_OPS"),
      Scope.RESTORE_APPROVE, List.of("ROLE_APPROVER")));

  @Test
  void configuredAuthoritiesScopeNamesAndTokenScopesAllGrant() {
    var auth = UsernamePasswordAuthenticationToken.authenticated("alice", "x",
        AuthorityUtils.createAuthorityList("ROLE_OPS", "maintenance:housekeeping", "SCOPE_maintenance:restore:apply", "ROLE_OTHER"));

    Principal p = mapper.map(auth).orElseThrow();

    assertThat(p.name()).isEqualTo("alice");
    assertThat(p.scopes()).containsExactlyInAnyOrder(Scope.READ, Scope.BACKUP, Scope.HOUSEKEEPING, Scope.RESTORE_APPLY);
  }

  @Test
  void anAuthorityGrantsOnlyWhatItIsConfiguredFor() {
    var auth = UsernamePasswordAuthenticationToken.authenticated("bob", "x", AuthorityUtils.createAuthorityList("ROLE_APPROVER"));
    assertThat(mapper.map(auth).orElseThrow().scopes()).containsExactlyInAnyOrder(Scope.READ, Scope.RESTORE_APPROVE);
  }

  @Test
  void anonymousUnauthenticatedAndForeignPrincipalsMapToNobody() {
    var anonymous = new AnonymousAuthenticationToken("k", "anonymousUser", AuthorityUtils.createAuthorityList("ROLE_ANONYMOUS"));
    var unauthenticated = UsernamePasswordAuthenticationToken.unauthenticated("eve", "x");
    TestingAuthenticationToken notYet = new TestingAuthenticationToken("eve", "x", "ROLE_OPS");
    notYet.setAuthenticated(false);
    java.security.Principal plain = () -> "servlet-user";

    assertThat(mapper.map(anonymous)).isEmpty();
    assertThat(mapper.map(unauthenticated)).isEmpty();
    assertThat(mapper.map(notYet)).isEmpty();
    assertThat(mapper.map(plain)).isEmpty();
    assertThat(mapper.map(null)).isEmpty();
  }
}
