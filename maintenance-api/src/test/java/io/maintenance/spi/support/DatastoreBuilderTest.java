package io.maintenance.spi.support;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.maintenance.api.ErrorCode;
import io.maintenance.api.MaintenanceException;
import java.util.List;
import org.junit.jupiter.api.Test;

class DatastoreBuilderTest {
  /** A builder as a plugin writes one. */
  static final class Builder extends DatastoreBuilder<Builder> {
    Builder(String id) {
      super(id);
    }

    NameFilter build() {
      return NameFilter.of(includes(), excludes());
    }
  }

  @Test
  void includeAndExcludeAddToEarlierCalls() {
    Builder b = new Builder("graphs").include("a*").exclude("ab").include("c?", "d").exclude("d");
    assertThat(b.id()).isEqualTo("graphs");
    assertThat(b.includes()).containsExactly("a*", "c?", "d");
    assertThat(b.excludes()).containsExactly("ab", "d");
    NameFilter f = b.build();
    assertThat(List.of("a", "ab", "abc", "c1", "d", "e").stream().filter(f::matches)).containsExactly("a", "abc", "c1");
  }

  @Test
  void noIncludeSelectsEverything() {
    assertThat(new Builder("x").exclude("tmp*").build().matches("anything")).isTrue();
  }

  @Test
  void theIdIsRequiredWhenBuilding() {
    for (String id : new String[] {null, " "}) {
      Builder b = new Builder(id).include("a");
      assertThatThrownBy(b::id).isInstanceOfSatisfying(MaintenanceException.class, e -> {
        assertThat(e.code()).isEqualTo(ErrorCode.CONFIG_INVALID);
        assertThat(e.details()).containsEntry("key", "id");
      });
    }
  }

  @Test
  void whatWasGivenCannotBeChangedThroughTheLists() {
    Builder b = new Builder("x").include("a");
    assertThatThrownBy(() -> b.includes().add("b")).isInstanceOf(UnsupportedOperationException.class);
  }
}
