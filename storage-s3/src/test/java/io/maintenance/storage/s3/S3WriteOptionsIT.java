package io.maintenance.storage.s3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.maintenance.api.ErrorCode;
import io.maintenance.api.MaintenanceException;
import io.maintenance.spi.PluginConfig;
import io.maintenance.spi.ReadRequest;
import io.maintenance.spi.Upload;
import io.maintenance.spi.UploadOptions;
import java.io.InputStream;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.ServerSideEncryption;
import software.amazon.awssdk.services.s3.model.StorageClass;

/** Server-side encryption and storage class on every object written, single-request and multipart, as S3 reports them. */
class S3WriteOptionsIT {
  private static final String BUCKET = "maintenance-write-options";
  private static final S3Server SERVER = S3Server.moto();
  private static S3Client admin;

  @BeforeAll
  static void bucket() {
    admin = SERVER.client();
    if (!admin.listBuckets().buckets().stream().anyMatch(b -> b.name().equals(BUCKET))) {
      admin.createBucket(r -> r.bucket(BUCKET));
    }
  }

  @AfterAll
  static void close() {
    admin.close();
  }

  private static S3StorageProvider provider(Map<String, String> extra) {
    Map<String, String> c = new HashMap<>(SERVER.config(BUCKET, "opts"));
    c.put("part-size", "5MiB");
    c.putAll(extra);
    return (S3StorageProvider) new S3StorageProviderFactory().create(PluginConfig.of("storage s3", c));
  }

  private static byte[] write(S3StorageProvider p, String key, int size) throws Exception {
    byte[] data = new byte[size];
    new Random(size).nextBytes(data);
    try (Upload u = p.startUpload(key, UploadOptions.of("application/octet-stream"))) {
      u.write(data, 0, data.length);
      u.complete();
    }
    try (InputStream in = p.openRead(ReadRequest.whole(key))) {
      assertThat(in.readAllBytes()).isEqualTo(data);
    }
    return data;
  }

  private static HeadObjectResponse head(String key) {
    return admin.headObject(r -> r.bucket(BUCKET).key("opts/" + key));
  }

  @Test
  void sseKmsWithAKeyIdAndAStorageClassApplyToSmallAndMultipartObjects() throws Exception {
    String keyId = "arn:aws:kms:us-east-1:123456789012:key/0f2a7c5e-backups";
    try (S3StorageProvider p = provider(Map.of("server-side-encryption", "aws:kms", "sse-kms-key-id", keyId,
        "storage-class", "STANDARD_IA"))) {
      write(p, "small.bin", 1000);
      write(p, "large.bin", 12 * 1024 * 1024); // three parts
    }
    for (String key : new String[] {"small.bin", "large.bin"}) {
      HeadObjectResponse h = head(key);
      assertThat(h.serverSideEncryption()).as(key).isEqualTo(ServerSideEncryption.AWS_KMS);
      assertThat(h.ssekmsKeyId()).as(key).isEqualTo(keyId);
      assertThat(h.storageClass()).as(key).isEqualTo(StorageClass.STANDARD_IA);
    }
  }

  @Test
  void sseS3() throws Exception {
    try (S3StorageProvider p = provider(Map.of("server-side-encryption", "AES256"))) {
      write(p, "s3.bin", 6 * 1024 * 1024);
    }
    assertThat(head("s3.bin").serverSideEncryption()).isEqualTo(ServerSideEncryption.AES256);
  }

  @Test
  void optionsThatCannotWorkAreRefusedAtStartUp() {
    for (Map<String, String> bad : java.util.List.of(Map.of("server-side-encryption", "rot13"),
        Map.of("sse-kms-key-id", "k"), Map.of("storage-class", "DEEP_ARCHIVE"), Map.of("storage-class", "PAPYRUS"))) {
      assertThatThrownBy(() -> provider(bad)).as(bad.toString())
          .isInstanceOfSatisfying(MaintenanceException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.CONFIG_INVALID));
    }
  }
}
