package io.maintenance.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.maintenance.api.ErrorCode;
import io.maintenance.api.MaintenanceException;
import io.maintenance.core.MaintenanceEngine;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postgresql.ds.PGSimpleDataSource;

/** One start with several mistakes, across the engine's settings and the real plugins', names all of them. */
class ConfigurationErrorsTest {
  @TempDir
  Path dir;

  @Test
  void threeTyposInThreePlacesAreNamedTogether() {
    PGSimpleDataSource catalog = new PGSimpleDataSource();
    catalog.setURL("jdbc:postgresql://127.0.0.1:1/never-contacted");
    Map<String, String> properties = Map.of(
        "retention.keep-lst", "7",
        "storage.type", "local", "storage.path", dir.toString(), "storage.fsnyc", "true",
        "datastores.orders.type", "postgres", "datastores.orders.url", "jdbc:postgresql://127.0.0.1:1/orders",
        "datastores.orders.pasword", "secret");

    assertThatThrownBy(() -> MaintenanceEngine.builder().dataSource(catalog).configure(properties).build())
        .isInstanceOfSatisfying(MaintenanceException.class, e -> {
          assertThat(e.code()).isEqualTo(ErrorCode.CONFIG_INVALID);
          assertThat(e.getMessage()).startsWith("3 configuration errors:")
              .contains("retention.keep-lst").contains("fsnyc").contains("pasword")
              .doesNotContain("secret");
          assertThat(e.details().get("keys").split(",")).containsExactlyInAnyOrder("retention.keep-lst", "fsnyc", "pasword");
        });
  }

  @Test
  void everyBadValueOfOnePluginIsNamedWithItsUnknownKeys() {
    PGSimpleDataSource catalog = new PGSimpleDataSource();
    catalog.setURL("jdbc:postgresql://127.0.0.1:1/never-contacted");
    Map<String, String> properties = Map.of(
        "storage.type", "local", "storage.path", dir.toString(),
        "datastores.orders.type", "postgres", "datastores.orders.url", "jdbc:postgresql://127.0.0.1:1/orders",
        "datastores.orders.lock-timeout", "soon", "datastores.orders.plan.validate-rows", "maybe",
        "datastores.orders.backup.split-size", "big", "datastores.orders.pasword", "secret");

    assertThatThrownBy(() -> MaintenanceEngine.builder().dataSource(catalog).configure(properties).build())
        .isInstanceOfSatisfying(MaintenanceException.class, e -> {
          assertThat(e.code()).isEqualTo(ErrorCode.CONFIG_INVALID);
          assertThat(e.getMessage()).startsWith("4 configuration errors:").contains("'lock-timeout'").contains("soon")
              .contains("'plan.validate-rows'").contains("maybe").contains("'backup.split-size'").contains("pasword")
              .doesNotContain("secret");
          assertThat(e.details().get("keys").split(",")).containsExactlyInAnyOrder("lock-timeout", "plan.validate-rows",
              "backup.split-size", "pasword");
        });
  }

  @Test
  void aMissingRequiredSettingIsNamedOnceNotAgainThroughWhatItCaused() {
    PGSimpleDataSource catalog = new PGSimpleDataSource();
    catalog.setURL("jdbc:postgresql://127.0.0.1:1/never-contacted");
    Map<String, String> properties = Map.of(
        "storage.type", "local", "storage.path", dir.toString(),
        "datastores.orders.type", "postgres", "datastores.orders.lock-timeout", "soon");

    assertThatThrownBy(() -> MaintenanceEngine.builder().dataSource(catalog).configure(properties).build())
        .isInstanceOfSatisfying(MaintenanceException.class, e -> {
          assertThat(e.code()).isEqualTo(ErrorCode.CONFIG_INVALID);
          // The factory stops at the empty url (and says so again in its own words): that is the same mistake.
          assertThat(e.getMessage()).isEqualTo("datastore orders (postgres): 'url' is required");
          assertThat(e.getSuppressed()).singleElement().satisfies(s -> assertThat(s).hasMessageContaining("url"));
        });
  }

  @Test
  void aBadValueAndAnUnknownKeyInDifferentPluginsAreNamedTogether() {
    PGSimpleDataSource catalog = new PGSimpleDataSource();
    catalog.setURL("jdbc:postgresql://127.0.0.1:1/never-contacted");
    Map<String, String> properties = Map.of(
        "storage.type", "local", "storage.path", dir.toString(),
        "datastores.orders.type", "postgres", "datastores.orders.url", "jdbc:postgresql://127.0.0.1:1/orders",
        "datastores.orders.lock-timeout", "soon",
        "datastores.graph.type", "falkordb", "datastores.graph.url", "redis://127.0.0.1:1", "datastores.graph.grahps", "g");

    assertThatThrownBy(() -> MaintenanceEngine.builder().dataSource(catalog).configure(properties).build())
        .isInstanceOfSatisfying(MaintenanceException.class, e -> {
          assertThat(e.code()).isEqualTo(ErrorCode.CONFIG_INVALID);
          assertThat(e.getMessage()).startsWith("2 configuration errors:").contains("lock-timeout").contains("soon")
              .contains("grahps");
        });
  }
}
