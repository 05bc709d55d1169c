package io.maintenance.storage.s3.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ChecksumsTest {
  @Test
  void crc32cIsTheBase64OfTheBigEndianValue() {
    // CRC-32C check value of "123456789" is 0xE3069283 (RFC 3720, appendix B.4)
    byte[] data = "x123456789x".getBytes(StandardCharsets.US_ASCII);
    assertThat(Checksums.crc32c(data, 1, 9)).isEqualTo("4waSgw==");
    assertThat(Checksums.crc32c(new byte[0], 0, 0)).isEqualTo("AAAAAA==");
  }

  @Test
  void md5IsTheBase64OfTheDigest() {
    assertThat(Checksums.md5(new byte[0], 0, 0)).isEqualTo("1B2M2Y8AsgTpgAmY7PhCfg==");
    byte[] hello = "hello".getBytes(StandardCharsets.US_ASCII);
    assertThat(Checksums.md5(hello, 0, hello.length)).isEqualTo("XUFAKrxLKna5cZ2REBfFkg==");
  }
}
