package io.maintenance.datastore.postgres.internal;

/**
 * The text format of {@code COPY}: tab-separated fields, {@code \N} for NULL, backslash escapes.
 * Decoding works on raw UTF-8 bytes so that no String is made per value.
 */
public final class CopyText {
  private CopyText() {}

  /** End offset (exclusive) of the field starting at {@code start}: the next tab, or the row's end. */
  public static int fieldEnd(byte[] row, int start, int rowEnd) {
    int i = start;
    while (i < rowEnd && row[i] != '\t') {
      i++;
    }
    return i;
  }

  /** Row length without its trailing newline. */
  public static int rowEnd(byte[] row) {
    int n = row.length;
    return n > 0 && row[n - 1] == '\n' ? n - 1 : n;
  }

  /**
   * Whether a field holds no COPY escape and nothing JSON must escape (quote, backslash, control
   * characters, DEL), so its UTF-8 bytes can go into a JSON string unchanged.
   */
  public static boolean isPlain(byte[] row, int start, int end) {
    for (int i = start; i < end; i++) {
      byte b = row[i];
      if ((b >= 0 && b < 0x20) || b == '"' || b == '\\' || b == 0x7f) {
        return false;
      }
    }
    return true;
  }

  public static boolean isNull(byte[] row, int start, int end) {
    return end - start == 2 && row[start] == '\\' && row[start + 1] == 'N';
  }

  /**
   * Decodes the escapes of one field into {@code out} (which must have room for {@code end - start}
   * bytes); returns the decoded length.
   */
  public static int unescape(byte[] row, int start, int end, byte[] out) {
    int o = 0;
    int i = start;
    while (i < end) {
      byte b = row[i++];
      if (b != '\\' || i >= end) {
        out[o++] = b;
        continue;
      }
      byte e = row[i++];
      switch (e) {
        case 'b' -> out[o++] = '\b';
        case 'f' -> out[o++] = '\f';
        case 'n' -> out[o++] = '\n';
        case 'r' -> out[o++] = '\r';
        case 't' -> out[o++] = '\t';
        case 'v' -> out[o++] = 0x0b;
        case 'x' -> {
          int v = 0;
          int digits = 0;
          while (digits < 2 && i < end && Character.digit(row[i], 16) >= 0) {
            v = v * 16 + Character.digit(row[i++], 16);
            digits++;
          }
          if (digits == 0) {
            out[o++] = 'x';
          } else {
            out[o++] = (byte) v;
          }
        }
        default -> {
          if (e >= '0' && e <= '7') {
            int v = e - '0';
            int digits = 1;
            while (digits < 3 && i < end && row[i] >= '0' && row[i] <= '7') {
              v = v * 8 + (row[i++] - '0');
              digits++;
            }
            out[o++] = (byte) v;
          } else {
            out[o++] = e;
          }
        }
      }
    }
    return o;
  }
}
