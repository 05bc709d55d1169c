package io.maintenance.spring.boot;

import io.maintenance.core.http.AdminRoutes;
import io.maintenance.spring.boot.internal.ServletAdminHandler;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.context.annotation.Bean;
import org.springframework.web.servlet.function.RouterFunction;
import org.springframework.web.servlet.function.ServerResponse;

/**
 * The admin routes on Spring MVC under {@code maintenance.web.base-path}. Needs a
 * {@link MaintenancePrincipalMapper}: the default comes with Spring Security; without it, define one, or the
 * routes stay unmounted (they are never served without knowing who asks).
 */
@AutoConfiguration(after = MaintenanceAutoConfiguration.class)
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
@ConditionalOnClass(RouterFunction.class)
@ConditionalOnBooleanProperty(name = {"maintenance.enabled", "maintenance.web.enabled"}, matchIfMissing = true)
@ConditionalOnBean({AdminRoutes.class, MaintenancePrincipalMapper.class})
public class MaintenanceWebAutoConfiguration {

  @Bean
  @ConditionalOnMissingBean(name = "maintenanceAdminRouter")
  RouterFunction<ServerResponse> maintenanceAdminRouter(AdminRoutes routes, MaintenancePrincipalMapper principals,
      MaintenanceProperties props) {
    return new ServletAdminHandler(routes, principals, props.getWeb().getBasePath(),
        (int) props.getWeb().getMaxBodySize().toBytes()).router();
  }
}
