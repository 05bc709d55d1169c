package io.maintenance.storage.gcs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.maintenance.api.ErrorCode;
import io.maintenance.api.MaintenanceException;
import io.maintenance.spi.PluginConfig;
import io.maintenance.spi.StorageProvider;
import io.maintenance.spi.StorageProviderFactory;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GcsStorageProviderFactoryTest {
  private static final Map<String, String> EMULATOR = Map.of(
      "bucket", "some-bucket", "endpoint", "http://127.0.0.1:1", "credentials", "none", "project", "p");

  @Test
  void isFoundByServiceLoaderUnderTheNameGcs() {
    assertThat(ServiceLoader.load(StorageProviderFactory.class).stream().map(ServiceLoader.Provider::get))
        .anySatisfy(f -> {
          assertThat(f.name()).isEqualTo("gcs");
          assertThat(f).isInstanceOf(GcsStorageProviderFactory.class);
        });
  }

  @Test
  void createsAProviderWithDefaultsAndANormalisedPrefix() throws Exception {
    Map<String, String> values = new HashMap<>(EMULATOR);
    values.put("key-prefix", "backups/prod");
    try (StorageProvider p = new GcsStorageProviderFactory().create(PluginConfig.of("storage gcs", values))) {
      GcsStorageProvider gcs = (GcsStorageProvider) p;
      assertThat(gcs.name()).isEqualTo("gcs");
      assertThat(gcs.keyPrefix()).isEqualTo("backups/prod/");
      assertThat(gcs.chunkSize()).isEqualTo(16 * 1024 * 1024);
    }
  }

  @Test
  void badConfigurationFailsWithConfigInvalidNamingTheKey(@TempDir Path dir) throws Exception {
    Path garbage = Files.writeString(dir.resolve("key.json"), "{\"type\":\"service_account\",\"private_key\":\"secret-material\"}");
    Map<String, Map<String, String>> cases = Map.of(
        "bucket", Map.of("credentials", "none"),
        "chunk-size", with("chunk-size", "1000KiB"),
        "max-attempts", with("max-attempts", "zero"),
        "key-prefix", with("key-prefix", "a/../b"),
        "read-timeout", with("read-timeout", "soon"),
        "credentials", with("credentials", dir.resolve("missing.json").toString()));
    cases.forEach((key, values) -> assertThatThrownBy(() -> new GcsStorageProviderFactory().create(PluginConfig.of("storage gcs", values)))
        .as(key)
        .isInstanceOfSatisfying(MaintenanceException.class, e -> {
          assertThat(e.code()).isEqualTo(ErrorCode.CONFIG_INVALID);
          assertThat(e.getMessage()).contains("'" + key + "'");
        }));
    assertThatThrownBy(() -> new GcsStorageProviderFactory().create(PluginConfig.of("storage gcs", with("credentials", garbage.toString()))))
        .isInstanceOfSatisfying(MaintenanceException.class, e -> {
          assertThat(e.code()).isEqualTo(ErrorCode.CONFIG_INVALID);
          assertThat(e.getMessage()).doesNotContain("secret-material");
        });
  }

  @Test
  void deprecatedPrefixKeyStillSetsTheKeyPrefixAndLogsAWarning() throws Exception {
    PrintStream err = System.err;
    ByteArrayOutputStream log = new ByteArrayOutputStream();
    System.setErr(new PrintStream(log, true, StandardCharsets.UTF_8));
    try (StorageProvider p = new GcsStorageProviderFactory().create(PluginConfig.of("storage gcs", with("prefix", "old/name")))) {
      assertThat(((GcsStorageProvider) p).keyPrefix()).isEqualTo("old/name/");
    } finally {
      System.setErr(err);
    }
    assertThat(log.toString(StandardCharsets.UTF_8)).contains("WARN").contains("'prefix' is deprecated").contains("'key-prefix'");
  }

  @Test
  void prefixAndKeyPrefixTogetherAreRefused() {
    Map<String, String> values = with("prefix", "a");
    values.put("key-prefix", "b");
    assertThatThrownBy(() -> new GcsStorageProviderFactory().create(PluginConfig.of("storage gcs", values)))
        .isInstanceOfSatisfying(MaintenanceException.class, e -> {
          assertThat(e.code()).isEqualTo(ErrorCode.CONFIG_INVALID);
          assertThat(e.details()).containsEntry("key", "prefix");
          assertThat(e.getMessage()).contains("key-prefix");
        });
  }

  @Test
  void bucketNamesAreValidated() {
    assertThatThrownBy(() -> new GcsStorageProviderFactory().create(PluginConfig.of("storage gcs", with("bucket", "Bad_Bucket!"))))
        .isInstanceOfSatisfying(MaintenanceException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.CONFIG_INVALID));
  }

  private static Map<String, String> with(String key, String value) {
    Map<String, String> m = new HashMap<>(EMULATOR);
    m.put(key, value);
    return m;
  }
}
