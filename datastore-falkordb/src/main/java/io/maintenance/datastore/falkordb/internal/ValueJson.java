package io.maintenance.datastore.falkordb.internal;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.maintenance.datastore.falkordb.internal.Values.Point;
import io.maintenance.datastore.falkordb.internal.Values.Temporal;
import io.maintenance.datastore.falkordb.internal.Values.TemporalKind;
import io.maintenance.datastore.falkordb.internal.Values.VectorF32;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Property values in JSON, exactly: strings, integers, booleans and finite doubles are plain JSON
 * (doubles always written with a fraction or exponent, in their shortest exact form); everything else
 * is an object {@code {"$": kind, "v": payload}}: {@code float} ("NaN", "-NaN", "Infinity", "-Infinity"),
 * {@code point} ([latitude, longitude]), {@code vecf32} ([floats]; non-finite ones as those strings),
 * and {@code date}, {@code time},
 * {@code datetime}, {@code duration} (the server's int64 seconds).
 */
public final class ValueJson {
  private ValueJson() {}

  public static void write(JsonGenerator g, Object v) throws IOException {
    if (v instanceof String s) {
      g.writeString(s);
    } else if (v instanceof Long l) {
      g.writeNumber(l);
    } else if (v instanceof Boolean b) {
      g.writeBoolean(b);
    } else if (v instanceof Double d) {
      if (d.isNaN() || d.isInfinite()) {
        tagged(g, "float");
        g.writeString(special(d));
        g.writeEndObject();
      } else {
        g.writeNumber(d.doubleValue());
      }
    } else if (v instanceof List<?> list) {
      g.writeStartArray();
      for (Object e : list) {
        write(g, e);
      }
      g.writeEndArray();
    } else if (v instanceof Point p) {
      tagged(g, "point");
      g.writeStartArray();
      element(g, p.latitude());
      element(g, p.longitude());
      g.writeEndArray();
      g.writeEndObject();
    } else if (v instanceof VectorF32 vec) {
      tagged(g, "vecf32");
      g.writeStartArray();
      for (float f : vec.elements()) {
        element(g, f);
      }
      g.writeEndArray();
      g.writeEndObject();
    } else if (v instanceof Temporal t) {
      tagged(g, t.kind().tag());
      g.writeNumber(t.seconds());
      g.writeEndObject();
    } else {
      throw new IllegalArgumentException("not a storable property value: " + (v == null ? "null" : v.getClass().getName()));
    }
  }

  /** NaN (with its sign) and infinities as strings: JSON has no numbers for them. */
  private static String special(double d) {
    return Double.isNaN(d) ? (Values.negative(d) ? "-NaN" : "NaN") : d > 0 ? "Infinity" : "-Infinity";
  }

  private static void element(JsonGenerator g, float f) throws IOException {
    if (Float.isFinite(f)) {
      g.writeNumber((double) f);
    } else {
      g.writeString(special(f));
    }
  }

  private static double special(String s) {
    return switch (s) {
      case "NaN" -> Double.NaN;
      case "-NaN" -> Values.NEGATIVE_NAN;
      case "Infinity" -> Double.POSITIVE_INFINITY;
      case "-Infinity" -> Double.NEGATIVE_INFINITY;
      default -> throw new ArtifactFormatException("unknown special float '" + s + "'");
    };
  }

  private static void tagged(JsonGenerator g, String kind) throws IOException {
    g.writeStartObject();
    g.writeStringField("$", kind);
    g.writeFieldName("v");
  }

  /** Reads the value at the current token. */
  public static Object read(JsonParser p) throws IOException {
    JsonToken t = p.currentToken();
    if (t == null) {
      throw new ArtifactFormatException("unexpected end of data in a value");
    }
    return switch (t) {
      case VALUE_STRING -> p.getText();
      case VALUE_NUMBER_INT -> integer(p);
      case VALUE_NUMBER_FLOAT -> p.getDoubleValue();
      case VALUE_TRUE -> Boolean.TRUE;
      case VALUE_FALSE -> Boolean.FALSE;
      case START_ARRAY -> {
        List<Object> list = new ArrayList<>();
        while (p.nextToken() != JsonToken.END_ARRAY) {
          list.add(read(p));
        }
        yield list;
      }
      case START_OBJECT -> tagged(p);
      default -> throw new ArtifactFormatException("a property value cannot be " + t.asString());
    };
  }

  private static long integer(JsonParser p) throws IOException {
    if (p.getNumberType() == JsonParser.NumberType.BIG_INTEGER) {
      throw new ArtifactFormatException("integer " + p.getText() + " is outside the int64 range");
    }
    return p.getLongValue();
  }

  private static Object tagged(JsonParser p) throws IOException {
    String kind = null;
    Object payload = null;
    boolean hasPayload = false;
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String field = p.currentName();
      p.nextToken();
      if ("$".equals(field) && p.currentToken() == JsonToken.VALUE_STRING) {
        kind = p.getText();
      } else if ("v".equals(field)) {
        payload = raw(p);
        hasPayload = true;
      } else {
        throw new ArtifactFormatException("unknown field '" + field + "' in a tagged value");
      }
    }
    if (kind == null || !hasPayload) {
      throw new ArtifactFormatException("a tagged value needs \"$\" and \"v\"");
    }
    TemporalKind temporal = TemporalKind.ofTag(kind);
    if (temporal != null) {
      if (!(payload instanceof Long seconds)) {
        throw new ArtifactFormatException(kind + " must be whole seconds");
      }
      return new Temporal(temporal, seconds);
    }
    return switch (kind) {
      case "float" -> special(String.valueOf(payload));
      case "point" -> {
        float[] f = floats(payload, kind);
        if (f.length != 2 || Math.abs(f[0]) > 90f || Math.abs(f[1]) > 180f || Float.isInfinite(f[0]) || Float.isInfinite(f[1])) {
          throw new ArtifactFormatException("a point needs a latitude within ±90 and a longitude within ±180");
        }
        yield new Point(f[0], f[1]);
      }
      case "vecf32" -> new VectorF32(floats(payload, kind));
      default -> throw new ArtifactFormatException("unknown value kind '" + kind + "'");
    };
  }

  /** A payload: a scalar or a list of scalars. */
  private static Object raw(JsonParser p) throws IOException {
    JsonToken t = p.currentToken();
    if (t == JsonToken.START_ARRAY) {
      List<Object> list = new ArrayList<>();
      while (p.nextToken() != JsonToken.END_ARRAY) {
        list.add(raw(p));
      }
      return list;
    }
    return switch (t) {
      case VALUE_STRING -> p.getText();
      case VALUE_NUMBER_INT -> integer(p);
      case VALUE_NUMBER_FLOAT -> p.getDoubleValue();
      default -> throw new ArtifactFormatException("unexpected " + t.asString() + " in a tagged value");
    };
  }

  private static float[] floats(Object payload, String kind) {
    if (!(payload instanceof List<?> list)) {
      throw new ArtifactFormatException(kind + " needs a list of numbers");
    }
    float[] f = new float[list.size()];
    for (int i = 0; i < f.length; i++) {
      Object o = list.get(i);
      if (o instanceof String s) {
        f[i] = (float) special(s);
        continue;
      }
      double d = o instanceof Double x ? x : o instanceof Long l ? l : Double.NaN;
      if (Double.isNaN(d) || (double) (float) d != d) {
        throw new ArtifactFormatException(kind + " element " + i + " is not a 32-bit float");
      }
      f[i] = (float) d;
    }
    return f;
  }
}
