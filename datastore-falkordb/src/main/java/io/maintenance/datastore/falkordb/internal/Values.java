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
   * local times on 1900-01-01 unless arithmetic moved them off it, durations as the offset they give
   * from the epoch).
   */
  public record Temporal(TemporalKind kind, long seconds) {
    public Temporal {
      Objects.requireNonNull(kind, "kind");
    }

    /** 1900-01-01T00:00:00Z, the day FalkorDB puts local times on. */
    static final long TIME_BASE = -2208988800L;

    /**
     * The arguments of the server-side construction that gives exactly these seconds (see
     * {@link Cypher#construct}), or the nearest one the server's constructors can give when
     * {@link #exact()} is false.
     *
     * <ul>
     *   <li>date: {@code [year, month, day]}; datetime: {@code [year, month, day, hour, minute, second]}
     *   <li>time: {@code [hour, minute, second, subtract, hours, minutes, seconds]}: a time of day, plus or
     *       minus a duration below one day (how the server's own arithmetic moves a time off 1900-01-01)
     *   <li>duration: {@code [years, days, seconds]}: the server adds whole (32-bit float) years to the
     *       epoch with {@code timegm} and then days and seconds as a double, so the years absorb what a
     *       float cannot hold and days/seconds the rest; -2^63 is what x86 gives for seconds beyond int64
     * </ul>
     */
    public List<Object> construction() {
      return switch (kind) {
        case DATE, DATETIME -> {
          LocalDateTime t = LocalDateTime.ofEpochSecond(clamp(seconds), 0, ZoneOffset.UTC);
          List<Object> c = new java.util.ArrayList<>(List.of((long) t.getYear(), (long) t.getMonthValue(), (long) t.getDayOfMonth()));
          if (kind == TemporalKind.DATETIME) {
            c.addAll(List.of((long) t.getHour(), (long) t.getMinute(), (long) t.getSecond()));
          }
          yield c;
        }
        case TIME -> time();
        case DURATION -> duration();
      };
    }

    /** The seconds {@link #construction()} gives. */
    public long rebuilt() {
      List<Object> c = construction();
      return switch (kind) {
        case DATE -> LocalDateTime.of(Math.toIntExact((Long) c.get(0)), Math.toIntExact((Long) c.get(1)),
            Math.toIntExact((Long) c.get(2)), 0, 0).toEpochSecond(ZoneOffset.UTC);
        case DATETIME -> clamp(seconds);
        case TIME -> TIME_BASE + ((Long) c.get(0)) * 3600 + ((Long) c.get(1)) * 60 + (Long) c.get(2)
            + ((Long) c.get(3) == 1 ? -1 : 1) * (((Long) c.get(4)) * 3600 + ((Long) c.get(5)) * 60 + (Long) c.get(6));
        case DURATION -> durationSeconds(c);
      };
    }

    /** Whether {@link #construction()} gives back exactly these seconds. */
    public boolean exact() {
      return switch (kind) {
        case DATE -> inRange() && Math.floorMod(seconds, 86400) == 0;
        case DATETIME -> inRange();
        case TIME -> seconds - TIME_BASE > -86400 && seconds - TIME_BASE < 2 * 86400 - 1;
        case DURATION -> durationSeconds(duration()) == seconds;
      };
    }

    private boolean inRange() {
      return seconds >= MIN_SECONDS && seconds <= MAX_SECONDS;
    }

    private List<Object> time() {
      long d = Math.max(-86399, Math.min(2L * 86400 - 2, seconds - TIME_BASE));
      long base = d < 0 ? 0 : Math.min(d, 86399);
      long delta = Math.abs(d - base);
      return List.of(base / 3600, base / 60 % 60, base % 60, d < 0 ? 1L : 0L, delta / 3600, delta / 60 % 60, delta % 60);
    }

    private List<Object> duration() {
      if (seconds == Long.MIN_VALUE) {
        // (time_t) of a double beyond int64 is "integer indefinite" on x86: how the server wraps to -2^63.
        return List.of(0L, 0L, 1.0e19);
      }
      long years = Math.floorDiv(seconds, 31556952L);
      long limit = Integer.MAX_VALUE - 10_000L;
      years = Math.max(-limit, Math.min(limit, years));
      // Whole years the server's float can hold, at or below the target (so the rest is positive and small).
      float y = (float) years;
      while (y != 0 && yearStart((long) y) > seconds && (long) y > -limit) {
        y = Math.nextDown(y);
      }
      long rest = seconds - yearStart((long) y);
      long days = Math.floorDiv(rest, 86400L);
      long secs = Math.floorMod(rest, 86400L);
      long maxDays = 1L << 24;
      days = Math.max(-maxDays, Math.min(maxDays, days));
      return List.of((long) y, days, secs);
    }

    /** What the server computes for {@code duration({years: y, days: d, seconds: s})}. */
    static long durationSeconds(List<Object> c) {
      float years = ((Number) c.get(0)).floatValue();
      float days = ((Number) c.get(1)).floatValue();
      float secs = ((Number) c.get(2)).floatValue();
      double total = (double) days * 86400 + (double) secs;
      long delta = Math.abs(total) >= 0x1p63 || Double.isNaN(total) ? Long.MIN_VALUE : (long) total;
      return yearStart((long) years) + delta;
    }

    /** {@code timegm} of January 1st of year 1970 + {@code y} (proleptic Gregorian, any int year). */
    static long yearStart(long y) {
      long year = 1970 + y;
      // days from civil (H. Hinnant), for March-based years: Jan 1 belongs to the previous one.
      long yr = year - 1;
      long era = Math.floorDiv(yr, 400);
      long yoe = yr - era * 400;
      long doy = 306; // March 1 .. January 1
      long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
      long days = era * 146097 + doe - 719468;
      return days * 86400;
    }

    private static long clamp(long s) {
      return Math.max(MIN_SECONDS, Math.min(MAX_SECONDS, s));
    }

    // LocalDateTime's range, well beyond anything the server produces.
    private static final long MIN_SECONDS = -31557014167219200L;
    private static final long MAX_SECONDS = 31556889864403199L;
  }

  /** The NaN FalkorDB's arithmetic gives on x86 ({@code 0.0/0.0}): sign bit set. */
  public static final double NEGATIVE_NAN = Double.longBitsToDouble(0xfff8000000000000L);

  /** Whether the sign bit of a double is set (also for NaN). */
  public static boolean negative(double d) {
    return (Double.doubleToRawLongBits(d) & Long.MIN_VALUE) != 0;
  }

  /**
   * Why a value cannot come back exactly from a logical export, or null if it can: a NaN inside a
   * vector (replies print vector elements without the sign of NaN, and no reply shows a NaN's payload
   * bits; it comes back as a positive quiet NaN), or a temporal that no server-side construction gives
   * exactly (it comes back as the nearest one).
   */
  public static String approximation(Object v) {
    if (v instanceof VectorF32 vec) {
      for (float f : vec.elements) {
        if (Float.isNaN(f)) {
          return "a vecf32 holding NaN comes back with positive quiet NaNs (the server does not show their sign)";
        }
      }
    } else if (v instanceof Temporal t && !t.exact()) {
      return t.kind().tag() + " " + t.seconds() + " s cannot be rebuilt exactly by the server's constructors and comes back as "
          + t.kind().tag() + " " + t.rebuilt() + " s";
    } else if (v instanceof List<?> list) {
      for (Object e : list) {
        String a = approximation(e);
        if (a != null) {
          return a;
        }
      }
    }
    return null;
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
