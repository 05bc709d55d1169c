package io.maintenance.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import io.maintenance.api.BackupRequest;
import io.maintenance.api.BackupStatus;
import io.maintenance.api.Maintenance;
import io.maintenance.api.Principal;
import io.maintenance.api.RestorePolicy;
import io.maintenance.core.MaintenanceEngine;
import io.maintenance.core.http.AdminRoutes;
import io.maintenance.spring.boot.internal.CatalogDataSource;
import io.maintenance.spring.boot.internal.MaintenanceConfigurationException;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postgresql.ds.PGSimpleDataSource;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Primary;

/** The auto-configuration in Spring's own context runner, against a real (embedded) PostgreSQL. */
class MaintenanceAutoConfigurationIT {
  @TempDir
  Path storage;

  private ApplicationContextRunner runner() {
    String app = TestPostgres.newDatabase("app");
    String shop = TestPostgres.newDatabase("shop");
    TestPostgres.sql(TestPostgres.database(shop), "CREATE TABLE items (id int PRIMARY KEY, name text)",
        "INSERT INTO items VALUES (1, 'anvil'), (2, 'rope')");
    return new ApplicationContextRunner()
        .withConfiguration(AutoConfigurations.of(DataSourceAutoConfiguration.class, MaintenanceAutoConfiguration.class))
        .withBean(SimpleMeterRegistry.class)
        .withPropertyValues(
            "spring.datasource.url=" + app, "spring.datasource.username=postgres",
            "maintenance.storage.type=local", "maintenance.storage.path=" + storage,
            "maintenance.datastores.shop.type=postgres", "maintenance.datastores.shop.url=" + shop,
            "maintenance.datastores.shop.user=postgres",
            "maintenance.restore.approvals-required=1", "maintenance.restore.token-ttl=30m",
            "maintenance.retention.keep-last=3");
  }

  @Test
  void buildsTheEngineOnTheApplicationDataSourceWithMetersAndHealth() {
    runner().run(ctx -> {
      assertThat(ctx).hasNotFailed().hasSingleBean(MaintenanceEngine.class).hasSingleBean(AdminRoutes.class)
          .hasSingleBean(MaintenanceHealthIndicator.class).hasSingleBean(MaintenancePrincipalMapper.class);
      Maintenance engine = ctx.getBean(Maintenance.class);

      var backup = engine.backup(BackupRequest.all(), Principal.system("test"));
      assertThat(backup.status()).isEqualTo(BackupStatus.SUCCEEDED);
      assertThat(backup.datastores()).containsExactly("shop");
      // The catalog is in the application's database, read with plain JDBC.
      assertThat(count(ctx.getBean(DataSource.class), "SELECT count(*) FROM maintenance_backups WHERE status = 'SUCCEEDED'")).isEqualTo(1);
      assertThat(Files.exists(storage.resolve("backups").resolve(backup.id()).resolve("manifest.json"))).isTrue();
      // The meters are in the application's registry.
      MeterRegistry registry = ctx.getBean(MeterRegistry.class);
      assertThat(registry.get("maintenance.backup").tag("status", "SUCCEEDED").counter().count()).isEqualTo(1.0);
      assertThat(registry.get("maintenance.ready").tag("component", "datastore:shop").gauge().value()).isEqualTo(1.0);

      Health health = ctx.getBean(MaintenanceHealthIndicator.class).health();
      assertThat(health.getStatus()).isEqualTo(Status.UP);
      assertThat(health.getDetails()).containsKeys("catalog", "storage:local", "datastore:shop");
      @SuppressWarnings("unchecked")
      Map<String, Object> shop = (Map<String, Object>) health.getDetails().get("datastore:shop");
      assertThat(shop).containsEntry("status", "UP").containsEntry("code", "OK");
    });
  }

  @Test
  void schedulesComeFromTheProperties() {
    runner().withPropertyValues("maintenance.schedules.nightly.cron=0 2 * * *", "maintenance.schedules.nightly.retention=true",
            "maintenance.schedules.nightly.labels.origin=spring")
        .run(ctx -> {
          assertThat(ctx).hasNotFailed();
          var schedules = ctx.getBean(Maintenance.class).schedules(Principal.system("test"));
          assertThat(schedules).singleElement().satisfies(s -> {
            assertThat(s.name()).isEqualTo("nightly");
            assertThat(s.kind()).isEqualTo("backup");
            assertThat(s.cron()).isEqualTo("0 2 * * *");
          });
        });
    runner().withPropertyValues("maintenance.schedules.nightly.cron=0 25 * * *")
        .run(ctx -> assertThat(ctx).hasFailed().getFailure().hasStackTraceContaining("schedules.nightly: 'cron' is not a crontab expression"));
  }

  @Test
  void drillsComeFromTheProperties() {
    String sandbox = TestPostgres.newDatabase("drill");
    runner().withPropertyValues("maintenance.drills.shop.sandbox.url=" + sandbox, "maintenance.drills.shop.sandbox.user=postgres",
            "maintenance.drills.shop.max-age=8d")
        .run(ctx -> {
          assertThat(ctx).hasNotFailed();
          Maintenance engine = ctx.getBean(Maintenance.class);
          engine.backup(BackupRequest.all(), Principal.system("test"));
          var drill = engine.runTask(io.maintenance.api.TaskRequest.of(io.maintenance.api.TaskType.DRILL), Principal.system("test"));
          assertThat(drill.status()).as(drill.toString()).isEqualTo(io.maintenance.api.TaskStatus.SUCCEEDED);
          assertThat(ctx.getBean(MaintenanceHealthIndicator.class).health().getDetails()).containsKey("drill:shop");
        });
    runner().withPropertyValues("maintenance.drills.shop.sandbox.url=" + TestPostgres.newDatabase("drill"),
            "maintenance.drills.shop.sandbox.colour=blue")
        .run(ctx -> assertThat(ctx).hasFailed().getFailure().hasStackTraceContaining("colour"));
  }

  @Test
  void healthIsDownWithTheProbeCodeWhenADatastoreIsUnreachable() {
    runner().withPropertyValues("maintenance.datastores.gone.type=postgres",
            "maintenance.datastores.gone.url=jdbc:postgresql://127.0.0.1:1/none", "maintenance.datastores.gone.user=postgres",
            "maintenance.probe-timeout=3s")
        .run(ctx -> {
          Health health = ctx.getBean(MaintenanceHealthIndicator.class).health();
          assertThat(health.getStatus()).isEqualTo(Status.DOWN);
          @SuppressWarnings("unchecked")
          Map<String, Object> gone = (Map<String, Object>) health.getDetails().get("datastore:gone");
          assertThat(gone).containsEntry("status", "DOWN");
          assertThat((String) gone.get("code")).isNotEqualTo("OK").matches("[A-Z_]+");
          assertThat(ctx.getBean(MeterRegistry.class).get("maintenance.ready").tag("component", "datastore:gone").gauge().value())
              .isZero();
        });
  }

  @Test
  void reportsEveryConfigurationProblemAtOnce() {
    new ApplicationContextRunner()
        .withConfiguration(AutoConfigurations.of(MaintenanceAutoConfiguration.class))
        .withPropertyValues(
            "maintenance.storage.type=tape",
            "maintenance.datastores.orders.url=jdbc:postgresql://db/orders",
            "maintenance.datastores.cache.type=memcached",
            "maintenance.restore.token-ttl=soon",
            "maintenance.restore.approvals-required=-1",
            "maintenance.retention.keep-dayly=7",
            "maintenance.retention.keep-weekly=-2",
            "maintenance.web.base-path=maintenance/",
            "maintenance.catalog.username=backup")
        .run(ctx -> {
          assertThat(ctx).hasFailed();
          Throwable failure = ctx.getStartupFailure();
          while (!(failure instanceof MaintenanceConfigurationException) && failure.getCause() != null) {
            failure = failure.getCause();
          }
          assertThat(failure).isInstanceOf(MaintenanceConfigurationException.class);
          assertThat(((MaintenanceConfigurationException) failure).problems()).satisfiesExactlyInAnyOrder(
              p -> assertThat(p).startsWith("maintenance.restore.token-ttl: the value 'soon' is not a valid Duration"),
              p -> assertThat(p).isEqualTo("maintenance.retention.keep-dayly: is not a maintenance setting"),
              p -> assertThat(p).startsWith("maintenance.storage.type: unknown storage provider 'tape'; one of local"),
              p -> assertThat(p).startsWith("maintenance.datastores.orders.type: is required; one of postgres"),
              p -> assertThat(p).startsWith("maintenance.datastores.cache.type: unknown datastore type 'memcached'"),
              p -> assertThat(p).isEqualTo("maintenance.restore.approvals-required: must be 0 or more, was -1"),
              p -> assertThat(p).isEqualTo("maintenance.retention.keep-weekly: must be 0 or more, was -2"),
              p -> assertThat(p).startsWith("maintenance.web.base-path: must look like /maintenance"),
              p -> assertThat(p).startsWith("maintenance.catalog.url: is required when"));
        });
  }

  @Test
  void otherProgramsEnvironmentVariablesWithTheSamePrefixAreNotRefused() {
    runner().withInitializer(ctx -> ctx.getEnvironment().getPropertySources().addFirst(
            new org.springframework.core.env.SystemEnvironmentPropertySource("systemEnvironment",
                Map.of("MAINTENANCE_WINDOW", "sunday 02:00", "MAINTENANCE_RESTORE_APPROVALS_REQUIRED", "2"))))
        .run(ctx -> {
          assertThat(ctx).hasNotFailed();
          // Environment variables still set the keys that exist.
          assertThat(ctx.getBean(MaintenanceProperties.class).getRestore().getApprovalsRequired()).isEqualTo(2);
        });
  }

  @Test
  void thePluginRefusesAMissingRequiredKeyWithItsCodeAtStartUp() {
    runner().withPropertyValues("maintenance.storage.path=").run(ctx -> {
      assertThat(ctx).hasFailed();
      assertThat(ctx.getStartupFailure()).rootCause().hasMessageContaining("'path' is required");
    });
  }

  @Test
  void everyBeanBacksOffForTheApplicationsOwn() {
    Maintenance own = MaintenanceEngine.builder().dataSource(pg(TestPostgres.newDatabase("own")))
        .storage("local", Map.of("path", storage.toString()))
        .datastore("postgres", "own", Map.of("url", TestPostgres.newDatabase("ownshop"), "user", "postgres"))
        .build();
    MaintenancePrincipalMapper mapper = user -> Optional.empty();
    runner()
        .withBean("ownEngine", Maintenance.class, () -> own, bd -> bd.setDestroyMethodName("close"))
        .withBean(MaintenancePrincipalMapper.class, () -> mapper)
        .withBean("maintenanceHealthIndicator", MaintenanceHealthIndicator.class, () -> new MaintenanceHealthIndicator(own))
        .run(ctx -> {
          assertThat(ctx).hasNotFailed().doesNotHaveBean(CatalogDataSource.class);
          assertThat(ctx.getBeansOfType(Maintenance.class)).containsOnlyKeys("ownEngine");
          assertThat(ctx.getBean(Maintenance.class)).isSameAs(own);
          assertThat(ctx.getBean(MaintenancePrincipalMapper.class)).isSameAs(mapper);
          assertThat(ctx).hasSingleBean(MaintenanceHealthIndicator.class);
        });
  }

  @Test
  void customizersAdjustTheBuilder() {
    runner().withBean(MaintenanceEngineCustomizer.class, () -> b -> b.restorePolicy(new RestorePolicy(2, Duration.ofMinutes(5), false)))
        .run(ctx -> {
          var backup = ctx.getBean(Maintenance.class).backup(BackupRequest.all(), Principal.system("t"));
          var preview = ctx.getBean(Maintenance.class).previewRestore(io.maintenance.api.RestoreRequest.of(backup.id()),
              Principal.system("t"));
          assertThat(preview.approvalsRequired()).isEqualTo(2);
        });
  }

  @Test
  void switchesOff() {
    runner().withPropertyValues("maintenance.enabled=false").run(ctx ->
        assertThat(ctx).hasNotFailed().doesNotHaveBean(Maintenance.class).doesNotHaveBean(MaintenanceProperties.class));
    runner().withPropertyValues("management.health.maintenance.enabled=false").run(ctx ->
        assertThat(ctx).hasSingleBean(Maintenance.class).doesNotHaveBean(MaintenanceHealthIndicator.class));
    runner().withPropertyValues("maintenance.metrics.enabled=false").run(ctx -> {
      ctx.getBean(Maintenance.class).backup(BackupRequest.all(), Principal.system("t"));
      assertThat(ctx.getBean(MeterRegistry.class).find("maintenance.backup").counter()).isNull();
    });
  }

  @Test
  void startsWithoutTheOptionalLibraries() {
    runner().withClassLoader(new org.springframework.boot.test.context.FilteredClassLoader(
            org.springframework.boot.health.contributor.HealthIndicator.class,
            org.springframework.security.core.Authentication.class))
        .run(ctx -> {
          assertThat(ctx).hasNotFailed().hasSingleBean(Maintenance.class)
              .doesNotHaveBean(MaintenanceHealthIndicator.class).doesNotHaveBean(MaintenancePrincipalMapper.class);
          assertThat(ctx.getBean(Maintenance.class).backup(BackupRequest.all(), Principal.system("t")).status())
              .isEqualTo(BackupStatus.SUCCEEDED);
        });
  }

  @Test
  void aDataSourceMarkedForTheCatalogWinsOverThePrimaryOne() {
    runner().withUserConfiguration(MarkedCatalog.class)
        .run(ctx -> {
          DataSource marked = ctx.getBean("markedCatalog", DataSource.class);
          ctx.getBean(Maintenance.class).backup(BackupRequest.all(), Principal.system("t"));
          assertThat(count(marked, "SELECT count(*) FROM maintenance_backups")).isEqualTo(1);
          assertThat(count(ctx.getBean("primary", DataSource.class),
              "SELECT count(*) FROM information_schema.tables WHERE table_name = 'maintenance_backups'")).isZero();
        });
  }

  @Test
  void aCatalogUrlGetsItsOwnPoolClosedWithTheContext() {
    String catalogUrl = TestPostgres.newDatabase("separate");
    var pool = new java.util.concurrent.atomic.AtomicReference<com.zaxxer.hikari.HikariDataSource>();
    runner().withPropertyValues("maintenance.catalog.url=" + catalogUrl, "maintenance.catalog.username=postgres").run(ctx -> {
      ctx.getBean(Maintenance.class).backup(BackupRequest.all(), Principal.system("t"));
      CatalogDataSource catalog = ctx.getBean(CatalogDataSource.class);
      pool.set((com.zaxxer.hikari.HikariDataSource) catalog.dataSource());
      assertThat(catalog.owned()).isTrue();
      assertThat(catalog.dataSource()).isNotSameAs(ctx.getBean(DataSource.class));
      assertThat(count(pg(catalogUrl), "SELECT count(*) FROM maintenance_backups")).isEqualTo(1);
      assertThat(count(ctx.getBean(DataSource.class),
          "SELECT count(*) FROM information_schema.tables WHERE table_name = 'maintenance_backups'")).isZero();
    });
    assertThat(pool.get().isClosed()).isTrue();
  }

  @Configuration(proxyBeanMethods = false)
  static class MarkedCatalog {
    @Bean
    @Primary
    DataSource primary() {
      return pg(TestPostgres.newDatabase("primary"));
    }

    @Bean
    @MaintenanceDataSource
    DataSource markedCatalog() {
      return pg(TestPostgres.newDatabase("marked"));
    }
  }

  static DataSource pg(String url) {
    PGSimpleDataSource ds = new PGSimpleDataSource();
    ds.setUrl(url);
    ds.setUser("postgres");
    return ds;
  }

  static long count(DataSource ds, String sql) throws Exception {
    try (Connection c = ds.getConnection(); ResultSet rs = c.createStatement().executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    }
  }
}
