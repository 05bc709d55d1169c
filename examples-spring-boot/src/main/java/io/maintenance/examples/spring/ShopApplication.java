package io.maintenance.examples.spring;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.annotation.Bean;
import org.springframework.security.config.Customizer;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.core.userdetails.User;
import org.springframework.security.core.userdetails.UserDetailsService;
import org.springframework.security.provisioning.InMemoryUserDetailsManager;
import org.springframework.security.web.SecurityFilterChain;

/**
 * A small Spring Boot service ("shop") that embeds the maintenance engine through the starter: its own
 * PostgreSQL database is backed up to a local folder, and the admin routes, health and meters come with it.
 * Everything maintenance-specific is configuration (application.yml) plus the security rules below.
 *
 * <p>Started without {@code spring.datasource.url}, it runs its own embedded PostgreSQL with a sample
 * {@code orders} table ({@link DemoPostgres}), so {@code scripts/spring-boot-example.sh} is all it takes.
 */
@SpringBootApplication
public class ShopApplication {

  public static void main(String[] args) {
    SpringApplication app = new SpringApplication(ShopApplication.class);
    app.setDefaultProperties(DemoPostgres.propertiesUnlessConfigured(args));
    app.run(args);
  }

  /**
   * HTTP Basic for the demo users; health and the Prometheus scrape stay open as a cluster's probes and
   * Prometheus expect. The admin routes are a stateless JSON API, so CSRF tokens do not apply to them.
   */
  @Bean
  SecurityFilterChain security(HttpSecurity http) throws Exception {
    return http
        .authorizeHttpRequests(a -> a
            .requestMatchers("/actuator/health", "/actuator/health/**", "/actuator/prometheus").permitAll()
            .anyRequest().authenticated())
        .httpBasic(Customizer.withDefaults())
        .csrf(c -> c.ignoringRequestMatchers("/maintenance/**"))
        .build();
  }

  /**
   * Demo users: alice operates (backup, preview, confirm), bob approves, carol only reads. Their roles become
   * maintenance scopes through maintenance.security.authorities.* in application.yml.
   */
  @Bean
  UserDetailsService users() {
    return new InMemoryUserDetailsManager(
        User.withUsername("alice").password("{noop}alice-pw").roles("OPERATOR").build(),
        User.withUsername("bob").password("{noop}bob-pw").roles("APPROVER").build(),
        User.withUsername("carol").password("{noop}carol-pw").roles("VIEWER").build());
  }
}
