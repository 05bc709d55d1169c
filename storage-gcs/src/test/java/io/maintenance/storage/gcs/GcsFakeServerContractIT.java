package io.maintenance.storage.gcs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.maintenance.api.ErrorCode;
import io.maintenance.api.MaintenanceException;
import io.maintenance.spi.StorageProvider;
import io.maintenance.spi.Upload;
import io.maintenance.spi.UploadOptions;
import io.maintenance.spi.UploadState;
import io.maintenance.tck.StorageProviderContract;
import io.maintenance.tck.TestData;
import java.io.InputStream;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * The storage contract against fake-gcs-server (run with -Xmx256m, so the large object proves
 * bounded memory).
 *
 * <p>fake-gcs-server mis-handles one part of the resumable protocol: it appends every chunk whatever
 * its Content-Range offset, and it <em>finalizes the object</em> when asked for the session status
 * ({@code Content-Range: bytes *}{@code /*}). A resume therefore cannot work against it. The two
 * resume cases of the contract run unchanged against gcp-storage-emulator
 * ({@link GcsAltEmulatorContractIT}), and the protocol details against a faithful in-JVM server
 * ({@code internal.ResumableProtocolTest}); here they prove that the provider notices the
 * emulator's premature finalization instead of writing on.
 */
class GcsFakeServerContractIT extends StorageProviderContract {

  @Override
  protected StorageProvider createProvider() {
    return GcsEmulators.provider(GcsEmulators.endpoint(), "contract");
  }

  @Override
  @Test
  public void uploadResumesInAnotherProcessFromItsLastCheckpoint() throws Exception {
    resumeIsRefusedBecauseTheEmulatorFinalizesOnStatusQuery("resumed.bin");
  }

  @Override
  @Test
  public void resumeWithADifferentSourceFailsWithIntegrityMismatch() throws Exception {
    resumeIsRefusedBecauseTheEmulatorFinalizesOnStatusQuery("mismatch.bin");
  }

  private void resumeIsRefusedBecauseTheEmulatorFinalizesOnStatusQuery(String name) throws Exception {
    AtomicReference<UploadState> checkpoint = new AtomicReference<>();
    Upload first = storage.startUpload(key(name), new UploadOptions("application/octet-stream", checkpoint::set));
    long chunk = first.state().chunkSize();
    byte[] buf = new byte[256 * 1024];
    try (InputStream src = TestData.stream(9, chunk + chunk / 2)) {
      int n;
      while ((n = src.read(buf)) >= 0) {
        first.write(buf, 0, n);
      }
    }
    UploadState saved = checkpoint.get();
    assertThat(saved.committedBytes()).isEqualTo(chunk);

    try (StorageProvider second = createProvider()) {
      assertThatThrownBy(() -> second.resumeUpload(saved, UploadOptions.of("application/octet-stream")))
          .isInstanceOfSatisfying(MaintenanceException.class, e -> {
            assertThat(e.code()).isEqualTo(ErrorCode.INVALID_REQUEST);
            assertThat(e.getMessage()).contains("already finalized");
          });
    }
  }
}
