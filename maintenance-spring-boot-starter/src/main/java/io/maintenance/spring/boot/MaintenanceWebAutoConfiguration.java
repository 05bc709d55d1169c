package io.maintenance.spring.boot;

import io.maintenance.core.http.AdminRoutes;
import io.maintenance.spring.boot.internal.AdminExchange;
import io.maintenance.spring.boot.internal.ReactiveAdminHandler;
import io.maintenance.spring.boot.internal.ServletAdminHandler;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The admin routes on the application's web stack (Spring MVC or WebFlux) under
 * {@code maintenance.web.base-path}, as the bean {@code maintenanceAdminRouter}. Needs a
 * {@link MaintenancePrincipalMapper}: the default comes with Spring Security; without it, define one, or the
 * routes stay unmounted (they are never served without knowing who asks).
 */
@AutoConfiguration(after = MaintenanceAutoConfiguration.class)
@ConditionalOnBooleanProperty(name = {"maintenance.enabled", "maintenance.web.enabled"}, matchIfMissing = true)
@ConditionalOnBean({AdminRoutes.class, MaintenancePrincipalMapper.class})
public class MaintenanceWebAutoConfiguration {

  @Configuration(proxyBeanMethods = false)
  @ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
  @ConditionalOnClass(name = "org.springframework.web.servlet.function.RouterFunction")
  static class Servlet {
    @Bean
    @ConditionalOnMissingBean(name = "maintenanceAdminRouter")
    org.springframework.web.servlet.function.RouterFunction<org.springframework.web.servlet.function.ServerResponse>
        maintenanceAdminRouter(AdminRoutes routes, MaintenancePrincipalMapper principals, MaintenanceProperties props) {
      return new ServletAdminHandler(exchange(routes, principals, props)).router();
    }
  }

  @Configuration(proxyBeanMethods = false)
  @ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.REACTIVE)
  @ConditionalOnClass(name = "org.springframework.web.reactive.function.server.RouterFunction")
  static class Reactive {
    @Bean
    @ConditionalOnMissingBean(name = "maintenanceAdminRouter")
    org.springframework.web.reactive.function.server.RouterFunction<org.springframework.web.reactive.function.server.ServerResponse>
        maintenanceAdminRouter(AdminRoutes routes, MaintenancePrincipalMapper principals, MaintenanceProperties props) {
      return new ReactiveAdminHandler(exchange(routes, principals, props)).router();
    }
  }

  static AdminExchange exchange(AdminRoutes routes, MaintenancePrincipalMapper principals, MaintenanceProperties props) {
    return new AdminExchange(routes, principals, props.getWeb().getBasePath(), (int) props.getWeb().getMaxBodySize().toBytes());
  }
}
