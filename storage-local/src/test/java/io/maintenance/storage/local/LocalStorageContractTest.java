package io.maintenance.storage.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.maintenance.api.ErrorCode;
import io.maintenance.api.MaintenanceException;
import io.maintenance.api.ProbeStatus;
import io.maintenance.spi.PluginConfig;
import io.maintenance.spi.ReadRequest;
import io.maintenance.spi.StorageProvider;
import io.maintenance.spi.Upload;
import io.maintenance.spi.UploadOptions;
import io.maintenance.tck.StorageProviderContract;
import io.maintenance.tck.TestData;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The local provider against the TCK contract, plus what is specific to a file system. */
class LocalStorageContractTest extends StorageProviderContract {
  @TempDir
  static Path dir;

  @Override
  protected StorageProvider createProvider() {
    return new LocalStorageProviderFactory().create(PluginConfig.of("storage local", Map.of("path", dir.toString(), "chunk-size", "1MiB")));
  }

  @Test
  void uploadInProgressLivesOnlyInTheReservedFolder() throws Exception {
    Upload u = storage.startUpload(key("inflight.bin"), UploadOptions.of("application/octet-stream"));
    byte[] data = TestData.bytes(1, 3 * 1024 * 1024);
    u.write(data, 0, data.length);

    assertThat(Files.exists(dir.resolve(key("inflight.bin")))).isFalse();
    try (Stream<Path> temps = Files.list(dir.resolve(LocalStorageProvider.UPLOADS))) {
      assertThat(temps.filter(p -> p.toString().endsWith(".part"))).isNotEmpty();
    }
    u.complete();
    assertThat(Files.size(dir.resolve(key("inflight.bin")))).isEqualTo(data.length);
  }

  @Test
  void reservedFolderCannotBeAddressed() {
    assertThatThrownBy(() -> storage.stat(".uploads/x"))
        .isInstanceOfSatisfying(MaintenanceException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_REQUEST));
  }

  @Test
  void symlinkOutOfTheRootIsNotFollowedForNewObjects() throws Exception {
    Path outside = Files.createTempDirectory("outside");
    Files.createSymbolicLink(dir.resolve(root + "-link"), outside);

    assertThatThrownBy(() -> storage.startUpload(root + "-link/x", UploadOptions.of("application/octet-stream")).complete())
        .isInstanceOf(MaintenanceException.class);
    try (Stream<Path> s = Files.list(outside)) {
      assertThat(s).isEmpty();
    }
  }

  @Test
  void probeReportsUnwritableDirectory() throws Exception {
    Path ro = Files.createTempDirectory("ro");
    LocalStorageProvider s = LocalStorageProvider.builder().path(ro).chunkSize(1024).fsync(true).build();
    ro.resolve(LocalStorageProvider.UPLOADS).toFile().setWritable(false);
    try {
      if (ro.resolve(LocalStorageProvider.UPLOADS).toFile().canWrite()) {
        // Running as root: permissions do not stop us, so remove the folder instead.
        Files.delete(ro.resolve(LocalStorageProvider.UPLOADS));
        Files.writeString(ro.resolve(LocalStorageProvider.UPLOADS), "not a directory");
      }
      assertThat(s.probe().status()).isEqualTo(ProbeStatus.DOWN);
      assertThat(s.probe().code()).isEqualTo("STORAGE_UNWRITABLE");
    } finally {
      ro.resolve(LocalStorageProvider.UPLOADS).toFile().setWritable(true);
    }
  }

  @Test
  void rangedReadBeyondTheEndIsEmpty() throws Exception {
    put(key("short.bin"), new byte[] {1, 2, 3});
    try (var in = storage.openRead(ReadRequest.range(key("short.bin"), 10, 5))) {
      assertThat(in.readAllBytes()).isEmpty();
    }
  }
}
