package io.maintenance.storage.s3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.maintenance.api.ErrorCode;
import io.maintenance.api.MaintenanceException;
import io.maintenance.spi.ReadRequest;
import io.maintenance.spi.Upload;
import io.maintenance.spi.UploadOptions;
import io.maintenance.tck.TestData;
import java.io.IOException;
import java.io.InputStream;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * checksum=md5 against S3Proxy, which verifies Content-MD5 on parts (400 BadDigest) but does not implement
 * the x-amz-checksum-* headers that CRC32C mode sends (see S3UploadIT for that mode on versitygw).
 */
class S3ProxyChecksumIT {
  private static final S3Server SERVER = S3Server.s3proxy();
  private static final int PART = 5 * 1024 * 1024;

  private final RecordingInterceptor recorder = new RecordingInterceptor();
  private S3Client client;
  private S3StorageProvider storage;
  private String prefix;

  @BeforeAll
  static void bucket() {
    SERVER.ensureBucket(S3Server.BUCKET);
  }

  @BeforeEach
  void open() {
    prefix = "md5-it/" + UUID.randomUUID();
    client = SERVER.client(recorder);
    storage = SERVER.provider(client, S3Server.BUCKET, prefix).build();
  }

  @AfterEach
  void close() {
    storage.close();
    client.close();
  }

  @Test
  void partsCarryContentMd5AndNoFlexibleChecksumHeaders() throws IOException {
    put("plain.bin", TestData.stream(1, 2L * PART + 3));

    assertThat(recorder.sent("UploadPart")).hasSize(3);
    assertThat(TestData.sha256(storage.openRead(ReadRequest.whole("plain.bin")))).isEqualTo(TestData.sha256(1, 2L * PART + 3));
  }

  @Test
  void partCorruptedInTransitIsSentAgainAndTheObjectIsIntact() throws IOException {
    recorder.corruptWhen((op, part) -> op.equals("UploadPart") && part == 1 && recorder.corruptions("UploadPart") < 2);

    put("healed.bin", TestData.stream(2, 2L * PART + 3));

    assertThat(recorder.sent("UploadPart").stream().filter(s -> s.partNumber() == 1)).hasSize(3);
    assertThat(TestData.sha256(storage.openRead(ReadRequest.whole("healed.bin")))).isEqualTo(TestData.sha256(2, 2L * PART + 3));
  }

  @Test
  void partRejectedEveryTimeFailsClearlyAndLeavesNothing() throws IOException {
    recorder.corruptWhen((op, part) -> op.equals("UploadPart") && part == 3);
    Upload u = storage.startUpload("rejected.bin", UploadOptions.of("application/octet-stream"));

    assertThatThrownBy(() -> {
      write(u, TestData.stream(3, 2L * PART + 3));
      u.complete();
    }).isInstanceOfSatisfying(MaintenanceException.class, e -> {
      assertThat(e.code()).isEqualTo(ErrorCode.INTEGRITY_MISMATCH);
      assertThat(e.getMessage()).contains("part 3").contains("BadDigest");
    });
    u.close();

    assertThat(storage.stat("rejected.bin")).isEmpty();
    assertThat(SERVER.openUploads(S3Server.BUCKET, prefix + "/")).isEmpty();
  }

  private void put(String key, InputStream data) throws IOException {
    try (Upload u = storage.startUpload(key, UploadOptions.of("application/octet-stream"))) {
      write(u, data);
      u.complete();
    }
  }

  private static void write(Upload u, InputStream src) throws IOException {
    byte[] buf = new byte[256 * 1024];
    int n;
    try (src) {
      while ((n = src.read(buf)) >= 0) {
        u.write(buf, 0, n);
      }
    }
  }
}
