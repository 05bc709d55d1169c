package io.maintenance.datastore.qdrant;

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

class QdrantDatastoreFactoryTest {
  private static DatastoreFactory factory() {
    return ServiceLoader.load(DatastoreFactory.class).stream().map(ServiceLoader.Provider::get)
        .filter(f -> f.type().equals("qdrant")).findFirst().orElseThrow();
  }

  @Test
  void factoryIsFoundByServiceLoaderAndBuildsFromConfigKeys() throws Exception {
    try (Datastore d = factory().create("vectors", PluginConfig.of("datastore qdrant", Map.of(
        "url", "http://qdrant.internal:6333", "grpc-port", "7334", "api-key", "s3cr3t", "include", "docs-*, img",
        "exclude", "tmp-*", "poll-interval", "250ms", "snapshot-timeout", "10m", "upload-only", "true")))) {
      assertThat(d.id()).isEqualTo("vectors");
      assertThat(d.type()).isEqualTo("qdrant");
      assertThat(d.toString()).contains("qdrant.internal:7334").contains("[docs-*, img]").contains("[tmp-*]")
          .contains("driftCheck=PAYLOADS").doesNotContain("s3cr3t");
    }
    try (Datastore d = factory().create("cluster", PluginConfig.of("datastore qdrant", Map.of("url", "http://lb:6333",
        "peer-urls", "http://node-1:6333, http://node-2:6333", "drift-check", "points", "checksum-wait", "2s")))) {
      assertThat(d.toString()).contains("peers=[http://node-1:6333, http://node-2:6333]").contains("driftCheck=POINTS");
    }
  }

  @Test
  void badConfigFailsWithConfigInvalidNamingTheKey() {
    Map<Map<String, String>, String> cases = Map.of(
        Map.of(), "url",
        Map.of("url", "not a url"), "url",
        Map.of("url", "qdrant:6333"), "url",
        Map.of("url", "http://q:6333", "grpc-port", "many"), "grpc-port",
        Map.of("url", "http://q:6333", "request-timeout", "soon"), "request-timeout",
        Map.of("url", "http://q:6333", "upload-only", "perhaps"), "upload-only",
        Map.of("url", "http://q:6333", "drift-check", "everything"), "drift-check",
        Map.of("url", "http://q:6333", "peer-urls", "node-1:6333"), "peer",
        Map.of("url", "http://q:6333", "checksum-wait", "-1s"), "checksum-wait");
    cases.forEach((config, key) -> assertThatThrownBy(() -> factory().create("q", PluginConfig.of("datastore qdrant", config)))
        .as("%s", config).isInstanceOfSatisfying(MaintenanceException.class, e -> {
          assertThat(e.code()).isEqualTo(ErrorCode.CONFIG_INVALID);
          assertThat(e.getMessage()).contains(key);
        }));
  }

  @Test
  void builderRejectsNonHttpUrlsAndNonPositiveTimeouts() {
    assertThatThrownBy(() -> QdrantDatastore.builder("q").url(java.net.URI.create("ftp://q:6333")).build())
        .isInstanceOfSatisfying(MaintenanceException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.CONFIG_INVALID));
    assertThatThrownBy(() -> QdrantDatastore.builder("q").url(java.net.URI.create("http://q:6333"))
        .pollInterval(java.time.Duration.ZERO).build())
        .isInstanceOfSatisfying(MaintenanceException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.CONFIG_INVALID));
  }
}
