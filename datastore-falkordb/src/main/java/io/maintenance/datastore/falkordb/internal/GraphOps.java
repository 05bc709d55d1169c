package io.maintenance.datastore.falkordb.internal;

import io.maintenance.api.ErrorCode;
import io.maintenance.api.MaintenanceException;
import io.maintenance.datastore.falkordb.internal.GraphSchema.Constraint;
import io.maintenance.datastore.falkordb.internal.GraphSchema.Entity;
import io.maintenance.datastore.falkordb.internal.GraphSchema.Index;
import io.maintenance.datastore.falkordb.internal.GraphSchema.IndexKind;
import io.maintenance.spi.support.Digests;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Reads and writes graph-level facts: names of labels/types/keys, counts, indexes, constraints. */
public final class GraphOps {
  private GraphOps() {}

  /** Names by id, as the compact format refers to them (the id is the position in these procedures' output). */
  public static List<String> procedureNames(FalkorConnection c, String key, String procedure) {
    QueryResult r = c.readOnly(key, "CALL " + procedure + "()", Map.of());
    List<String> names = new ArrayList<>(r.rows().size());
    for (List<Object> row : r.rows()) {
      names.add((String) row.get(0));
    }
    return names;
  }

  public static GraphCounts counts(FalkorConnection c, String key) {
    GraphCounts counts = new GraphCounts();
    counts.setNodes(c.readOnly(key, "MATCH (n) RETURN count(n)", Map.of()).singleLong());
    counts.setEdges(c.readOnly(key, "MATCH ()-[e]->() RETURN count(e)", Map.of()).singleLong());
    for (String label : procedureNames(c, key, "db.labels")) {
      counts.setLabel(label, c.readOnly(key, labelCountQuery(label), Map.of()).singleLong());
    }
    for (String type : procedureNames(c, key, "db.relationshipTypes")) {
      counts.setType(type, c.readOnly(key, typeCountQuery(type), Map.of()).singleLong());
    }
    return counts;
  }

  /** Counts the nodes of a label: quoted labels let the server answer from its label matrix; names it cannot quote need a scan. */
  static String labelCountQuery(String label) {
    return Cypher.identifierProblem(label).isEmpty()
        ? "MATCH (n" + Cypher.labels(List.of(label)) + ") RETURN count(n)"
        : Cypher.withParams(Map.of("l", label), "MATCH (n) WHERE $l IN labels(n) RETURN count(n)");
  }

  static String typeCountQuery(String type) {
    return Cypher.identifierProblem(type).isEmpty()
        ? "MATCH ()-[e:" + Cypher.quote(type) + "]->() RETURN count(e)"
        : Cypher.withParams(Map.of("t", type), "MATCH ()-[e]->() WHERE type(e) = $t RETURN count(e)");
  }

  static final String INDEXES_QUERY = "CALL db.indexes() YIELD label, properties, types, options, language, stopwords, entitytype, info "
      + "RETURN label, properties, types, options, language, stopwords, entitytype, [f IN info.fields | [f.path, f.options, f.textWeight]]";
  static final String CONSTRAINTS_QUERY =
      "CALL db.constraints() YIELD type, label, properties, entitytype RETURN type, label, properties, entitytype";

  public static GraphSchema schema(FalkorConnection c, String key) {
    return schema(c.readOnly(key, INDEXES_QUERY, Map.of()), c.readOnly(key, CONSTRAINTS_QUERY, Map.of()));
  }

  /** The schema from the replies of {@link #INDEXES_QUERY} and {@link #CONSTRAINTS_QUERY}. */
  static GraphSchema schema(QueryResult r, QueryResult cr) {
    List<Index> indexes = new ArrayList<>();
    for (List<Object> row : r.rows()) {
      String label = (String) row.get(0);
      Entity entity = Entity.valueOf((String) row.get(6));
      Map<?, ?> types = (Map<?, ?>) row.get(2);
      Map<?, ?> options = (Map<?, ?>) row.get(3);
      String language = (String) row.get(4);
      List<?> stopwords = (List<?>) row.get(5);
      Map<String, List<?>> fields = new LinkedHashMap<>();
      for (Object f : (List<?>) row.get(7)) {
        List<?> field = (List<?>) f;
        fields.put((String) field.get(0), field);
      }
      for (Object p : (List<?>) row.get(1)) {
        String property = (String) p;
        for (Object t : (List<?>) types.get(property)) {
          IndexKind kind = IndexKind.valueOf((String) t);
          Map<String, Object> opts = new LinkedHashMap<>();
          if (kind == IndexKind.VECTOR) {
            ((Map<?, ?>) options.get(property)).forEach((k, v) -> opts.put((String) k, v));
          } else if (kind == IndexKind.FULLTEXT) {
            opts.put("language", language);
            opts.put("stopwords", List.copyOf(stopwords));
            List<?> field = fields.get(property);
            long flags = field == null ? 0 : (Long) field.get(1);
            opts.put("weight", field == null ? 1.0 : (Double) field.get(2));
            // RediSearch field flags: 4 = no stemming, 8 = phonetic matching.
            opts.put("nostem", (flags & 4) != 0);
            opts.put("phonetic", (flags & 8) != 0);
          }
          indexes.add(new Index(entity, label, kind, property, opts));
        }
      }
    }
    List<Constraint> constraints = new ArrayList<>();
    for (List<Object> row : cr.rows()) {
      List<String> props = new ArrayList<>();
      for (Object p : (List<?>) row.get(2)) {
        props.add((String) p);
      }
      constraints.add(new Constraint((String) row.get(0), Entity.valueOf((String) row.get(3)), (String) row.get(1), props));
    }
    return new GraphSchema(indexes, constraints);
  }

  /**
   * A digest of which nodes carry each label and how each type's edges attach to nodes: per label a
   * count and two sums over its node ids, per type two sums over every node's id times its out- and
   * in-degree of that type (the server answers degrees from its matrices, without walking the
   * edges), all modulo primes within int64, computed by the server.
   */
  public static String structure(FalkorConnection c, String key, GraphNames names) {
    StringBuilder sb = new StringBuilder();
    for (String l : names.labels()) {
      if (Cypher.identifierProblem(l).isEmpty()) {
        sb.append(l).append(c.readOnly(key, "MATCH (n" + Cypher.labels(List.of(l)) + ") RETURN count(n), sum(id(n)), "
            + "sum((id(n) % 1000003) * (id(n) % 999983) % 2147483647)", Map.of()).rows()).append('\n');
      }
    }
    if (!names.types().isEmpty()) {
      StringBuilder q = new StringBuilder("MATCH (n) RETURN [");
      Map<String, Object> params = new LinkedHashMap<>();
      for (int i = 0; i < names.types().size(); i++) {
        params.put("t" + i, names.types().get(i));
        for (String degree : List.of("outdegree", "indegree")) {
          q.append(params.size() == 1 && degree.equals("outdegree") ? "" : ", ").append("sum((id(n) % 2147483647) * (")
              .append(degree).append("(n, $t").append(i).append(") % 2147483647) % 2147483647)");
        }
      }
      sb.append(names.types()).append(c.readOnly(key, q.append(']').toString(), params).rows());
    }
    return Digests.sha256Hex(sb.toString());
  }

  /** The fingerprint component of one graph: counts and a digest of its schema. */
  public static String fingerprint(GraphCounts counts, GraphSchema schema) {
    return counts.asMap() + " schema=" + Digests.sha256Hex(String.join("\n", schema.describe()));
  }

  /** Creates indexes then constraints (unique constraints need their range index first) and waits for them. */
  public static void create(FalkorConnection c, String key, GraphSchema schema) {
    for (Index i : schema.indexes()) {
      String pattern = pattern(i.entity(), i.label());
      String prop = "x." + Cypher.quote(i.property());
      switch (i.kind()) {
        case RANGE -> c.query(key, "CREATE INDEX FOR " + pattern + " ON (" + prop + ")", Map.of());
        case VECTOR -> c.query(key, "CREATE VECTOR INDEX FOR " + pattern + " ON (" + prop + ") OPTIONS " + vectorOptions(i), Map.of());
        case FULLTEXT -> { } // grouped below
      }
    }
    for (List<Index> group : schema.fulltextGroups().values()) {
      createFulltext(c, key, group);
    }
    for (Constraint con : schema.constraints()) {
      List<String> args = new ArrayList<>(List.of("CREATE", key, con.type(), con.entity().name(), con.label(), "PROPERTIES",
          Integer.toString(con.properties().size())));
      args.addAll(con.properties());
      c.command(key, "constraint creation", "GRAPH.CONSTRAINT", args.toArray(String[]::new));
    }
    c.awaitIndexes(key, true);
  }

  private static String pattern(Entity entity, String label) {
    return entity == Entity.NODE ? "(x" + Cypher.labels(List.of(label)) + ")" : "()-[x:" + Cypher.quote(label) + "]-()";
  }

  private static String vectorOptions(Index i) {
    Map<String, Object> o = i.options();
    Object fn = o.get("similarityFunction");
    if (!"euclidean".equals(fn) && !"cosine".equals(fn)) {
      throw incompatible(key(i), "unsupported vector similarity function");
    }
    StringBuilder sb = new StringBuilder("{similarityFunction: ");
    Cypher.literal(sb, fn);
    for (String k : List.of("dimension", "M", "efConstruction", "efRuntime")) {
      Object v = o.get(k);
      if (v == null && !k.equals("dimension")) {
        continue;
      }
      if (!(v instanceof Long n) || n <= 0) {
        throw incompatible(key(i), "vector index option '" + k + "' must be a positive integer");
      }
      sb.append(", ").append(k).append(": ").append(n);
    }
    return sb.append('}').toString();
  }

  private static void createFulltext(FalkorConnection c, String key, List<Index> fields) {
    Index first = fields.get(0);
    Map<String, Object> o = first.options();
    if (first.entity() == Entity.NODE) {
      Map<String, Object> params = new LinkedHashMap<>();
      Map<String, Object> spec = new LinkedHashMap<>();
      spec.put("label", first.label());
      spec.put("language", o.getOrDefault("language", "english"));
      List<?> stopwords = (List<?>) o.getOrDefault("stopwords", List.of());
      if (!stopwords.isEmpty()) {
        spec.put("stopwords", stopwords);
      }
      params.put("spec", spec);
      StringBuilder call = new StringBuilder("CALL db.idx.fulltext.createNodeIndex($spec");
      for (int i = 0; i < fields.size(); i++) {
        Map<String, Object> f = new LinkedHashMap<>();
        Map<String, Object> fo = fields.get(i).options();
        f.put("field", fields.get(i).property());
        f.put("weight", ((Number) fo.getOrDefault("weight", 1.0)).doubleValue());
        f.put("nostem", Boolean.TRUE.equals(fo.get("nostem")));
        if (Boolean.TRUE.equals(fo.get("phonetic"))) {
          f.put("phonetic", "dm:en");
        }
        params.put("f" + i, f);
        call.append(", $f").append(i);
      }
      c.query(key, call.append(')').toString(), params);
    } else {
      StringBuilder q = new StringBuilder("CREATE FULLTEXT INDEX FOR ").append(pattern(first.entity(), first.label())).append(" ON (");
      for (int i = 0; i < fields.size(); i++) {
        q.append(i > 0 ? ", " : "").append("x.").append(Cypher.quote(fields.get(i).property()));
      }
      q.append(") OPTIONS {language: ");
      Cypher.literal(q, o.getOrDefault("language", "english"));
      List<?> stopwords = (List<?>) o.getOrDefault("stopwords", List.of());
      if (!stopwords.isEmpty()) {
        q.append(", stopwords: ");
        Cypher.literal(q, stopwords);
      }
      c.query(key, q.append('}').toString(), Map.of());
    }
  }

  private static String key(Index i) {
    return i.entity() + " " + i.label() + "(" + i.property() + ")";
  }

  private static MaintenanceException incompatible(String what, String problem) {
    return new MaintenanceException(ErrorCode.INCOMPATIBLE_ARTIFACT, "index " + what + ": " + problem, Map.of("index", what));
  }
}
