package io.maintenance.spring.boot;

import static org.springframework.security.test.web.reactive.server.SecurityMockServerConfigurers.csrf;
import static org.springframework.security.test.web.reactive.server.SecurityMockServerConfigurers.mockUser;
import static org.springframework.security.test.web.reactive.server.SecurityMockServerConfigurers.springSecurity;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration;
import org.springframework.boot.security.autoconfigure.ReactiveUserDetailsServiceAutoConfiguration;
import org.springframework.boot.security.autoconfigure.SecurityAutoConfiguration;
import org.springframework.boot.security.autoconfigure.web.reactive.ReactiveWebSecurityAutoConfiguration;
import org.springframework.boot.test.context.runner.ReactiveWebApplicationContextRunner;
import org.springframework.boot.webflux.autoconfigure.HttpHandlerAutoConfiguration;
import org.springframework.boot.webflux.autoconfigure.WebFluxAutoConfiguration;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;

/** The admin routes on WebFlux with reactive Spring Security, over a real PostgreSQL. */
class ReactiveAdminRoutesIT {
  @TempDir
  Path storage;

  @Test
  void theRoutesWorkOnWebFluxWithScopesFromAuthorities() {
    String app = TestPostgres.newDatabase("fluxapp");
    String shop = TestPostgres.newDatabase("fluxshop");
    TestPostgres.sql(TestPostgres.database(shop), "CREATE TABLE items (id int PRIMARY KEY)", "INSERT INTO items VALUES (1), (2)");
    new ReactiveWebApplicationContextRunner()
        .withConfiguration(AutoConfigurations.of(DataSourceAutoConfiguration.class, WebFluxAutoConfiguration.class,
            HttpHandlerAutoConfiguration.class, SecurityAutoConfiguration.class, ReactiveWebSecurityAutoConfiguration.class,
            ReactiveUserDetailsServiceAutoConfiguration.class, MaintenanceAutoConfiguration.class, MaintenanceWebAutoConfiguration.class))
        .withPropertyValues(
            "spring.datasource.url=" + app, "spring.datasource.username=postgres",
            "maintenance.storage.type=local", "maintenance.storage.path=" + storage,
            "maintenance.datastores.shop.type=postgres", "maintenance.datastores.shop.url=" + shop,
            "maintenance.datastores.shop.user=postgres",
            "maintenance.security.authorities.read=ROLE_OPS,ROLE_VIEWER", "maintenance.security.authorities.backup=ROLE_OPS",
            "maintenance.web.base-path=/admin/maintenance", "maintenance.web.max-body-size=1KB")
        .run(ctx -> {
          WebTestClient client = WebTestClient.bindToApplicationContext(ctx).apply(springSecurity()).configureClient().build();

          client.mutateWith(mockUser("alice").roles("OPS")).mutateWith(csrf()).post().uri("/admin/maintenance/backups?wait=true")
              .contentType(MediaType.APPLICATION_JSON).bodyValue("{\"labels\":{\"via\":\"webflux\"}}").exchange()
              .expectStatus().isCreated()
              .expectBody().jsonPath("$.status").isEqualTo("SUCCEEDED").jsonPath("$.requestedBy").isEqualTo("alice");
          client.mutateWith(mockUser("carol").roles("VIEWER")).get().uri("/admin/maintenance/backups?limit=1").exchange()
              .expectStatus().isOk().expectBody().jsonPath("$.items.length()").isEqualTo(1);
          client.mutateWith(mockUser("carol").roles("VIEWER")).mutateWith(csrf()).post().uri("/admin/maintenance/backups").exchange()
              .expectStatus().isForbidden()
              .expectHeader().contentTypeCompatibleWith("application/problem+json")
              .expectBody().jsonPath("$.code").isEqualTo("FORBIDDEN").jsonPath("$.details.requiredScope").isEqualTo("maintenance:backup");
          client.mutateWith(mockUser("alice").roles("OPS")).mutateWith(csrf()).post().uri("/admin/maintenance/backups")
              .contentType(MediaType.APPLICATION_JSON).bodyValue("{\"labels\":{\"x\":\"" + "y".repeat(2000) + "\"}}").exchange()
              .expectStatus().isEqualTo(413).expectBody().jsonPath("$.code").isEqualTo("PAYLOAD_TOO_LARGE");
          client.mutateWith(mockUser("carol").roles("VIEWER")).get().uri("/admin/maintenance/readiness").exchange()
              .expectStatus().isOk().expectBody().jsonPath("$.status").isEqualTo("UP");
          client.get().uri("/admin/maintenance/readiness").exchange().expectStatus().isUnauthorized();
          // Without ?wait=true a backup is submitted: 202 and where to follow it, under this base path.
          client.mutateWith(mockUser("alice").roles("OPS")).mutateWith(csrf()).post().uri("/admin/maintenance/backups").exchange()
              .expectStatus().isAccepted()
              .expectHeader().value("Location", l -> org.assertj.core.api.Assertions.assertThat(l)
                  .startsWith("/admin/maintenance/operations/op-"))
              .expectBody().jsonPath("$.kind").isEqualTo("BACKUP").jsonPath("$.requestedBy").isEqualTo("alice");
        });
  }
}
