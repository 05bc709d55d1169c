package io.maintenance.storage.s3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.maintenance.api.ErrorCode;
import io.maintenance.api.MaintenanceException;
import io.maintenance.spi.ObjectInfo;
import io.maintenance.spi.ReadRequest;
import io.maintenance.spi.UploadOptions;
import io.maintenance.spi.UploadState;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.ThrowingConsumer;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * Unsafe keys and foreign upload states are refused with INVALID_REQUEST by every entry point before a single
 * request reaches the server, so nothing in the bucket changes.
 */
class S3BadInputIT {
  private static final S3Server SERVER = S3Server.versitygw();
  private static final List<String> UNSAFE = List.of("../escape", "a/../b", "/absolute", "a//b", "a/\u0000b", "tab\tname",
      "back\\slash", "a/.", "", "bell\u0007", "a/b/");

  private final RecordingInterceptor recorder = new RecordingInterceptor();
  private S3Client client;
  private S3StorageProvider storage;

  @BeforeAll
  static void bucket() {
    SERVER.ensureBucket(S3Server.BUCKET);
  }

  @BeforeEach
  void open() {
    client = SERVER.client(recorder);
    storage = SERVER.provider(client, S3Server.BUCKET, "bad-input-it/" + UUID.randomUUID()).build();
  }

  @AfterEach
  void close() {
    storage.close();
    client.close();
  }

  @Test
  void unsafeKeysAreRefusedByEveryEntryPointWithoutARequest() {
    List<ThrowingConsumer<String>> operations = List.of(
        k -> storage.startUpload(k, UploadOptions.of("application/octet-stream")),
        k -> storage.resumeUpload(state(k, Map.of("uploadId", "x")), UploadOptions.of("application/octet-stream")),
        k -> storage.abortUpload(state(k, Map.of("uploadId", "x"))),
        k -> storage.openRead(ReadRequest.whole(k)),
        k -> storage.openRead(ReadRequest.range(k, 0, 0)),
        k -> storage.stat(k),
        k -> storage.delete(k),
        k -> storage.presignGet(k, Duration.ofMinutes(1)));
    for (String key : UNSAFE) {
      for (ThrowingConsumer<String> op : operations) {
        assertThatThrownBy(() -> op.accept(key)).as("key %s", key.replaceAll("\\p{Cntrl}", "?"))
            .isInstanceOfSatisfying(MaintenanceException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_REQUEST));
      }
    }
    assertThat(recorder.sent()).isEmpty();
  }

  @Test
  void unsafeListingPrefixesAreRefusedWithoutARequest() {
    for (String prefix : List.of("../", "a//", "/abs/", "a/\u0001/", "a\\b/")) {
      assertThatThrownBy(() -> {
        try (Stream<ObjectInfo> s = storage.list(prefix)) {
          s.count();
        }
      }).isInstanceOfSatisfying(MaintenanceException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_REQUEST));
    }
    assertThat(recorder.sent()).isEmpty();
  }

  @Test
  void uploadStatesOfOtherProvidersBucketsOrChecksumModesAreNeitherResumedNorAbortedWithoutARequest() {
    String objectKey = storage.keyPrefix() + "/a.bin";
    List<UploadState> foreign = List.of(
        new UploadState("s1", "gcs", "a.bin", 5 << 20, List.of(), Map.of("bucket", S3Server.BUCKET, "objectKey", objectKey, "checksum", "crc32c")),
        new UploadState("s2", "s3", "a.bin", 5 << 20, List.of(), Map.of("bucket", "another-bucket", "objectKey", objectKey, "checksum", "crc32c")),
        new UploadState("s3", "s3", "a.bin", 5 << 20, List.of(), Map.of("bucket", S3Server.BUCKET, "objectKey", objectKey, "checksum", "sha1")),
        new UploadState("s4", "s3", "a.bin", 5 << 20, List.of("ab"), Map.of("bucket", S3Server.BUCKET, "objectKey", objectKey, "checksum", "crc32c")));
    for (UploadState s : foreign) {
      assertThatThrownBy(() -> storage.resumeUpload(s, UploadOptions.of("application/octet-stream"))).as(s.sessionId())
          .isInstanceOfSatisfying(MaintenanceException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_REQUEST));
    }
    for (UploadState s : foreign.subList(0, 2)) {
      UploadState withUpload = new UploadState(s.sessionId(), s.provider(), s.key(), s.chunkSize(), s.chunkCrc32c(),
          Map.of("bucket", s.attributes().get("bucket"), "objectKey", objectKey, "uploadId", "someone-elses"));
      assertThatThrownBy(() -> storage.abortUpload(withUpload)).as("abort " + s.sessionId())
          .isInstanceOfSatisfying(MaintenanceException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_REQUEST));
    }
    assertThat(recorder.sent()).isEmpty();
  }

  private static UploadState state(String key, Map<String, String> attributes) {
    return new UploadState("session", "s3", key, 5 << 20, List.of(), attributes);
  }
}
