package io.maintenance.spi.support;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

class AbortOnEarlyCloseInputStreamTest {
  private final AtomicBoolean closed = new AtomicBoolean();
  private final AtomicBoolean aborted = new AtomicBoolean();

  private AbortOnEarlyCloseInputStream body() {
    return new AbortOnEarlyCloseInputStream(new ByteArrayInputStream(new byte[1000]) {
      @Override
      public void close() throws IOException {
        closed.set(true);
      }
    }, () -> aborted.set(true));
  }

  @Test
  void closingBeforeTheEndAbortsInsteadOfDraining() throws Exception {
    try (var in = body()) {
      in.read(new byte[10]);
    }
    assertThat(aborted).isTrue();
    assertThat(closed).isFalse();
  }

  @Test
  void closingAtTheEndClosesNormally() throws Exception {
    try (var in = body()) {
      in.readAllBytes();
    }
    assertThat(aborted).isFalse();
    assertThat(closed).isTrue();
  }
}
