package io.maintenance.datastore.falkordb.internal;

import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * The property values FalkorDB can store, as Java values: {@link String}, {@link Long}, {@link Boolean},
 * {@link Double} (every bit pattern, including NaN, infinities and -0.0), {@link List} of values, and
 * the records below. Maps and nulls are not storable as properties.
 */
public final class Values {
  private Values() {}

  /** A point; FalkorDB keeps latitude and longitude as 32-bit floats. */
  public record Point(float latitude, float longitude) {}

  /** A {@code vecf32} value. */
  public record VectorF32(float[] elements) {
    public VectorF32 {
      elements = elements.clone();
    }

    @Override
    public float[] elements() {
      return elements.clone();
    }

    public int dimension() {
      return elements.length;
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof VectorF32 v && Arrays.equals(elements, v.elements);
    }

    @Override
    public int hashCode() {
      return Arrays.hashCode(elements);
    }

    @Override
    public String toString() {
      return "vecf32" + Arrays.toString(elements);
    }
  }

  /** The temporal kinds; FalkorDB stores each as whole seconds in an int64. */
  public enum TemporalKind {
    DATE("date"),
    TIME("time"),
    DATETIME("datetime"),
    DURATION("duration");

    private final String tag;

    TemporalKind(String tag) {
      this.tag = tag;
    }

    public String tag() {
      return tag;
    }

    public static TemporalKind ofTag(String tag) {
      for (TemporalKind k : values()) {
        if (k.tag.equals(tag)) {
          return k;
        }
      }
      return null;
    }
  }

  /**
   * A temporal value as the server stores it: seconds since 1970-01-01T00:00Z (dates at midnight UTC,
   * local times on 1900-01-01, durations as the offset they give from the epoch).
   */
  public record Temporal(TemporalKind kind, long seconds) {
    public Temporal {
      Objects.requireNonNull(kind, "kind");
    }

    /** Calendar fields (UTC, proleptic Gregorian) from which the server rebuilds exactly these seconds. */
    public long[] components() {
      LocalDateTime t = LocalDateTime.ofEpochSecond(seconds, 0, ZoneOffset.UTC);
      return switch (kind) {
        case DATE -> new long[] {t.getYear(), t.getMonthValue(), t.getDayOfMonth()};
        case TIME -> new long[] {t.getHour(), t.getMinute(), t.getSecond()};
        case DATETIME -> new long[] {t.getYear(), t.getMonthValue(), t.getDayOfMonth(), t.getHour(), t.getMinute(), t.getSecond()};
        case DURATION -> new long[] {t.getYear() - 1970L, t.getMonthValue() - 1L, t.getDayOfMonth() - 1L, t.getHour(), t.getMinute(), t.getSecond()};
      };
    }

    /** Whether the server's constructors can produce exactly this value (see {@link #components()}). */
    public boolean rebuildable() {
      if (seconds < MIN_SECONDS || seconds > MAX_SECONDS) {
        return false;
      }
      LocalDateTime t = LocalDateTime.ofEpochSecond(seconds, 0, ZoneOffset.UTC);
      return switch (kind) {
        case DATE -> t.toLocalTime().toSecondOfDay() == 0;
        case TIME -> t.getYear() == 1900 && t.getDayOfYear() == 1;
        case DATETIME, DURATION -> true;
      };
    }

    // LocalDateTime's range, well beyond anything the server produces.
    private static final long MIN_SECONDS = -31557014167219200L;
    private static final long MAX_SECONDS = 31556889864403199L;
  }

  /** Whether a value needs a constructor on the server (cannot be a plain Cypher literal). */
  public static boolean isSpecial(Object v) {
    if (v instanceof Double d) {
      return d.isNaN() || d.isInfinite();
    }
    if (v instanceof List<?> list) {
      for (Object e : list) {
        if (isSpecial(e)) {
          return true;
        }
      }
      return false;
    }
    return v instanceof Point || v instanceof VectorF32 || v instanceof Temporal;
  }

  /** Nesting depth of lists: 0 for a scalar, 1 for a flat list, ... */
  public static int depth(Object v) {
    if (v instanceof List<?> list) {
      int max = 0;
      for (Object e : list) {
        max = Math.max(max, depth(e));
      }
      return max + 1;
    }
    return 0;
  }
}
