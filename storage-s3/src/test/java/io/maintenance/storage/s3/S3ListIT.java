package io.maintenance.storage.s3;

import static org.assertj.core.api.Assertions.assertThat;

import io.maintenance.spi.ObjectInfo;
import io.maintenance.spi.Upload;
import io.maintenance.spi.UploadOptions;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;

/** Listing against versitygw: ListObjectsV2 pages fetched as the stream is consumed. */
class S3ListIT {
  private static final S3Server SERVER = S3Server.versitygw();

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
    prefix = "list-it/" + UUID.randomUUID();
    client = SERVER.client(recorder);
    storage = SERVER.provider(client, S3Server.BUCKET, prefix).listPageSize(10).build();
  }

  @AfterEach
  void close() {
    storage.close();
    client.close();
  }

  @Test
  void pagesAreFetchedOnlyAsTheStreamIsConsumed() throws IOException {
    List<String> keys = new ArrayList<>();
    for (int i = 0; i < 25; i++) {
      keys.add(String.format("page/%03d", i));
      put(keys.get(i));
    }
    recorder.clear();

    try (Stream<ObjectInfo> first = storage.list("page/")) {
      assertThat(recorder.sent("ListObjectsV2")).as("nothing is fetched before the stream is consumed").isEmpty();
      assertThat(first.limit(5).map(ObjectInfo::key)).containsExactlyElementsOf(keys.subList(0, 5));
    }
    assertThat(recorder.sent("ListObjectsV2")).hasSize(1);

    recorder.clear();
    try (Stream<ObjectInfo> all = storage.list("page/")) {
      assertThat(all.map(ObjectInfo::key).collect(Collectors.toList())).containsExactlyElementsOf(keys);
    }
    assertThat(recorder.sent("ListObjectsV2")).hasSize(3);
  }

  @Test
  void listedObjectsCarrySizeAndTheVersionReadsPinTo() throws IOException {
    ObjectInfo written = put("info/a.bin");

    try (Stream<ObjectInfo> listed = storage.list("info/")) {
      ObjectInfo info = listed.findFirst().orElseThrow();
      assertThat(info.key()).isEqualTo("info/a.bin");
      assertThat(info.size()).isEqualTo(3);
      assertThat(info.version()).isEqualTo(written.version());
    }
  }

  @Test
  void objectsWhoseNamesAreNotSafeKeysAreNotListed() throws IOException {
    put("mixed/ok.bin");
    try (S3Client raw = SERVER.client()) {
      raw.putObject(b -> b.bucket(S3Server.BUCKET).key(prefix + "/mixed/back\\slash.bin"), RequestBody.fromBytes(new byte[] {1}));
    }

    try (Stream<ObjectInfo> listed = storage.list("mixed/")) {
      assertThat(listed.map(ObjectInfo::key)).containsExactly("mixed/ok.bin");
    }
  }

  @Test
  void listingIsConfinedToTheConfiguredPrefix() throws IOException {
    put("x.bin");
    try (S3StorageProvider sibling = SERVER.provider(client, S3Server.BUCKET, prefix + "-sibling").build()) {
      try (Upload u = sibling.startUpload("y.bin", UploadOptions.of("application/octet-stream"))) {
        u.write(new byte[] {1}, 0, 1);
        u.complete();
      }
      try (Stream<ObjectInfo> listed = storage.list("")) {
        assertThat(listed.map(ObjectInfo::key)).containsExactly("x.bin");
      }
      sibling.delete("y.bin");
    }
  }

  private ObjectInfo put(String key) throws IOException {
    try (Upload u = storage.startUpload(key, UploadOptions.of("application/octet-stream"))) {
      u.write(new byte[] {1, 2, 3}, 0, 3);
      return u.complete();
    }
  }
}
