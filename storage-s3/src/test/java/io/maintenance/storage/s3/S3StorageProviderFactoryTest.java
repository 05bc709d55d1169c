package io.maintenance.storage.s3;

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
import java.util.HashMap;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

class S3StorageProviderFactoryTest {
  private static final Map<String, String> MINIMAL = Map.of("bucket", "backups", "endpoint", "http://127.0.0.1:9", "path-style", "true",
      "access-key", "AKIDEXAMPLE", "secret-key", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY");

  @Test
  void factoryIsFoundByServiceLoaderUnderTheNameS3() {
    assertThat(ServiceLoader.load(StorageProviderFactory.class).stream().map(p -> p.get().name()).collect(Collectors.toList()))
        .contains("s3");
  }

  @Test
  void defaultsAreSixteenMibPartsFourInFlightAndCrc32c() throws Exception {
    try (StorageProvider p = create(MINIMAL)) {
      S3StorageProvider s3 = (S3StorageProvider) p;
      assertThat(s3.name()).isEqualTo("s3");
      assertThat(s3.bucket()).isEqualTo("backups");
      assertThat(s3.keyPrefix()).isEmpty();
      assertThat(s3.partSize()).isEqualTo(16 * 1024 * 1024);
      assertThat(s3.parallelism()).isEqualTo(4);
      assertThat(s3.checksumMode()).isEqualTo(ChecksumMode.CRC32C);
    }
  }

  @Test
  void configuredValuesAreUsed() throws Exception {
    Map<String, String> c = new HashMap<>(MINIMAL);
    c.putAll(Map.of("key-prefix", "prod/db/", "part-size", "64MiB", "parallelism", "8", "checksum", "MD5", "region", "eu-west-1"));
    try (StorageProvider p = create(c)) {
      S3StorageProvider s3 = (S3StorageProvider) p;
      assertThat(s3.keyPrefix()).isEqualTo("prod/db");
      assertThat(s3.partSize()).isEqualTo(64 * 1024 * 1024);
      assertThat(s3.parallelism()).isEqualTo(8);
      assertThat(s3.checksumMode()).isEqualTo(ChecksumMode.MD5);
    }
  }

  @Test
  void invalidValuesFailWithConfigInvalidNamingTheKey() {
    Map<String, String> cases = new HashMap<>();
    cases.put("part-size", "4MiB");
    cases.put("parallelism", "0");
    cases.put("checksum", "sha1");
    cases.put("endpoint", "not a url");
    cases.put("key-prefix", "../up");
    cases.put("part-attempts", "0");
    cases.put("list-page-size", "1001");
    cases.put("max-attempts", "many");
    cases.put("connect-timeout", "soon");
    cases.put("path-style", "maybe");
    cases.put("bucket", "a/b");
    cases.forEach((key, value) -> {
      Map<String, String> c = new HashMap<>(MINIMAL);
      c.put(key, value);
      assertThatThrownBy(() -> create(c)).as(key)
          .isInstanceOfSatisfying(MaintenanceException.class, e -> {
            assertThat(e.code()).isEqualTo(ErrorCode.CONFIG_INVALID);
            assertThat(e.details()).containsEntry("key", key);
          });
    });
  }

  @Test
  void deprecatedPrefixKeyStillSetsTheKeyPrefixAndLogsAWarning() throws Exception {
    Map<String, String> c = new HashMap<>(MINIMAL);
    c.put("prefix", "old/name");
    PrintStream err = System.err;
    ByteArrayOutputStream log = new ByteArrayOutputStream();
    System.setErr(new PrintStream(log, true, StandardCharsets.UTF_8));
    try (StorageProvider p = create(c)) {
      assertThat(((S3StorageProvider) p).keyPrefix()).isEqualTo("old/name");
    } finally {
      System.setErr(err);
    }
    assertThat(log.toString(StandardCharsets.UTF_8)).contains("WARN").contains("'prefix' is deprecated").contains("'key-prefix'");
  }

  @Test
  void prefixAndKeyPrefixTogetherAreRefused() {
    Map<String, String> c = new HashMap<>(MINIMAL);
    c.putAll(Map.of("prefix", "a", "key-prefix", "b"));
    assertThatThrownBy(() -> create(c)).isInstanceOfSatisfying(MaintenanceException.class, e -> {
      assertThat(e.code()).isEqualTo(ErrorCode.CONFIG_INVALID);
      assertThat(e.details()).containsEntry("key", "prefix");
      assertThat(e.getMessage()).contains("key-prefix");
    });
  }

  @Test
  void bucketIsRequired() {
    Map<String, String> c = new HashMap<>(MINIMAL);
    c.remove("bucket");
    assertThatThrownBy(() -> create(c)).isInstanceOfSatisfying(MaintenanceException.class, e -> {
      assertThat(e.code()).isEqualTo(ErrorCode.CONFIG_INVALID);
      assertThat(e.details()).containsEntry("key", "bucket");
    });
  }

  @Test
  void halfOfAnExplicitCredentialIsRefusedWithoutShowingTheSecret() {
    Map<String, String> c = new HashMap<>(MINIMAL);
    c.remove("access-key");
    assertThatThrownBy(() -> create(c)).isInstanceOfSatisfying(MaintenanceException.class, e -> {
      assertThat(e.details()).containsEntry("key", "access-key");
      assertThat(e.getMessage()).doesNotContain("wJalrXUtnFEMI");
    });
    assertThat(PluginConfig.of("storage s3", MINIMAL).toString()).doesNotContain("wJalrXUtnFEMI");
  }

  @Test
  void hostClientIsUsedAsIsAndNotCombinedWithConnectionOptions() {
    try (S3Client host = S3Client.builder().region(Region.EU_WEST_1).build()) {
      S3StorageProvider p = S3StorageProvider.builder().client(host).bucket("backups").build();
      p.close();
      // the provider did not close the host's client: it can still build requests
      assertThat(host.serviceClientConfiguration().region()).isEqualTo(Region.EU_WEST_1);

      assertThatThrownBy(() -> S3StorageProvider.builder().client(host).bucket("backups").region("us-east-1").build())
          .isInstanceOfSatisfying(MaintenanceException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.CONFIG_INVALID));
    }
  }

  private static StorageProvider create(Map<String, String> config) {
    return new S3StorageProviderFactory().create(PluginConfig.of("storage s3", config));
  }
}
