package io.maintenance.spi.support;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.maintenance.api.ErrorCode;
import io.maintenance.api.MaintenanceException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class StorageKeysTest {
  @ParameterizedTest
  @ValueSource(strings = {"a", "backups/bk-1/manifest.json", "x/.hidden/y", "ünïcödé/ok", "a..b/c"})
  void safeKeysPass(String key) {
    assertThat(StorageKeys.validate(key)).isEqualTo(key);
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "/abs", "../x", "a/../b", "a/./b", "a//b", "a/", "a\\b", "a\u0000b", "a\nb", "a\u007fb", "a\u0085b"})
  void unsafeKeysAreInvalidRequests(String key) {
    assertThatThrownBy(() -> StorageKeys.validate(key)).isInstanceOfSatisfying(MaintenanceException.class,
        e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_REQUEST));
  }

  @ParameterizedTest
  @ValueSource(strings = {"a/b"})
  void segmentsHaveNoSlash(String name) {
    assertThatThrownBy(() -> StorageKeys.segment(name)).isInstanceOf(MaintenanceException.class);
  }
}
