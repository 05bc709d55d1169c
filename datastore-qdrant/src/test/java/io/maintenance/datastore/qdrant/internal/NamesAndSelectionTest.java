package io.maintenance.datastore.qdrant.internal;

import io.maintenance.spi.support.NameFilter;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.maintenance.api.ErrorCode;
import io.maintenance.api.MaintenanceException;
import io.maintenance.spi.support.StorageKeys;
import java.util.List;
import org.junit.jupiter.api.Test;

class NamesAndSelectionTest {
  @Test
  void artifactNamesAreSafeStorageSegmentsForAnyValidCollectionName() {
    for (String name : List.of("docs", "Ünïcode sammlung", "a.b-c_d", "..", "%41", "with space")) {
      assertThat(StorageKeys.segment(Names.snapshotArtifact(Names.collection(name)))).endsWith(".snapshot");
    }
    assertThat(Names.encode("a b/ü")).isEqualTo("a%20b%2F%C3%BC");
    assertThat(Names.metaArtifact("docs")).isEqualTo("docs.qdrant.json");
  }

  @Test
  void namesWithPathOrControlCharactersAreRejectedAsIncompatible() {
    for (String bad : List.of("", "a/b", "a\\b", "x\u0000y", "tab\there", "q?", "x".repeat(256))) {
      assertThatThrownBy(() -> Names.collection(bad)).isInstanceOfSatisfying(MaintenanceException.class,
          e -> assertThat(e.code()).isEqualTo(ErrorCode.INCOMPATIBLE_ARTIFACT));
    }
  }

  @Test
  void includeAndExcludeGlobsSelectCollections() {
    NameFilter s = NameFilter.of(List.of("docs-*", "img?"), List.of("*-tmp"));
    assertThat(s.matches("docs-2024")).isTrue();
    assertThat(s.matches("img1")).isTrue();
    assertThat(s.matches("img12")).isFalse();
    assertThat(s.matches("docs-tmp")).isFalse();
    assertThat(s.matches("other")).isFalse();
    assertThat(NameFilter.of(List.of("*"), List.of()).matches("a.b[c]")).isTrue();
    assertThat(NameFilter.of(List.of("a.b"), List.of()).matches("aXb")).isFalse();
  }
}
