package io.maintenance.storage.s3.internal;

import io.maintenance.api.ErrorCode;
import io.maintenance.api.MaintenanceException;
import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;

/** Builds the provider's own {@link S3Client} when the host does not pass one. */
public final class S3Clients {
  private S3Clients() {}

  /**
   * How to reach the bucket.
   *
   * @param region empty: the SDK's region chain, or {@code us-east-1} when an endpoint is set
   * @param credentials empty: the SDK's default credentials chain
   * @param maxAttempts SDK attempts per request (standard retry strategy, with backoff)
   * @param requestTimeout the longest one request may take, its retries included
   */
  public record Settings(Optional<String> region, Optional<URI> endpoint, boolean pathStyle,
      Optional<AwsCredentialsProvider> credentials, Duration connectTimeout, Duration socketTimeout, int maxConnections,
      int maxAttempts, Duration requestTimeout) {}

  public static S3Client build(Settings s) {
    S3ClientBuilder b = S3Client.builder()
        .forcePathStyle(s.pathStyle())
        .credentialsProvider(s.credentials().orElseGet(() -> DefaultCredentialsProvider.builder().build()))
        // The provider sends its own part checksums (CRC32C or Content-MD5); the SDK adds none of its own,
        // which S3-compatible servers may not implement.
        .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
        .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
        .httpClientBuilder(ApacheHttpClient.builder()
            .connectionTimeout(s.connectTimeout())
            .socketTimeout(s.socketTimeout())
            .maxConnections(s.maxConnections()))
        // A hung endpoint fails the request after requestTimeout, not after maxAttempts socket timeouts.
        .overrideConfiguration(o -> o.apiCallTimeout(s.requestTimeout()).retryStrategy(
            AwsRetryStrategy.standardRetryStrategy().toBuilder().maxAttempts(s.maxAttempts()).build()));
    s.endpoint().ifPresent(b::endpointOverride);
    if (s.region().isPresent()) {
      b.region(Region.of(s.region().get()));
    } else if (s.endpoint().isPresent()) {
      b.region(Region.US_EAST_1); // S3-compatible servers rarely care, but SigV4 needs one
    }
    try {
      return b.build();
    } catch (SdkClientException e) {
      throw new MaintenanceException(ErrorCode.CONFIG_INVALID, "storage s3: 'region' is required (or set AWS_REGION): "
          + e.getMessage(), Map.of("owner", "storage s3", "key", "region"), e);
    }
  }
}
