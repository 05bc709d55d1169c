package io.maintenance.storage.s3;

import static org.assertj.core.api.Assertions.fail;

import java.net.URI;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.MultipartUpload;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * One of the real S3-compatible servers scripts/services/s3.sh starts, read from the environment.
 *
 * @param mode the checksum mode the server accepts
 */
record S3Server(String name, URI endpoint, String accessKey, String secretKey, ChecksumMode mode) {
  static final String BUCKET = "maintenance-it";

  /** versitygw: the primary server (CRC32C verified, If-Match, faithful multipart lifecycle, SigV4). */
  static S3Server versitygw() {
    return fromEnv("versitygw", "MAINTENANCE_IT_S3", ChecksumMode.CRC32C);
  }

  /** S3Proxy: independent second server; rejects flexible checksums (501), so it runs with Content-MD5. */
  static S3Server s3proxy() {
    return fromEnv("S3Proxy", "MAINTENANCE_IT_S3PROXY", ChecksumMode.MD5);
  }

  /**
   * moto's S3 (scripts/services/kms.sh starts it for its KMS): unlike versitygw and S3Proxy it keeps and
   * reports server-side encryption and storage class, so the write options are checked against it.
   */
  static S3Server moto() {
    return new S3Server("moto", URI.create(env("MAINTENANCE_IT_MOTO_ENDPOINT")), "test", "test", ChecksumMode.CRC32C);
  }

  private static S3Server fromEnv(String name, String prefix, ChecksumMode mode) {
    String endpoint = env(prefix + "_ENDPOINT");
    return new S3Server(name, URI.create(endpoint), env(prefix + "_ACCESS_KEY"), env(prefix + "_SECRET_KEY"), mode);
  }

  private static String env(String variable) {
    String v = System.getenv(variable);
    if (v == null || v.isBlank()) {
      fail(variable + " is not set: run these tests through scripts/test.sh (SERVICES=\"s3\" scripts/test.sh -pl storage-s3 -am),"
          + " which starts the S3 servers and exports it");
    }
    return v;
  }

  /** A client with the server's credentials, adding no checksums of its own, with the given interceptors. */
  S3Client client(ExecutionInterceptor... interceptors) {
    return client(accessKey, secretKey, interceptors);
  }

  S3Client client(String access, String secret, ExecutionInterceptor... interceptors) {
    return S3Client.builder()
        .endpointOverride(endpoint)
        .region(Region.US_EAST_1)
        .forcePathStyle(true)
        .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(access, secret)))
        .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
        .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
        .httpClientBuilder(ApacheHttpClient.builder())
        .overrideConfiguration(o -> List.of(interceptors).forEach(o::addExecutionInterceptor))
        .build();
  }

  /** Configuration keys of the {@code s3} factory for this server. */
  Map<String, String> config(String bucket, String prefix) {
    Map<String, String> c = new LinkedHashMap<>();
    c.put("bucket", bucket);
    c.put("key-prefix", prefix);
    c.put("endpoint", endpoint.toString());
    c.put("path-style", "true");
    c.put("access-key", accessKey);
    c.put("secret-key", secretKey);
    c.put("checksum", mode.configValue());
    c.put("part-size", "5MiB");
    c.put("parallelism", "4");
    return c;
  }

  /** A provider over the host-style client path: the given client, this server's checksum mode, 5 MiB parts. */
  S3StorageProvider.Builder provider(S3Client client, String bucket, String prefix) {
    return S3StorageProvider.builder().client(client).bucket(bucket).keyPrefix(prefix).checksumMode(mode)
        .partSize(5L * 1024 * 1024).parallelism(4);
  }

  /** Creates the bucket unless it exists. */
  void ensureBucket(String bucket) {
    try (S3Client c = client()) {
      try {
        c.headBucket(b -> b.bucket(bucket));
      } catch (S3Exception e) {
        c.createBucket(b -> b.bucket(bucket));
      }
    }
  }

  /** Multipart uploads the server still holds under an object-key prefix. */
  List<String> openUploads(String bucket, String objectKeyPrefix) {
    try (S3Client c = client()) {
      return c.listMultipartUploadsPaginator(b -> b.bucket(bucket).prefix(objectKeyPrefix)).uploads().stream()
          .map(MultipartUpload::key).collect(Collectors.toList());
    }
  }

  @Override
  public String toString() {
    return name + " at " + endpoint;
  }
}
