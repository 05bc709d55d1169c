package io.maintenance.core.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.maintenance.api.ErrorCode;
import io.maintenance.api.MaintenanceException;
import io.maintenance.api.RestorePolicy;
import io.maintenance.api.RetentionPolicy;
import io.maintenance.core.internal.plugins.Plugins;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class EngineConfigTest {
  @Test
  void flatPropertiesBecomeStorageDatastoresAndPolicies() {
    EngineConfig c = EngineConfig.parse(Map.of(
        "storage.type", "local", "storage.path", "/var/backups",
        "datastores.orders.type", "postgres", "datastores.orders.url", "jdbc:postgresql://db/orders",
        "restore.approvals-required", "2", "restore.token-ttl", "30m",
        "retention.keep-last", "7", "retention.keep-within", "14d", "backup-folder", "prod"),
        RestorePolicy.defaults(), RetentionPolicy.keepAll());

    assertThat(c.storage()).hasValueSatisfying(s -> {
      assertThat(s.getKey()).isEqualTo("local");
      assertThat(s.getValue()).containsExactly(Map.entry("path", "/var/backups"));
    });
    assertThat(c.datastores().get("orders").getKey()).isEqualTo("postgres");
    assertThat(c.restorePolicy().approvalsRequired()).isEqualTo(2);
    assertThat(c.restorePolicy().tokenTtl()).isEqualTo(Duration.ofMinutes(30));
    assertThat(c.retentionPolicy().keepLast()).isEqualTo(7);
    assertThat(c.retentionPolicy().keepWithin()).isEqualTo(Duration.ofDays(14));
    assertThat(c.backupFolder()).contains("prod");
  }

  @Test
  void drillSectionsAreGroupedByDatastoreAndAKeyWithoutOneIsAProblem() {
    EngineConfig c = EngineConfig.parse(Map.of("drills.orders.sandbox.url", "jdbc:postgresql://db/orders_drill",
        "drills.orders.sandbox.user", "drill", "drills.orders.max-age", "8d", "drills.max-age", "1d"), RestorePolicy.defaults(),
        RetentionPolicy.keepAll());

    assertThat(c.drills()).containsOnlyKeys("orders");
    assertThat(c.drills().get("orders")).containsOnly(Map.entry("sandbox.url", "jdbc:postgresql://db/orders_drill"),
        Map.entry("sandbox.user", "drill"), Map.entry("max-age", "8d"));
    assertThat(c.problems()).singleElement().satisfies(e -> assertThat(e.getMessage()).contains("drills.max-age",
        "drills.<datastore>.sandbox.<key>"));
  }

  @Test
  void everyTypoAndBadValueIsListedAtOnceWithItsKey() {
    EngineConfig c = EngineConfig.parse(Map.of("retention.keep-lats", "7", "restore.token-ttl", "soon",
        "datastores.x.url", "u", "lease-timeout", "-1s", "storage.type", "local"), RestorePolicy.defaults(),
        RetentionPolicy.keepAll());

    assertThat(c.problems()).allSatisfy(e -> assertThat(e.code()).isEqualTo(ErrorCode.CONFIG_INVALID));
    assertThat(c.problems()).extracting(MaintenanceException::getMessage).satisfiesExactlyInAnyOrder(
        m -> assertThat(m).contains("retention.keep-lats"),
        m -> assertThat(m).contains("token-ttl").contains("soon"),
        m -> assertThat(m).contains("datastores.x.type"),
        m -> assertThat(m).contains("lease-timeout"));
    // What was valid still applies; the bad values leave the defaults.
    assertThat(c.storage()).hasValueSatisfying(s -> assertThat(s.getKey()).isEqualTo("local"));
    assertThat(c.restorePolicy()).isEqualTo(RestorePolicy.defaults());
  }

  @Test
  void collectedProblemsAreThrownAsOneErrorNamingEach() {
    ConfigErrors errors = new ConfigErrors();
    EngineConfig c = EngineConfig.parse(Map.of("retention.keep-lats", "7", "backup-foldr", "x"), RestorePolicy.defaults(),
        RetentionPolicy.keepAll());
    c.problems().forEach(errors::add);
    errors.add(io.maintenance.spi.PluginConfig.of("storage s3", Map.of("regoin", "x")).invalid("regoin", "is unknown"));

    assertThatThrownBy(errors::throwIfAny).isInstanceOfSatisfying(MaintenanceException.class, e -> {
      assertThat(e.code()).isEqualTo(ErrorCode.CONFIG_INVALID);
      assertThat(e.getMessage()).startsWith("3 configuration errors:").contains("retention.keep-lats")
          .contains("backup-foldr").contains("regoin");
      assertThat(e.details().get("keys").split(",")).containsExactlyInAnyOrder("retention.keep-lats", "backup-foldr", "regoin");
      assertThat(e.getSuppressed()).hasSize(3);
    });
  }

  @Test
  void theOldNameOfBackupFolderStillWorksButNotTogetherWithTheNewOne() {
    EngineConfig old = EngineConfig.parse(Map.of("storage-prefix", "prod"), RestorePolicy.defaults(), RetentionPolicy.keepAll());
    assertThat(old.problems()).isEmpty();
    assertThat(old.backupFolder()).contains("prod");

    EngineConfig both = EngineConfig.parse(Map.of("storage-prefix", "a", "backup-folder", "b"), RestorePolicy.defaults(),
        RetentionPolicy.keepAll());
    assertThat(both.problems()).singleElement().satisfies(e -> {
      assertThat(e.code()).isEqualTo(ErrorCode.CONFIG_INVALID);
      assertThat(e.getMessage()).contains("storage-prefix").contains("backup-folder");
    });
  }

  @Test
  void integerSettingsOutsideTheIntRangeAreRefused() {
    io.maintenance.spi.PluginConfig p = io.maintenance.spi.PluginConfig.of("storage s3", Map.of("parallelism", "4294967297"));
    assertThatThrownBy(() -> p.integer("parallelism", 1)).isInstanceOfSatisfying(MaintenanceException.class, e -> {
      assertThat(e.code()).isEqualTo(ErrorCode.CONFIG_INVALID);
      assertThat(e.getMessage()).contains("'parallelism' must be between");
    });
  }

  @Test
  void unknownPluginNamesListTheKnownOnes() {
    Plugins plugins = Plugins.discover(getClass().getClassLoader());
    assertThatThrownBy(() -> plugins.storage("ftp"))
        .isInstanceOfSatisfying(MaintenanceException.class, e -> {
          assertThat(e.code()).isEqualTo(ErrorCode.CONFIG_INVALID);
          assertThat(e.getMessage()).contains("unknown storage provider 'ftp'; known:");
        });
  }
}
