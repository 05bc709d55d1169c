package io.maintenance.storage.gcs.internal;

import java.nio.ByteBuffer;
import java.util.Base64;
import java.util.zip.CRC32C;

/**
 * CRC32C as Cloud Storage uses it: computed per chunk with the JDK's intrinsic {@link CRC32C}, and
 * combined across chunks so that the checksum of the whole object survives a resume in another
 * process (only the running value is persisted, never the bytes). The client library's own combine
 * function is package-private, hence this one (zlib's {@code crc32_combine} with the Castagnoli
 * polynomial).
 */
public final class Crc32c {
  private static final long POLY = 0x82F63B78L; // Castagnoli, reflected

  private Crc32c() {}

  public static int of(byte[] data, int offset, int length) {
    CRC32C crc = new CRC32C();
    crc.update(data, offset, length);
    return (int) crc.getValue();
  }

  /** CRC32C of A followed by B, from crc(A), crc(B) and the length of B. */
  public static int combine(int crcA, int crcB, long lengthB) {
    if (lengthB <= 0) {
      return crcA;
    }
    long[] even = new long[32];
    long[] odd = new long[32];
    // odd = the operator for one zero bit
    odd[0] = POLY;
    long row = 1;
    for (int n = 1; n < 32; n++) {
      odd[n] = row;
      row <<= 1;
    }
    square(even, odd); // two zero bits
    square(odd, even); // four zero bits
    long c = crcA & 0xffffffffL;
    long len = lengthB;
    // apply len zero bytes to crcA, one bit of len at a time (first square gives one zero byte)
    do {
      square(even, odd);
      if ((len & 1) != 0) {
        c = times(even, c);
      }
      len >>= 1;
      if (len == 0) {
        break;
      }
      square(odd, even);
      if ((len & 1) != 0) {
        c = times(odd, c);
      }
      len >>= 1;
    } while (len != 0);
    return (int) (c ^ (crcB & 0xffffffffL));
  }

  /** The form of {@code x-goog-hash: crc32c=...} and of the JSON {@code crc32c} field: base64 of the big-endian value. */
  public static String base64(int crc) {
    return Base64.getEncoder().encodeToString(ByteBuffer.allocate(4).putInt(crc).array());
  }

  private static long times(long[] mat, long vec) {
    long sum = 0;
    int i = 0;
    while (vec != 0) {
      if ((vec & 1) != 0) {
        sum ^= mat[i];
      }
      vec >>>= 1;
      i++;
    }
    return sum;
  }

  private static void square(long[] square, long[] mat) {
    for (int n = 0; n < 32; n++) {
      square[n] = times(mat, mat[n]);
    }
  }
}
