package io.maintenance.storage.s3.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.maintenance.api.ErrorCode;
import io.maintenance.api.MaintenanceException;
import org.junit.jupiter.api.Test;

class ObjectKeysTest {
  @Test
  void keysLiveUnderThePrefixAndComeBackWithoutIt() {
    ObjectKeys keys = new ObjectKeys("backups/prod/");

    assertThat(keys.prefix()).isEqualTo("backups/prod");
    assertThat(keys.objectKey("b1/manifest.json")).isEqualTo("backups/prod/b1/manifest.json");
    assertThat(keys.listPrefix("b1/")).isEqualTo("backups/prod/b1/");
    assertThat(keys.listPrefix("")).isEqualTo("backups/prod/");
    assertThat(keys.providerKey("backups/prod/b1/manifest.json")).contains("b1/manifest.json");
  }

  @Test
  void withoutPrefixKeysAreObjectKeys() {
    ObjectKeys keys = new ObjectKeys("");

    assertThat(keys.objectKey("a/b")).isEqualTo("a/b");
    assertThat(keys.listPrefix("")).isEmpty();
    assertThat(keys.providerKey("a/b")).contains("a/b");
  }

  @Test
  void listedNamesOutsideThePrefixOrUnsafeAreDropped() {
    ObjectKeys keys = new ObjectKeys("p");

    assertThat(keys.providerKey("p-other/x")).isEmpty();
    assertThat(keys.providerKey("p//x")).isEmpty();
    assertThat(keys.providerKey("p/a/../x")).isEmpty();
    assertThat(keys.providerKey("p/tab\tx")).isEmpty();
  }

  @Test
  void unsafeKeysAndPrefixesAreRefused() {
    ObjectKeys keys = new ObjectKeys("p");
    for (String bad : new String[] {"../x", "a//b", "/abs", "a\\b", "a/./b", ""}) {
      assertThatThrownBy(() -> keys.objectKey(bad))
          .isInstanceOfSatisfying(MaintenanceException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_REQUEST));
    }
    assertThatThrownBy(() -> new ObjectKeys("../p")).isInstanceOf(MaintenanceException.class);
    assertThatThrownBy(() -> keys.listPrefix("a//")).isInstanceOf(MaintenanceException.class);
  }
}
