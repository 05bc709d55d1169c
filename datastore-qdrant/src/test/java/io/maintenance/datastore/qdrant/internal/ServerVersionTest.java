package io.maintenance.datastore.qdrant.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ServerVersionTest {
  @Test
  void parsesReleaseTagsAndDevBuilds() {
    assertThat(ServerVersion.parse("1.15.0")).isEqualTo(new ServerVersion(1, 15, 0));
    assertThat(ServerVersion.parse("v1.9")).isEqualTo(new ServerVersion(1, 9, 0));
    assertThat(ServerVersion.parse("1.16.2-dev")).isEqualTo(new ServerVersion(1, 16, 2));
    assertThatThrownBy(() -> ServerVersion.parse("latest")).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void serverLoadsSnapshotsOfItsOwnAndThePreviousMinorReleaseOnly() {
    ServerVersion target = ServerVersion.parse("1.15.3");
    assertThat(target.canLoadSnapshotOf(ServerVersion.parse("1.15.0"))).isTrue();
    assertThat(target.canLoadSnapshotOf(ServerVersion.parse("1.14.9"))).isTrue();
    assertThat(target.canLoadSnapshotOf(ServerVersion.parse("1.13.0"))).isFalse();
    assertThat(target.canLoadSnapshotOf(ServerVersion.parse("1.16.0"))).isFalse();
    assertThat(target.canLoadSnapshotOf(ServerVersion.parse("2.15.0"))).isFalse();
  }

  @Test
  void releasesBeforeSnapshotChecksumsAreUnsupported() {
    assertThat(ServerVersion.parse("1.7.4").supported()).isFalse();
    assertThat(ServerVersion.parse("1.8.0").supported()).isTrue();
  }
}
