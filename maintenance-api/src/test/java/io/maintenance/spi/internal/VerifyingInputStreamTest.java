package io.maintenance.spi.internal;

import io.maintenance.api.ErrorCode;
import io.maintenance.api.MaintenanceException;
import io.maintenance.spi.support.Digests;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class VerifyingInputStreamTest {
  private static final byte[] DATA = "the quick brown fox".getBytes();
  private static final String SHA = Digests.sha256Hex(DATA);

  private static InputStream verifying(byte[] actual) {
    return new VerifyingInputStream(new ByteArrayInputStream(actual), "fox.txt", DATA.length, SHA);
  }

  @Test
  void matchingBytesReadCleanly() throws Exception {
    try (InputStream in = verifying(DATA)) {
      assertThat(in.readAllBytes()).isEqualTo(DATA);
    }
  }

  @Test
  void alteredTruncatedAndExtendedBytesFailAtTheEnd() {
    byte[] altered = DATA.clone();
    altered[3] ^= 1;
    for (byte[] bad : new byte[][] {altered, Arrays.copyOf(DATA, 10), Arrays.copyOf(DATA, DATA.length + 1)}) {
      assertThatThrownBy(() -> verifying(bad).readAllBytes()).isInstanceOfSatisfying(MaintenanceException.class, e -> {
        assertThat(e.code()).isEqualTo(ErrorCode.INTEGRITY_MISMATCH);
        assertThat(e.getMessage()).contains("fox.txt");
      });
    }
  }

  @Test
  void closingEarlyStillVerifiesWhatIsLeft() {
    byte[] altered = DATA.clone();
    altered[DATA.length - 1] ^= 1;
    assertThatThrownBy(() -> {
      try (InputStream in = verifying(altered)) {
        in.read(new byte[4]);
      }
    }).isInstanceOfSatisfying(MaintenanceException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INTEGRITY_MISMATCH));
  }
}
