package io.maintenance.storage.gcs;

import com.google.auth.Credentials;
import com.google.auth.oauth2.GoogleCredentials;
import com.google.auth.oauth2.ServiceAccountCredentials;
import com.google.auto.service.AutoService;
import com.google.cloud.NoCredentials;
import com.google.cloud.ServiceOptions;
import com.google.cloud.http.HttpTransportOptions;
import com.google.cloud.storage.HttpStorageOptions;
import com.google.cloud.storage.StorageOptions;
import io.maintenance.spi.PluginConfig;
import io.maintenance.spi.StorageProvider;
import io.maintenance.spi.StorageProviderFactory;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Creates a {@link GcsStorageProvider} from configuration (see {@code docs/storage-gcs.md}):
 *
 * <pre>
 * bucket          required
 * key-prefix      object-name prefix, default none (the deprecated name "prefix" still works, with a warning)
 * project         GCP project id, default: from the credentials or the environment
 * endpoint        JSON API root, default https://storage.googleapis.com (set it for emulators)
 * credentials     "default" (Application Default Credentials), "none" (emulators), or a service-account JSON file path
 * chunk-size      upload chunk, multiple of 256KiB, default 16MiB
 * connect-timeout default 20s
 * read-timeout    default 60s
 * request-timeout longest one call may take, retries included; default 60s
 * max-attempts    per request, default 6
 * retry-delay     first backoff, doubled per attempt, default 500ms
 * page-size       objects per listing page, default 1000
 * kms-key-name    Cloud KMS key (CMEK) of every object written, default the bucket's
 * storage-class   STANDARD | NEARLINE | COLDLINE | ARCHIVE, default the bucket's
 * </pre>
 */
@AutoService(StorageProviderFactory.class)
public final class GcsStorageProviderFactory implements StorageProviderFactory {
  private static final Logger LOG = LoggerFactory.getLogger(GcsStorageProviderFactory.class);
  private static final String BUCKET = "bucket";
  private static final String KEY_PREFIX = "key-prefix";
  /** The old name of {@link #KEY_PREFIX}, still read with a warning. */
  private static final String DEPRECATED_PREFIX = "prefix";
  private static final String PROJECT = "project";
  private static final String ENDPOINT = "endpoint";
  private static final String CREDENTIALS = "credentials";
  private static final String CHUNK_SIZE = "chunk-size";
  private static final String CONNECT_TIMEOUT = "connect-timeout";
  private static final String READ_TIMEOUT = "read-timeout";
  private static final String REQUEST_TIMEOUT = "request-timeout";
  private static final String MAX_ATTEMPTS = "max-attempts";
  private static final String RETRY_DELAY = "retry-delay";
  private static final String PAGE_SIZE = "page-size";
  private static final String KMS_KEY_NAME = "kms-key-name";
  private static final String STORAGE_CLASS = "storage-class";

  private static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(20);
  private static final Duration DEFAULT_READ_TIMEOUT = Duration.ofSeconds(60);

  @Override
  public String name() {
    return GcsStorageProvider.NAME;
  }

  @Override
  public StorageProvider create(PluginConfig config) {
    String bucket = config.require(BUCKET);
    int maxAttempts = config.integer(MAX_ATTEMPTS, GcsStorageProvider.DEFAULT_MAX_ATTEMPTS);
    Duration requestTimeout = config.duration(REQUEST_TIMEOUT, GcsStorageProvider.DEFAULT_REQUEST_TIMEOUT);
    Credentials credentials = credentials(config);
    HttpStorageOptions.Builder options = StorageOptions.http()
        .setCredentials(credentials)
        .setTransportOptions(HttpTransportOptions.newBuilder()
            .setConnectTimeout(millis(config, CONNECT_TIMEOUT, DEFAULT_CONNECT_TIMEOUT))
            .setReadTimeout(millis(config, READ_TIMEOUT, DEFAULT_READ_TIMEOUT))
            .build())
        .setRetrySettings(ServiceOptions.getDefaultRetrySettings().toBuilder().setMaxAttempts(Math.max(1, maxAttempts))
            .setTotalTimeoutDuration(requestTimeout).build());
    config.optional(ENDPOINT).ifPresent(options::setHost);
    String project = config.optional(PROJECT).orElse(
        credentials instanceof ServiceAccountCredentials sa ? sa.getProjectId() : null);
    if (project != null) {
      options.setProjectId(project);
    }
    return GcsStorageProvider.builder()
        .storage(options.build().getService())
        .closeStorage(true)
        .bucket(bucket)
        .keyPrefix(keyPrefix(config))
        .chunkSize(config.bytes(CHUNK_SIZE, GcsStorageProvider.DEFAULT_CHUNK_SIZE))
        .maxAttempts(maxAttempts)
        .retryDelay(config.duration(RETRY_DELAY, GcsStorageProvider.DEFAULT_RETRY_DELAY))
        .pageSize(config.integer(PAGE_SIZE, GcsStorageProvider.DEFAULT_PAGE_SIZE))
        .requestTimeout(requestTimeout)
        .kmsKeyName(config.optional(KMS_KEY_NAME).orElse(null))
        .storageClass(config.optional(STORAGE_CLASS).orElse(null))
        .build();
  }

  /** {@code key-prefix}, or its deprecated name {@code prefix} with a warning; setting both is refused. */
  private static String keyPrefix(PluginConfig config) {
    Optional<String> current = config.optional(KEY_PREFIX);
    Optional<String> deprecated = config.optional(DEPRECATED_PREFIX);
    if (deprecated.isEmpty()) {
      return current.orElse("");
    }
    if (current.isPresent()) {
      throw config.invalid(DEPRECATED_PREFIX, "is the deprecated name of '" + KEY_PREFIX + "': set only '" + KEY_PREFIX + "'");
    }
    LOG.warn("storage gcs: setting '{}' is deprecated and will be removed; rename it to '{}'", DEPRECATED_PREFIX, KEY_PREFIX);
    return deprecated.get();
  }

  private static Credentials credentials(PluginConfig config) {
    String value = config.string(CREDENTIALS, "default");
    if (value.equals("none")) {
      return NoCredentials.getInstance();
    }
    if (value.equals("default")) {
      try {
        return GoogleCredentials.getApplicationDefault();
      } catch (IOException e) {
        throw config.invalid(CREDENTIALS, "is 'default' but no Application Default Credentials were found ("
            + e.getMessage() + "); set GOOGLE_APPLICATION_CREDENTIALS or give a service-account file");
      }
    }
    Path file = Path.of(value);
    if (!Files.isReadable(file)) {
      throw config.invalid(CREDENTIALS, "names a file that does not exist or cannot be read: " + file);
    }
    try (InputStream in = Files.newInputStream(file)) {
      return GoogleCredentials.fromStream(in);
    } catch (IOException | RuntimeException e) {
      // The message of a parse failure never echoes the key material.
      throw config.invalid(CREDENTIALS, "is not a valid credentials JSON file: " + file);
    }
  }

  private static int millis(PluginConfig config, String key, Duration defaultValue) {
    long ms = config.duration(key, defaultValue).toMillis();
    if (ms <= 0 || ms > Integer.MAX_VALUE) {
      throw config.invalid(key, "must be a positive duration");
    }
    return (int) ms;
  }
}
