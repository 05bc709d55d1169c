package io.maintenance.storage.gcs;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.cloud.storage.Blob;
import com.google.cloud.storage.Storage;
import com.google.cloud.storage.StorageClass;
import io.maintenance.spi.Upload;
import io.maintenance.spi.UploadOptions;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The storage class of every object written, as fake-gcs-server records and reports it. */
class GcsWriteOptionsIT {
  @Test
  void objectsGetTheConfiguredStorageClass() throws Exception {
    String endpoint = GcsEmulators.endpoint();
    Storage client = GcsEmulators.storage(endpoint);
    GcsEmulators.ensureBucket(client, GcsEmulators.bucket());
    byte[] data = new byte[GcsEmulators.CHUNK + 1000];
    new Random(3).nextBytes(data);
    try (GcsStorageProvider storage = GcsStorageProvider.builder().storage(GcsEmulators.storage(endpoint)).closeStorage(true)
        .bucket(GcsEmulators.bucket()).keyPrefix("opts").chunkSize(GcsEmulators.CHUNK).storageClass("COLDLINE").build()) {
      try (Upload u = storage.startUpload("cold.bin", UploadOptions.of("application/octet-stream"))) {
        u.write(data, 0, data.length);
        u.complete();
      }
    }
    Blob blob = client.get(GcsEmulators.bucket(), "opts/cold.bin");
    assertThat(blob.getStorageClass()).isEqualTo(StorageClass.COLDLINE);
    assertThat(blob.getContent()).isEqualTo(data);
  }
}
