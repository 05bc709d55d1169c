package io.maintenance.datastore.postgres.internal;

/** A growable byte buffer that encodes chars as UTF-8 with COPY text escapes. */
final class CopyTextBuffer {
  static final byte[] HEX = "0123456789abcdef".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

  byte[] bytes;
  int len;

  CopyTextBuffer(int capacity) {
    bytes = new byte[capacity];
  }

  void ensure(int extra) {
    if (len + extra > bytes.length) {
      bytes = java.util.Arrays.copyOf(bytes, Math.max(bytes.length * 2, len + extra));
    }
  }

  void put(byte b) {
    ensure(1);
    bytes[len++] = b;
  }

  /** Appends escaped UTF-8; false if the text holds a NUL, which PostgreSQL text cannot store. */
  boolean putEscaped(char[] c, int off, int n) {
    ensure(n * 4);
    byte[] b = bytes;
    int o = len;
    for (int i = off, end = off + n; i < end; i++) {
      char ch = c[i];
      if (ch < 0x80) {
        switch (ch) {
          case 0 -> {
            return false;
          }
          case '\\' -> {
            b[o++] = '\\';
            b[o++] = '\\';
          }
          case '\n' -> {
            b[o++] = '\\';
            b[o++] = 'n';
          }
          case '\r' -> {
            b[o++] = '\\';
            b[o++] = 'r';
          }
          case '\t' -> {
            b[o++] = '\\';
            b[o++] = 't';
          }
          default -> b[o++] = (byte) ch;
        }
      } else if (ch < 0x800) {
        b[o++] = (byte) (0xc0 | (ch >> 6));
        b[o++] = (byte) (0x80 | (ch & 0x3f));
      } else if (Character.isHighSurrogate(ch) && i + 1 < end && Character.isLowSurrogate(c[i + 1])) {
        int cp = Character.toCodePoint(ch, c[++i]);
        b[o++] = (byte) (0xf0 | (cp >> 18));
        b[o++] = (byte) (0x80 | ((cp >> 12) & 0x3f));
        b[o++] = (byte) (0x80 | ((cp >> 6) & 0x3f));
        b[o++] = (byte) (0x80 | (cp & 0x3f));
      } else {
        b[o++] = (byte) (0xe0 | (ch >> 12));
        b[o++] = (byte) (0x80 | ((ch >> 6) & 0x3f));
        b[o++] = (byte) (0x80 | (ch & 0x3f));
      }
    }
    len = o;
    return true;
  }
}
