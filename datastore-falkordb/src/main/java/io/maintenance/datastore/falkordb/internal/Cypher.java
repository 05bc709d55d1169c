package io.maintenance.datastore.falkordb.internal;

import io.maintenance.datastore.falkordb.internal.Values.Point;
import io.maintenance.datastore.falkordb.internal.Values.Temporal;
import io.maintenance.datastore.falkordb.internal.Values.VectorF32;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Query text building blocks. FalkorDB passes parameters as Cypher literals in a {@code CYPHER a=.. b=..}
 * header, so values are encoded here as literals (never spliced into the query body), and identifiers
 * (labels, relationship types, property keys) are validated and back-quoted.
 */
public final class Cypher {
  private Cypher() {}

  /**
   * Why an identifier cannot be used, or empty if it can. The server's lexer has no escape for a
   * backtick inside a quoted identifier, so such names are rejected rather than guessed at.
   */
  public static Optional<String> identifierProblem(String name) {
    if (name == null || name.isEmpty()) {
      return Optional.of("is empty");
    }
    if (name.indexOf('`') >= 0) {
      return Optional.of("contains a backtick, which FalkorDB cannot quote");
    }
    if (name.indexOf('\0') >= 0) {
      return Optional.of("contains a NUL character");
    }
    return Optional.empty();
  }

  /** A back-quoted identifier; the caller has checked {@link #identifierProblem}. */
  public static String quote(String name) {
    Optional<String> problem = identifierProblem(name);
    if (problem.isPresent()) {
      throw new IllegalArgumentException("identifier " + problem.get());
    }
    return "`" + name + "`";
  }

  /** {@code :`A`:`B`} for a node pattern, empty for a node without labels. */
  public static String labels(List<String> labels) {
    StringBuilder sb = new StringBuilder();
    for (String l : labels) {
      sb.append(':').append(quote(l));
    }
    return sb.toString();
  }

  /** Prefixes a query with its parameters, encoded as literals. */
  public static String withParams(Map<String, ?> params, String query) {
    StringBuilder sb = new StringBuilder(query.length() + 64);
    sb.append("CYPHER");
    for (Map.Entry<String, ?> p : params.entrySet()) {
      sb.append(' ').append(p.getKey()).append('=');
      literal(sb, p.getValue());
    }
    return sb.append(' ').append(query).toString();
  }

  /**
   * Appends a value as a Cypher literal: null, booleans, integers, finite doubles (shortest exact
   * decimal form), strings, lists and maps (with quoted keys). Values that need a server-side
   * constructor (points, vectors, temporals, NaN, infinities) are encoded as tagged maps
   * {@code {t: kind, v: payload}} that {@link #decode} turns back into values.
   */
  public static StringBuilder literal(StringBuilder sb, Object v) {
    if (v == null) {
      sb.append("null");
    } else if (v instanceof Boolean b) {
      sb.append(b ? "true" : "false");
    } else if (v instanceof Long || v instanceof Integer) {
      sb.append(v);
    } else if (v instanceof Double d) {
      if (d.isNaN()) {
        sb.append("{t:'nan'}");
      } else if (d.isInfinite()) {
        sb.append(d > 0 ? "{t:'inf'}" : "{t:'-inf'}");
      } else {
        // Double.toString round-trips exactly; the lexer wants a lower-case exponent marker.
        sb.append(Double.toString(d).replace('E', 'e'));
      }
    } else if (v instanceof String s) {
      string(sb, s);
    } else if (v instanceof List<?> list) {
      sb.append('[');
      for (int i = 0; i < list.size(); i++) {
        if (i > 0) {
          sb.append(',');
        }
        literal(sb, list.get(i));
      }
      sb.append(']');
    } else if (v instanceof Map<?, ?> map) {
      sb.append('{');
      boolean first = true;
      for (Map.Entry<?, ?> e : map.entrySet()) {
        if (!first) {
          sb.append(',');
        }
        first = false;
        sb.append(quote((String) e.getKey())).append(':');
        literal(sb, e.getValue());
      }
      sb.append('}');
    } else if (v instanceof Point p) {
      sb.append("{t:'point',v:[");
      literal(sb, (double) p.latitude()).append(',');
      literal(sb, (double) p.longitude()).append("]}");
    } else if (v instanceof VectorF32 vec) {
      sb.append("{t:'vecf32',v:[");
      float[] e = vec.elements();
      for (int i = 0; i < e.length; i++) {
        if (i > 0) {
          sb.append(',');
        }
        // The exact double of each float, so that the server's narrowing gives the same float back.
        literal(sb, (double) e[i]);
      }
      sb.append("]}");
    } else if (v instanceof Temporal t) {
      sb.append("{t:'").append(t.kind().tag()).append("',v:[");
      long[] c = t.components();
      for (int i = 0; i < c.length; i++) {
        if (i > 0) {
          sb.append(',');
        }
        sb.append(c[i]);
      }
      sb.append("]}");
    } else {
      throw new IllegalArgumentException("no Cypher literal for " + v.getClass().getName());
    }
    return sb;
  }

  private static void string(StringBuilder sb, String s) {
    sb.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '\\' -> sb.append("\\\\");
        case '"' -> sb.append("\\\"");
        case '\n' -> sb.append("\\n");
        case '\r' -> sb.append("\\r");
        case '\t' -> sb.append("\\t");
        default -> sb.append(c);
      }
    }
    sb.append('"');
  }

  // ---- server-side expressions ----

  /** Turns one tagged map (see {@link #literal}) into the value it stands for. */
  private static String special(String x) {
    return "CASE " + x + ".t"
        + " WHEN 'date' THEN date({year: " + x + ".v[0], month: " + x + ".v[1], day: " + x + ".v[2]})"
        + " WHEN 'time' THEN localtime({hour: " + x + ".v[0], minute: " + x + ".v[1], second: " + x + ".v[2]})"
        + " WHEN 'datetime' THEN localdatetime({year: " + x + ".v[0], month: " + x + ".v[1], day: " + x + ".v[2], hour: "
        + x + ".v[3], minute: " + x + ".v[4], second: " + x + ".v[5]})"
        + " WHEN 'duration' THEN duration({years: " + x + ".v[0], months: " + x + ".v[1], days: " + x + ".v[2], hours: "
        + x + ".v[3], minutes: " + x + ".v[4], seconds: " + x + ".v[5]})"
        + " WHEN 'point' THEN point({latitude: " + x + ".v[0], longitude: " + x + ".v[1]})"
        + " WHEN 'vecf32' THEN vecf32(" + x + ".v)"
        + " WHEN 'nan' THEN 0.0/0.0 WHEN 'inf' THEN 1.0/0.0 WHEN '-inf' THEN -1.0/0.0 END";
  }

  /**
   * An expression that rebuilds a value whose tagged maps may sit in lists nested up to {@code depth}
   * levels deep (0 for a scalar).
   */
  public static String decode(String x, int depth) {
    if (depth == 0) {
      return "CASE WHEN typeof(" + x + ") = 'Map' THEN " + special(x) + " ELSE " + x + " END";
    }
    String y = "y" + depth;
    return "CASE typeof(" + x + ") WHEN 'Map' THEN " + special(x) + " WHEN 'List' THEN [" + y + " IN " + x + " | "
        + decode(y, depth - 1) + "] ELSE " + x + " END";
  }

  /**
   * An expression giving the exact bits of a float {@code x}, which replies only show to 15 digits:
   * {@code [m, e]} with {@code x = m * 2^e} (m a 53-bit integer), or 0, '-0', 'NaN', 'Infinity',
   * '-Infinity'. The binary exponent comes from log() and is corrected by exact comparisons with
   * powers of two; the scaling is split in two so that subnormals do not overflow.
   */
  public static String exactFloat(String x, String suffix) {
    String a = "abs(" + x + ")";
    String e0 = "e0" + suffix;
    String e = "e" + suffix;
    String h = "(52 - " + e + ")";
    String g = "[" + e0 + " IN [toInteger(floor(log(" + a + ") / log(2)))] | [" + e + " IN [" + e0 + " + CASE WHEN 2.0^" + e0
        + " > " + a + " THEN -1 WHEN 2.0^(" + e0 + " + 1) <= " + a + " THEN 1 ELSE 0 END] | [toInteger(" + x
        + " * 2.0^(" + h + " / 2) * 2.0^(" + h + " - " + h + " / 2)), " + e + " - 52]][0]][0]";
    return "CASE WHEN " + x + " <> " + x + " THEN 'NaN' WHEN " + x + " = 1.0/0.0 THEN 'Infinity' WHEN " + x
        + " = -1.0/0.0 THEN '-Infinity' WHEN " + x + " = 0.0 THEN CASE WHEN 1.0/" + x + " < 0.0 THEN '-0' ELSE 0 END ELSE "
        + g + " END";
  }

  /**
   * For a value that may hold floats in lists nested up to {@code depth} levels: the same structure
   * with {@link #exactFloat} in place of each float and null elsewhere; 'deep' where lists nest deeper.
   */
  public static String exact(String x, int depth) {
    String list = depth == 0 ? "'deep'" : "[z" + depth + " IN " + x + " | " + exact("z" + depth, depth - 1) + "]";
    return "CASE typeof(" + x + ") WHEN 'Float' THEN " + exactFloat(x, "_" + depth) + " WHEN 'List' THEN " + list
        + " ELSE null END";
  }

  /** Rebuilds a double from what {@link #exactFloat} returned. */
  public static double exactDouble(Object encoded) {
    if (encoded instanceof List<?> pair && pair.size() == 2) {
      return Math.scalb((double) (Long) pair.get(0), Math.toIntExact((Long) pair.get(1)));
    }
    if (encoded instanceof Long l && l == 0L) {
      return 0.0;
    }
    if (encoded instanceof String s) {
      return switch (s) {
        case "-0" -> -0.0;
        case "NaN" -> Double.NaN;
        case "Infinity" -> Double.POSITIVE_INFINITY;
        case "-Infinity" -> Double.NEGATIVE_INFINITY;
        default -> throw new IllegalArgumentException("unexpected exact float " + s);
      };
    }
    throw new IllegalArgumentException("unexpected exact float " + encoded);
  }
}
