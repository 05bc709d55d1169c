package io.maintenance.spring.boot;

import io.maintenance.api.Maintenance;
import io.maintenance.api.RestorePolicy;
import io.maintenance.api.RetentionPolicy;
import io.maintenance.core.MaintenanceEngine;
import io.maintenance.core.http.AdminRoutes;
import io.maintenance.spring.boot.internal.CatalogDataSource;
import io.maintenance.spring.boot.internal.PropertiesCheck;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import javax.sql.DataSource;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.health.autoconfigure.contributor.ConditionalOnEnabledHealthIndicator;
import org.springframework.boot.jdbc.DataSourceBuilder;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;
import org.springframework.security.core.Authentication;

/**
 * Builds the maintenance engine from {@code maintenance.*}, on the application's DataSource (or the one marked
 * {@link MaintenanceDataSource}, or {@code maintenance.catalog.url}), with its meters in the application's
 * MeterRegistry; adds the health indicator and, with Spring Security, the authority-to-scope mapping. Every
 * bean backs off when the application defines its own; {@code maintenance.enabled=false} switches it all off.
 */
@AutoConfiguration(afterName = {
    "org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration",
    "org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration",
    "org.springframework.boot.micrometer.metrics.autoconfigure.export.simple.SimpleMetricsExportAutoConfiguration",
    "org.springframework.boot.flyway.autoconfigure.FlywayAutoConfiguration",
    "org.springframework.boot.liquibase.autoconfigure.LiquibaseAutoConfiguration"})
@ConditionalOnBooleanProperty(name = "maintenance.enabled", matchIfMissing = true)
public class MaintenanceAutoConfiguration {

  @Bean
  @ConditionalOnMissingBean
  MaintenanceProperties maintenanceProperties(Environment environment) {
    return PropertiesCheck.bind(environment, MaintenanceAutoConfiguration.class.getClassLoader());
  }

  @Bean(destroyMethod = "close")
  @ConditionalOnMissingBean(Maintenance.class)
  CatalogDataSource maintenanceCatalogDataSource(MaintenanceProperties props,
      @MaintenanceDataSource ObjectProvider<DataSource> qualified, ObjectProvider<DataSource> application) {
    DataSource marked = qualified.getIfAvailable();
    if (marked != null) {
      return new CatalogDataSource(marked, false);
    }
    MaintenanceProperties.Catalog c = props.getCatalog();
    if (c.getUrl() != null && !c.getUrl().isBlank()) {
      // PropertiesCheck made sure spring-boot-jdbc is there.
      return new CatalogDataSource(
          DataSourceBuilder.create().url(c.getUrl()).username(c.getUsername()).password(c.getPassword()).build(), true);
    }
    DataSource ds = application.getIfUnique();
    if (ds == null) {
      throw new IllegalStateException("The maintenance catalog needs a DataSource: define one (spring.datasource.url), mark one"
          + " with @MaintenanceDataSource, or set maintenance.catalog.url");
    }
    return new CatalogDataSource(ds, false);
  }

  @Bean(destroyMethod = "close")
  @ConditionalOnMissingBean(Maintenance.class)
  MaintenanceEngine maintenanceEngine(MaintenanceProperties props, CatalogDataSource catalog,
      ObjectProvider<MeterRegistry> meterRegistry, ObjectProvider<MaintenanceEngineCustomizer> customizers) {
    MaintenanceEngine.Builder b = MaintenanceEngine.builder()
        .dataSource(catalog.dataSource())
        .classLoader(MaintenanceAutoConfiguration.class.getClassLoader())
        .installSchema(props.getCatalog().isInstallSchema())
        .storage(props.getStorage().get("type"), PropertiesCheck.pluginConfig(props.getStorage()))
        .backupFolder(props.getStoragePrefix() != null ? props.getStoragePrefix() : props.getBackupFolder())
        .probeTimeout(props.getProbeTimeout())
        .restorePolicy(new RestorePolicy(props.getRestore().getApprovalsRequired(), props.getRestore().getTokenTtl(),
            props.getRestore().isSafetyBackup()))
        .retentionPolicy(retention(props.getRetention()));
    props.getDatastores().forEach((id, config) -> b.datastore(config.get("type"), id, PropertiesCheck.pluginConfig(config)));
    if (!props.getArtifacts().isEmpty()) {
      b.artifacts(PropertiesCheck.pluginConfig(props.getArtifacts()));
    }
    props.getSchedules().forEach(b::schedule);
    props.getDrills().forEach(b::drill);
    if (props.getInstanceName() != null) {
      b.instanceName(props.getInstanceName());
    }
    if (props.getMetrics().isEnabled()) {
      meterRegistry.ifAvailable(b::meterRegistry);
    }
    customizers.orderedStream().forEach(c -> c.customize(b));
    return b.build();
  }

  @Bean
  @ConditionalOnMissingBean
  AdminRoutes maintenanceAdminRoutes(Maintenance engine) {
    return new AdminRoutes(engine);
  }

  private static RetentionPolicy retention(MaintenanceProperties.Retention t) {
    if (t.isEmpty()) {
      return RetentionPolicy.keepAll();
    }
    return RetentionPolicy.builder()
        .keepLast(orZero(t.getKeepLast()))
        .keepWithin(t.getKeepWithin() == null ? Duration.ZERO : t.getKeepWithin())
        .keepDaily(orZero(t.getKeepDaily()))
        .keepWeekly(orZero(t.getKeepWeekly()))
        .keepMonthly(orZero(t.getKeepMonthly()))
        .build();
  }

  private static int orZero(Integer n) {
    return n == null ? 0 : n;
  }

  /** Spring Security authorities become scopes (maintenance.security.authorities.*). */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass(Authentication.class)
  static class SecurityConfiguration {
    @Bean
    @ConditionalOnMissingBean
    MaintenancePrincipalMapper maintenancePrincipalMapper(MaintenanceProperties props) {
      return AuthorityScopeMapper.of(props.getSecurity().getAuthorities());
    }
  }

  /** Readiness as the health indicator {@code maintenance} (management.health.maintenance.enabled). */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass(name = "org.springframework.boot.health.contributor.HealthIndicator")
  @ConditionalOnEnabledHealthIndicator("maintenance")
  static class HealthConfiguration {
    @Bean
    @ConditionalOnMissingBean(name = "maintenanceHealthIndicator")
    MaintenanceHealthIndicator maintenanceHealthIndicator(Maintenance engine) {
      return new MaintenanceHealthIndicator(engine);
    }
  }

}
