package io.maintenance.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.maintenance.api.ErrorCode;
import io.maintenance.api.MaintenanceException;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PluginConfigTest {
  private static final Map<String, String> BAD = Map.of("timeout", "soon", "jobs", "many", "fsync", "maybe",
      "chunk", "big", "parallelism", "4294967297", "pasword", "x");

  @Test
  void anOrdinaryConfigThrowsAtTheFirstBadValue() {
    PluginConfig c = PluginConfig.of("storage s3", BAD);
    assertThatThrownBy(() -> c.duration("timeout", Duration.ofSeconds(1))).isInstanceOfSatisfying(MaintenanceException.class,
        e -> {
          assertThat(e.code()).isEqualTo(ErrorCode.CONFIG_INVALID);
          assertThat(e.details()).containsEntry("key", "timeout");
        });
    assertThatThrownBy(() -> c.require("url")).hasMessage("storage s3: 'url' is required");
  }

  @Test
  void aCollectingConfigAnswersDefaultsAndKeepsEveryProblemInOrder() {
    PluginConfig c = PluginConfig.collecting("storage s3", BAD);

    assertThat(c.duration("timeout", Duration.ofSeconds(1))).isEqualTo(Duration.ofSeconds(1));
    assertThat(c.integer("jobs", 2)).isEqualTo(2);
    assertThat(c.bool("fsync", true)).isTrue();
    assertThat(c.bytes("chunk", 8)).isEqualTo(8);
    assertThat(c.integer("parallelism", 4)).isEqualTo(4);
    assertThat(c.require("url")).isEmpty();

    assertThat(c.problems()).extracting(e -> e.details().get("key"))
        .containsExactly("timeout", "jobs", "fsync", "chunk", "parallelism", "url");
    assertThat(c.problems()).allSatisfy(e -> assertThat(e.code()).isEqualTo(ErrorCode.CONFIG_INVALID));
    assertThatThrownBy(c::requireAllRead).isInstanceOfSatisfying(MaintenanceException.class,
        e -> assertThat(e.details()).containsEntry("keys", "pasword"));
  }
}
