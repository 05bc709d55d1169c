package io.maintenance.datastore.postgres.internal;

/**
 * An order-independent digest of the multiset of row versions ({@code xmin}) of a table. Any committed
 * insert, update or delete adds or removes a row version whose xmin the digest did not contain in that
 * multiplicity, so the digest changes; reads, VACUUM and freezing leave it alone (xmin is kept).
 */
public final class XminDigest {
  private long rows;
  private long sum;
  private long xor;

  public void add(long xmin) {
    rows++;
    long h = mix(xmin);
    sum += h;
    xor ^= Long.rotateLeft(h, 17) * 0x9E3779B97F4A7C15L;
  }

  public long rows() {
    return rows;
  }

  /** {@code rows=N,xmin=<hex>}; the column signature is added by the caller. */
  public String value() {
    return "rows=" + rows + ",xmin=" + String.format("%016x%016x", sum, xor);
  }

  /** The SplitMix64 finaliser: a bijective scramble of the xid. */
  static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
    z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
    return z ^ (z >>> 31);
  }

  /** Parses the xid at the start of a COPY text row (digits up to the first tab or end). */
  public static long parseXid(byte[] row, int end) {
    long v = 0;
    for (int i = 0; i < end; i++) {
      byte b = row[i];
      if (b < '0' || b > '9') {
        break;
      }
      v = v * 10 + (b - '0');
    }
    return v;
  }
}
