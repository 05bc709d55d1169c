package io.maintenance.storage.gcs.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.maintenance.tck.TestData;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class Crc32cTest {

  @Test
  void combiningChunkChecksumsGivesTheChecksumOfTheWhole() {
    byte[] data = TestData.bytes(1, 3 * 262_144 + 17);
    int whole = Crc32c.of(data, 0, data.length);
    for (int split : new int[] {0, 1, 262_144, 524_288, data.length - 1, data.length}) {
      int a = Crc32c.of(data, 0, split);
      int b = Crc32c.of(data, split, data.length - split);
      assertThat(Crc32c.combine(a, b, data.length - split)).as("split at %d", split).isEqualTo(whole);
    }
  }

  @Test
  void encodesLikeCloudStorage() {
    // RFC 3720 B.4 test vector "123456789" -> 0xE3069283; GCS publishes it as base64 of the big-endian bytes.
    byte[] digits = "123456789".getBytes(StandardCharsets.US_ASCII);
    assertThat(Crc32c.of(digits, 0, digits.length)).isEqualTo(0xE3069283);
    assertThat(Crc32c.base64(0xE3069283)).isEqualTo("4waSgw==");
    assertThat(Crc32c.base64(Crc32c.of(new byte[0], 0, 0))).isEqualTo("AAAAAA==");
  }
}
