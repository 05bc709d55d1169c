package io.maintenance.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.springframework.security.test.web.servlet.request.SecurityMockMvcRequestPostProcessors.user;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.content;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.header;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

import com.jayway.jsonpath.JsonPath;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration;
import org.springframework.boot.security.autoconfigure.SecurityAutoConfiguration;
import org.springframework.boot.security.autoconfigure.web.servlet.ServletWebSecurityAutoConfiguration;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.boot.webmvc.autoconfigure.WebMvcAutoConfiguration;
import org.springframework.http.MediaType;
import org.springframework.security.test.web.servlet.setup.SecurityMockMvcConfigurers;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.setup.MockMvcBuilders;
import org.springframework.web.context.WebApplicationContext;

/** The admin routes on Spring MVC with Spring Security, in a web context runner over a real PostgreSQL. */
class AdminRoutesWebIT {
  @TempDir
  Path storage;

  private WebApplicationContextRunner runner(boolean security) {
    String app = TestPostgres.newDatabase("webapp");
    String shop = TestPostgres.newDatabase("webshop");
    TestPostgres.sql(TestPostgres.database(shop), "CREATE TABLE items (id int PRIMARY KEY, name text)", "INSERT INTO items VALUES (1, 'anvil')");
    var runner = new WebApplicationContextRunner()
        .withPropertyValues(
            "spring.datasource.url=" + app, "spring.datasource.username=postgres",
            "maintenance.storage.type=local", "maintenance.storage.path=" + storage,
            "maintenance.datastores.shop.type=postgres", "maintenance.datastores.shop.url=" + shop,
            "maintenance.datastores.shop.user=postgres",
            "maintenance.security.authorities.read=ROLE_OPS,ROLE_VIEWER",
            "maintenance.security.authorities.backup=ROLE_OPS",
            "maintenance.web.max-body-size=1KB");
    return security
        ? runner.withConfiguration(AutoConfigurations.of(DataSourceAutoConfiguration.class, WebMvcAutoConfiguration.class,
            SecurityAutoConfiguration.class, ServletWebSecurityAutoConfiguration.class, MaintenanceAutoConfiguration.class,
            MaintenanceWebAutoConfiguration.class))
        : runner.withConfiguration(AutoConfigurations.of(DataSourceAutoConfiguration.class, WebMvcAutoConfiguration.class,
            MaintenanceAutoConfiguration.class, MaintenanceWebAutoConfiguration.class));
  }

  private static MockMvc mvc(WebApplicationContext ctx, boolean security) {
    var builder = MockMvcBuilders.webAppContextSetup(ctx);
    return security ? builder.apply(SecurityMockMvcConfigurers.springSecurity()).build() : builder.build();
  }

  @Test
  void authoritiesBecomeScopesAndARefusedScopeIs403WithTheStableCode() {
    runner(true).run(ctx -> {
      MockMvc mvc = mvc(ctx, true);
      String created = mvc.perform(post("/maintenance/backups?wait=true").with(user("alice").roles("OPS")).with(csrf())
              .contentType(MediaType.APPLICATION_JSON).content("{\"labels\":{\"why\":\"test\"}}"))
          .andExpect(status().isCreated())
          .andExpect(content().contentTypeCompatibleWith(MediaType.APPLICATION_JSON))
          .andExpect(jsonPath("$.status").value("SUCCEEDED"))
          .andReturn().getResponse().getContentAsString();
      String id = JsonPath.read(created, "$.id");

      mvc.perform(get("/maintenance/backups/" + id).with(user("carol").roles("VIEWER")))
          .andExpect(status().isOk()).andExpect(jsonPath("$.requestedBy").value("alice"));
      mvc.perform(post("/maintenance/backups").with(user("carol").roles("VIEWER")).with(csrf()))
          .andExpect(status().isForbidden())
          .andExpect(content().contentTypeCompatibleWith("application/problem+json"))
          .andExpect(jsonPath("$.code").value("FORBIDDEN"))
          .andExpect(jsonPath("$.details.requiredScope").value("maintenance:backup"));
      // An OAuth2-style scope authority grants the scope without any configuration.
      mvc.perform(get("/maintenance/backups").with(user("svc").authorities(
              new org.springframework.security.core.authority.SimpleGrantedAuthority("SCOPE_maintenance:read"))))
          .andExpect(status().isOk()).andExpect(jsonPath("$.items[0].id").value(id));
      mvc.perform(get("/maintenance/nothing-here").with(user("carol").roles("VIEWER")))
          .andExpect(status().isNotFound()).andExpect(jsonPath("$.code").value("NOT_FOUND"));
      // The query is the URI's, decoded strictly: a repeated parameter is refused (form parameters such as
      // the CSRF token above are not query parameters).
      mvc.perform(get("/maintenance/backups?limit=1&limit=2").with(user("carol").roles("VIEWER")))
          .andExpect(status().isBadRequest()).andExpect(jsonPath("$.code").value("INVALID_REQUEST"))
          .andExpect(jsonPath("$.details.pointer").value("?limit"));
      mvc.perform(post("/maintenance/backups").with(user("alice").roles("OPS")).with(csrf())
              .contentType(MediaType.APPLICATION_JSON).content("{\"labels\":{\"x\":\"" + "y".repeat(2000) + "\"}}"))
          .andExpect(status().isPayloadTooLarge()).andExpect(jsonPath("$.code").value("PAYLOAD_TOO_LARGE"))
          .andExpect(jsonPath("$.status").value(413)).andExpect(jsonPath("$.details.maxBodyBytes").value("1024"));
      // The application's security decides who gets in: no user, no route.
      mvc.perform(get("/maintenance/backups")).andExpect(status().isUnauthorized());
    });
  }

  @Test
  void withoutAnAuthenticatedUserTheRoutesAnswer401() {
    runner(false).run(ctx -> mvc(ctx, false).perform(get("/maintenance/readiness"))
        .andExpect(status().isUnauthorized())
        .andExpect(jsonPath("$.code").value("UNAUTHENTICATED")));
  }

  @Test
  void theBasePathIsConfigurableAndTheRoutesCanBeSwitchedOff() {
    runner(true).withPropertyValues("maintenance.web.base-path=/ops/maintenance").run(ctx -> {
      MockMvc mvc = mvc(ctx, true);
      mvc.perform(get("/ops/maintenance/readiness").with(user("carol").roles("VIEWER")))
          .andExpect(status().isOk()).andExpect(jsonPath("$.status").value("UP"));
      mvc.perform(get("/ops/maintenance/metrics/prometheus").with(user("carol").roles("VIEWER")))
          .andExpect(status().isOk()).andExpect(header().string("Content-Type", org.hamcrest.Matchers.startsWith("text/plain")))
          .andExpect(content().string(org.hamcrest.Matchers.containsString("maintenance_metrics_age_seconds")));
      mvc.perform(get("/maintenance/readiness").with(user("carol").roles("VIEWER"))).andExpect(status().isNotFound());
    });
    runner(true).withPropertyValues("maintenance.web.enabled=false").run(ctx ->
        assertThat(ctx).hasNotFailed().doesNotHaveBean("maintenanceAdminRouter"));
  }

  private static org.springframework.test.web.servlet.request.RequestPostProcessor csrf() {
    return org.springframework.security.test.web.servlet.request.SecurityMockMvcRequestPostProcessors.csrf();
  }
}
