package io.maintenance.storage.s3;

import com.google.auto.service.AutoService;
import io.maintenance.spi.PluginConfig;
import io.maintenance.spi.StorageProvider;
import io.maintenance.spi.StorageProviderFactory;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.Optional;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.services.s3.model.ServerSideEncryption;
import software.amazon.awssdk.services.s3.model.StorageClass;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code s3} storage provider, from configuration keys (defaults in brackets):
 *
 * <pre>
 * bucket            required
 * key-prefix        key prefix inside the bucket                           [none]
 *                   (the deprecated name "prefix" still works, with a warning)
 * region            AWS region                [SDK region chain; us-east-1 with an endpoint]
 * endpoint          URL of an S3-compatible server or VPC endpoint          [AWS]
 * path-style        endpoint/bucket/key URLs instead of virtual hosts       [false]
 * access-key        with secret-key (and optional session-token): explicit credentials
 * secret-key                                           [SDK default credentials chain]
 * session-token
 * checksum          crc32c | md5: checksum of every part, verified by the server  [crc32c]
 * part-size         bytes per part, 5MiB..1GiB                              [16MiB]
 * parallelism       parts of one upload in flight                           [4]
 * part-attempts     sends of a part the server rejects as corrupted         [3]
 * max-attempts      attempts per request, and per broken download          [3]
 * connect-timeout                                                           [10s]
 * socket-timeout    longest wait for data on an open connection             [60s]
 * request-timeout   longest one request may take, retries included         [60s]
 * max-connections                                                           [50]
 * list-page-size    keys per listing request, 1..1000                       [1000]
 * server-side-encryption  AES256 (SSE-S3) | aws:kms (SSE-KMS)               [the bucket's default]
 * sse-kms-key-id    KMS key id, ARN or alias for aws:kms                    [the account's default]
 * storage-class     STANDARD | STANDARD_IA | INTELLIGENT_TIERING | ...      [the bucket's default]
 * </pre>
 */
@AutoService(StorageProviderFactory.class)
public final class S3StorageProviderFactory implements StorageProviderFactory {
  private static final Logger LOG = LoggerFactory.getLogger(S3StorageProviderFactory.class);

  @Override
  public String name() {
    return S3StorageProvider.NAME;
  }

  @Override
  public StorageProvider create(PluginConfig config) {
    S3StorageProvider.Builder b = S3StorageProvider.builder()
        .bucket(config.require("bucket"))
        .keyPrefix(keyPrefix(config))
        .partSize(config.bytes("part-size", 16L * 1024 * 1024))
        .parallelism(config.integer("parallelism", 4))
        .partAttempts(config.integer("part-attempts", 3))
        .maxAttempts(config.integer("max-attempts", 3))
        .listPageSize(config.integer("list-page-size", 1000))
        .pathStyle(config.bool("path-style", false))
        .connectTimeout(config.duration("connect-timeout", Duration.ofSeconds(10)))
        .socketTimeout(config.duration("socket-timeout", Duration.ofSeconds(60)))
        .requestTimeout(config.duration("request-timeout", Duration.ofSeconds(60)))
        .maxConnections(config.integer("max-connections", 50));
    String checksum = config.string("checksum", ChecksumMode.CRC32C.configValue());
    b.checksumMode(ChecksumMode.parse(checksum)
        .orElseThrow(() -> config.invalid("checksum", "must be crc32c or md5, was '" + checksum + "'")));
    config.optional("region").ifPresent(b::region);
    config.optional("server-side-encryption").ifPresent(v -> {
      ServerSideEncryption sse = switch (v.toLowerCase(java.util.Locale.ROOT)) {
        case "aes256", "sse-s3" -> ServerSideEncryption.AES256;
        case "aws:kms", "sse-kms" -> ServerSideEncryption.AWS_KMS;
        default -> throw config.invalid("server-side-encryption", "must be AES256 (SSE-S3) or aws:kms (SSE-KMS), was '" + v + "'");
      };
      b.serverSideEncryption(sse);
    });
    config.optional("sse-kms-key-id").ifPresent(b::sseKmsKeyId);
    config.optional("storage-class").ifPresent(v -> b.storageClass(StorageClass.fromValue(v.toUpperCase(java.util.Locale.ROOT))));
    Optional<String> endpoint = config.optional("endpoint");
    if (endpoint.isPresent()) {
      try {
        b.endpoint(new URI(endpoint.get()));
      } catch (URISyntaxException e) {
        throw config.invalid("endpoint", "must be a URL such as http://127.0.0.1:9000, was '" + endpoint.get() + "'");
      }
    }
    Optional<String> accessKey = config.optional("access-key");
    Optional<String> secretKey = config.optional("secret-key");
    Optional<String> sessionToken = config.optional("session-token");
    if (accessKey.isPresent() != secretKey.isPresent()) {
      throw config.invalid(accessKey.isPresent() ? "secret-key" : "access-key",
          "is required when " + (accessKey.isPresent() ? "access-key" : "secret-key") + " is set");
    }
    if (sessionToken.isPresent() && accessKey.isEmpty()) {
      throw config.invalid("session-token", "needs access-key and secret-key");
    }
    if (accessKey.isPresent()) {
      b.credentials(StaticCredentialsProvider.create(sessionToken.isPresent()
          ? AwsSessionCredentials.create(accessKey.get(), secretKey.get(), sessionToken.get())
          : AwsBasicCredentials.create(accessKey.get(), secretKey.get())));
    }
    return b.build();
  }

  /** {@code key-prefix}; the old name {@code prefix} is still read, with a warning (both at once is ambiguous). */
  private static String keyPrefix(PluginConfig config) {
    Optional<String> old = config.optional("prefix");
    Optional<String> keyPrefix = config.optional("key-prefix");
    if (old.isPresent() && keyPrefix.isPresent()) {
      throw config.invalid("prefix", "is the deprecated name of 'key-prefix': set only 'key-prefix'");
    }
    if (old.isPresent()) {
      LOG.warn("storage s3: setting 'prefix' is deprecated and will be removed; rename it to 'key-prefix'");
    }
    return keyPrefix.or(() -> old).orElse("");
  }
}
