package io.maintenance.datastore.postgres.internal;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * The text format of {@code COPY}: tab-separated fields, {@code \N} for NULL, backslash escapes.
 * Decoding works on raw UTF-8 bytes so that no String is made per value.
 */
public final class CopyText {
  private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
  private static final long ONES = 0x0101010101010101L;
  private static final long HIGHS = 0x8080808080808080L;

  private CopyText() {}

  /**
   * The index of the first byte in {@code [start, end)} that is a tab or another control character, a
   * quote, a backslash or DEL — i.e. the end of a plain field, or where it stops being plain — or
   * {@code end}. Reads eight bytes at a time (SWAR); UTF-8 multi-byte sequences are never special.
   */
  public static int firstSpecial(byte[] row, int start, int end) {
    int i = start;
    while (i + 8 <= end) {
      long w = (long) LONGS.get(row, i);
      long controls = (w - ONES * 0x20) & ~w & HIGHS;
      long quotes = hasZero(w ^ (ONES * '"'));
      long backslashes = hasZero(w ^ (ONES * '\\'));
      long dels = hasZero(w ^ (ONES * 0x7f));
      long mask = controls | quotes | backslashes | dels;
      if (mask != 0) {
        return i + (Long.numberOfTrailingZeros(mask) >>> 3);
      }
      i += 8;
    }
    for (; i < end; i++) {
      byte b = row[i];
      if ((b >= 0 && b < 0x20) || b == '"' || b == '\\' || b == 0x7f) {
        return i;
      }
    }
    return end;
  }

  /** High bit set in the bytes of {@code v} that are zero (exact for the lowest such byte). */
  private static long hasZero(long v) {
    return (v - ONES) & ~v & HIGHS;
  }

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
