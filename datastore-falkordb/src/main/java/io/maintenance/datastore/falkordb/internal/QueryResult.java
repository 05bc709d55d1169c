package io.maintenance.datastore.falkordb.internal;

import io.maintenance.datastore.falkordb.internal.Values.Point;
import io.maintenance.datastore.falkordb.internal.Values.Temporal;
import io.maintenance.datastore.falkordb.internal.Values.TemporalKind;
import io.maintenance.datastore.falkordb.internal.Values.VectorF32;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A decoded compact reply. Values are Java values as in {@link Values}, plus {@link Node} and
 * {@link Edge} for graph entities (which carry label, type and property-key ids, resolved by the
 * caller through {@code db.labels()} etc.). Doubles in compact replies are rounded to 15 digits by the
 * server: callers that need exact floats ask for them with {@link Cypher#exact}.
 */
public record QueryResult(List<String> columns, List<List<Object>> rows, List<String> stats) {

  /** A node as the compact format sends it: property values keyed by property-key id. */
  public record Node(long id, long[] labelIds, long[] keyIds, Object[] values) {}

  /** An edge as the compact format sends it. */
  public record Edge(long id, long typeId, long source, long destination, long[] keyIds, Object[] values) {}

  static QueryResult of(Object reply) {
    List<?> top = (List<?>) reply;
    if (top.size() == 1) {
      return new QueryResult(List.of(), List.of(), strings(top.get(0)));
    }
    List<String> columns = new ArrayList<>();
    for (Object h : (List<?>) top.get(0)) {
      columns.add(FalkorConnection.text(((List<?>) h).get(1)));
    }
    List<?> rawRows = (List<?>) top.get(1);
    List<List<Object>> rows = new ArrayList<>(rawRows.size());
    for (Object r : rawRows) {
      List<?> cells = (List<?>) r;
      List<Object> row = new ArrayList<>(cells.size());
      for (Object c : cells) {
        row.add(value((List<?>) c));
      }
      rows.add(row);
    }
    return new QueryResult(columns, rows, strings(top.get(2)));
  }

  private static List<String> strings(Object o) {
    List<String> out = new ArrayList<>();
    for (Object s : (List<?>) o) {
      out.add(FalkorConnection.text(s));
    }
    return out;
  }

  /** A [type, value] pair. */
  static Object value(List<?> typed) {
    return value(((Long) typed.get(0)).intValue(), typed.get(1));
  }

  private static Object value(int type, Object v) {
    return switch (type) {
      case 1 -> null;
      case 2 -> FalkorConnection.text(v);
      case 3 -> (Long) v;
      case 4 -> "true".equals(FalkorConnection.text(v));
      case 5 -> parseDouble(FalkorConnection.text(v));
      case 6 -> {
        List<?> items = (List<?>) v;
        List<Object> out = new ArrayList<>(items.size());
        for (Object item : items) {
          out.add(value((List<?>) item));
        }
        yield out;
      }
      case 7 -> edge((List<?>) v);
      case 8 -> node((List<?>) v);
      case 10 -> {
        List<?> kv = (List<?>) v;
        Map<String, Object> map = new LinkedHashMap<>();
        for (int i = 0; i < kv.size(); i += 2) {
          map.put(FalkorConnection.text(kv.get(i)), value((List<?>) kv.get(i + 1)));
        }
        yield map;
      }
      case 11 -> {
        List<?> p = (List<?>) v;
        // Points are 32-bit floats; 15 significant digits identify a float exactly.
        yield new Point((float) parseDouble(FalkorConnection.text(p.get(0))), (float) parseDouble(FalkorConnection.text(p.get(1))));
      }
      case 12 -> {
        List<?> e = (List<?>) v;
        float[] f = new float[e.size()];
        for (int i = 0; i < f.length; i++) {
          // Sent with 17 digits: exact for a float.
          f[i] = (float) parseDouble(FalkorConnection.text(e.get(i)));
        }
        yield new VectorF32(f);
      }
      case 13 -> new Temporal(TemporalKind.DATETIME, (Long) v);
      case 14 -> new Temporal(TemporalKind.DATE, (Long) v);
      case 15 -> new Temporal(TemporalKind.TIME, (Long) v);
      case 16 -> new Temporal(TemporalKind.DURATION, (Long) v);
      default -> throw new IllegalStateException("unsupported value type " + type + " in a FalkorDB reply");
    };
  }

  /**
   * A 15-digit double as the server prints it (C spellings of special values). Rounding can push the
   * largest doubles past the range ("1.79769313486232e+308"); those stay finite so that callers can
   * tell them from real infinities.
   */
  static double parseDouble(String s) {
    return switch (s) {
      case "nan" -> Double.NaN;
      case "-nan" -> Values.NEGATIVE_NAN;
      case "inf" -> Double.POSITIVE_INFINITY;
      case "-inf" -> Double.NEGATIVE_INFINITY;
      default -> {
        double d = Double.parseDouble(s);
        yield Double.isInfinite(d) ? Math.copySign(Double.MAX_VALUE, d) : d;
      }
    };
  }

  private static Node node(List<?> n) {
    List<?> labels = (List<?>) n.get(1);
    long[] labelIds = new long[labels.size()];
    for (int i = 0; i < labelIds.length; i++) {
      labelIds[i] = (Long) labels.get(i);
    }
    List<?> props = (List<?>) n.get(2);
    long[] keys = new long[props.size()];
    Object[] values = new Object[props.size()];
    properties(props, keys, values);
    return new Node((Long) n.get(0), labelIds, keys, values);
  }

  private static Edge edge(List<?> e) {
    List<?> props = (List<?>) e.get(4);
    long[] keys = new long[props.size()];
    Object[] values = new Object[props.size()];
    properties(props, keys, values);
    return new Edge((Long) e.get(0), (Long) e.get(1), (Long) e.get(2), (Long) e.get(3), keys, values);
  }

  /** Each property is [key id, type, value]. */
  private static void properties(List<?> props, long[] keys, Object[] values) {
    for (int i = 0; i < keys.length; i++) {
      List<?> p = (List<?>) props.get(i);
      keys[i] = (Long) p.get(0);
      values[i] = value(((Long) p.get(1)).intValue(), p.get(2));
    }
  }

  public Object single() {
    return rows.isEmpty() ? null : rows.get(0).get(0);
  }

  public long singleLong() {
    Object v = single();
    return v == null ? 0L : (Long) v;
  }
}
