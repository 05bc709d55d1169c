package io.maintenance.datastore.falkordb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.maintenance.api.ErrorCode;
import io.maintenance.api.MaintenanceException;
import io.maintenance.spi.Datastore;
import io.maintenance.spi.DatastoreFactory;
import io.maintenance.spi.PluginConfig;
import java.util.Map;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;

class FalkorDbDatastoreFactoryTest {
  private static Datastore create(Map<String, String> values) {
    return new FalkorDbDatastoreFactory().create("graphs", PluginConfig.of("datastore falkordb", values));
  }

  @Test
  void isFoundByServiceLoaderAsTypeFalkordb() {
    assertThat(ServiceLoader.load(DatastoreFactory.class).stream().map(p -> p.get().type())).contains("falkordb");
  }

  @Test
  void buildsFromAUriWithoutShowingThePassword() {
    Datastore ds = create(Map.of("uri", "rediss://ops:s3cret@db.example:6390/2", "include", "a*, b", "batch-size", "500"));
    assertThat(ds.id()).isEqualTo("graphs");
    assertThat(ds.type()).isEqualTo("falkordb");
    assertThat(ds.toString()).contains("db.example:6390", "db=2", "user=ops", "tls=true").doesNotContain("s3cret");
  }

  @Test
  void invalidValuesFailAsConfigInvalidNamingTheKeyNotTheSecret() {
    Map<String, Map<String, String>> bad = Map.of(
        "batch-size", Map.of("batch-size", "0"),
        "port", Map.of("port", "70000"),
        "socket-timeout", Map.of("socket-timeout", "soon"),
        "snapshot", Map.of("snapshot", "maybe"),
        "dump-source", Map.of("dump-source", "replica"),
        "uri", Map.of("uri", "http://u:hunter2@x"));
    bad.forEach((key, values) -> assertThatThrownBy(() -> create(values)).isInstanceOfSatisfying(MaintenanceException.class, e -> {
      assertThat(e.code()).isEqualTo(ErrorCode.CONFIG_INVALID);
      assertThat(e.details()).containsEntry("key", key);
      assertThat(e.getMessage()).doesNotContain("hunter2");
    }));
  }

  @Test
  void dumpSourceAcceptsCopyAndLive() {
    assertThat(create(Map.of("dump-source", "copy")).type()).isEqualTo("falkordb");
    assertThat(create(Map.of("dump-source", " LIVE ")).type()).isEqualTo("falkordb");
  }

  @Test
  void builderRejectsImpossibleSettings() {
    assertThatThrownBy(() -> FalkorDbDatastore.builder("g").port(0).build()).isInstanceOfSatisfying(MaintenanceException.class,
        e -> assertThat(e.code()).isEqualTo(ErrorCode.CONFIG_INVALID)).hasMessageContaining("port");
    assertThatThrownBy(() -> FalkorDbDatastore.builder("g").uri("http://x").build()).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> FalkorDbDatastore.builder("g").reservedPrefix("").build()).isInstanceOfSatisfying(MaintenanceException.class,
        e -> assertThat(e.details()).containsEntry("key", "reservedPrefix"));
  }
}
