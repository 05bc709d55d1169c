package io.maintenance.storage.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.maintenance.api.ErrorCode;
import io.maintenance.api.MaintenanceException;
import io.maintenance.spi.PluginConfig;
import io.maintenance.spi.StorageProviderFactory;
import java.nio.file.Path;
import java.util.Map;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LocalStorageProviderFactoryTest {
  @Test
  void isFoundByServiceLoaderUnderTheNameLocal() {
    assertThat(ServiceLoader.load(StorageProviderFactory.class).stream().map(ServiceLoader.Provider::get))
        .anySatisfy(f -> {
          assertThat(f.name()).isEqualTo("local");
          assertThat(f).isInstanceOf(LocalStorageProviderFactory.class);
        });
  }

  @Test
  void missingPathAndBadChunkSizeFailWithConfigInvalidNamingTheSetting(@TempDir Path dir) {
    assertThatThrownBy(() -> LocalStorageProvider.builder().build())
        .isInstanceOfSatisfying(MaintenanceException.class, e -> {
          assertThat(e.code()).isEqualTo(ErrorCode.CONFIG_INVALID);
          assertThat(e.details()).containsEntry("key", "path");
        });
    assertThatThrownBy(() -> new LocalStorageProviderFactory().create(PluginConfig.of("storage local",
        Map.of("path", dir.toString(), "chunk-size", "3GiB"))))
        .isInstanceOfSatisfying(MaintenanceException.class, e -> {
          assertThat(e.code()).isEqualTo(ErrorCode.CONFIG_INVALID);
          assertThat(e.details()).containsEntry("key", "chunk-size");
        });
  }

  @Test
  void aFileWhereTheDirectoryShouldBeIsConfigInvalidNamingThePath(@TempDir Path dir) throws Exception {
    Path file = java.nio.file.Files.writeString(dir.resolve("not-a-dir"), "x");
    assertThatThrownBy(() -> LocalStorageProvider.builder().path(file).build())
        .isInstanceOfSatisfying(MaintenanceException.class, e -> {
          assertThat(e.code()).isEqualTo(ErrorCode.CONFIG_INVALID);
          assertThat(e.details()).containsEntry("key", "path");
        });
  }
}
