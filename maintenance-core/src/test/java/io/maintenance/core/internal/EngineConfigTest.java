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
        "retention.keep-last", "7", "retention.keep-within", "14d", "storage-prefix", "prod"),
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
    assertThat(c.storagePrefix()).contains("prod");
  }

  @Test
  void typosAndBadValuesAreRefusedWithTheKey() {
    assertThatThrownBy(() -> EngineConfig.parse(Map.of("retention.keep-lats", "7"), RestorePolicy.defaults(), RetentionPolicy.keepAll()))
        .isInstanceOfSatisfying(MaintenanceException.class, e -> {
          assertThat(e.code()).isEqualTo(ErrorCode.CONFIG_INVALID);
          assertThat(e.getMessage()).contains("retention.keep-lats");
        });
    assertThatThrownBy(() -> EngineConfig.parse(Map.of("restore.token-ttl", "soon"), RestorePolicy.defaults(), RetentionPolicy.keepAll()))
        .hasMessageContaining("token-ttl");
    assertThatThrownBy(() -> EngineConfig.parse(Map.of("datastores.x.url", "u"), RestorePolicy.defaults(), RetentionPolicy.keepAll()))
        .hasMessageContaining("datastores.x.type");
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
