package io.maintenance.datastore.falkordb;

import io.maintenance.datastore.falkordb.internal.FalkorConnection;
import io.maintenance.datastore.falkordb.internal.QueryResult;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A canonical export of a graph taken with plain Cypher, independent of the plugin's export: every
 * node by id with its labels and its properties in key order, every edge by id with type, endpoints
 * and properties, and the schema names in id order. Floats are shown to 15 digits by the server, so
 * each float property also carries its JSON text (which shows the sign of NaN) and its residual against
 * that rendering ({@code x - toFloat(toJSON(x))}, again to 15 digits), which tells apart doubles that
 * agree in 15 digits.
 */
public final class Canonical {
  private Canonical() {}

  private static final String RESIDUALS =
      // The server evaluates every branch of a CASE, so the float functions only ever see a float.
      "[k IN keys(x) | [f IN [CASE typeof(x[k]) WHEN 'Float' THEN x[k] ELSE 0.0 END] | "
          + "CASE typeof(x[k]) WHEN 'Float' THEN [toJSON(f), toJSON(f - toFloat(toJSON(f)))] ELSE null END][0]]";

  public static String of(FalkorConnection c, String graph) {
    if (!c.exists(graph)) {
      return "<absent>";
    }
    StringBuilder sb = new StringBuilder();
    sb.append("labels ").append(names(c, graph, "db.labels")).append('\n');
    sb.append("types ").append(names(c, graph, "db.relationshipTypes")).append('\n');
    sb.append("keys ").append(names(c, graph, "db.propertyKeys")).append('\n');
    for (List<Object> row : rows(c, graph, "MATCH (x) RETURN id(x), labels(x), keys(x), [k IN keys(x) | x[k]], [k IN keys(x) | typeof(x[k])], "
        + RESIDUALS + " ORDER BY id(x)")) {
      sb.append("node ").append(row).append('\n');
    }
    for (List<Object> row : rows(c, graph, "MATCH (a)-[x]->(b) RETURN id(x), type(x), id(a), id(b), keys(x), [k IN keys(x) | x[k]], "
        + "[k IN keys(x) | typeof(x[k])], " + RESIDUALS + " ORDER BY id(x)")) {
      sb.append("edge ").append(row).append('\n');
    }
    for (List<Object> row : rows(c, graph, "CALL db.indexes() YIELD label, properties, types, options, language, stopwords, entitytype "
        + "RETURN entitytype, label, properties, types, options, language, stopwords ORDER BY entitytype, label")) {
      sb.append("index ").append(row).append('\n');
    }
    // (not their status, which is UNDER CONSTRUCTION for a moment after creation)
    for (List<Object> row : rows(c, graph, "CALL db.constraints() YIELD type, label, properties, entitytype "
        + "RETURN type, entitytype, label, properties ORDER BY type, entitytype, label")) {
      sb.append("constraint ").append(row).append('\n');
    }
    return sb.toString();
  }

  private static List<List<Object>> rows(FalkorConnection c, String graph, String query) {
    List<List<Object>> out = new ArrayList<>();
    for (List<Object> row : c.readOnly(graph, query, Map.of()).rows()) {
      out.add(new ArrayList<>(row));
    }
    return out;
  }

  private static List<String> names(FalkorConnection c, String graph, String procedure) {
    List<String> out = new ArrayList<>();
    QueryResult r = c.readOnly(graph, "CALL " + procedure + "()", Map.of());
    for (List<Object> row : r.rows()) {
      out.add((String) row.get(0));
    }
    return out;
  }
}
