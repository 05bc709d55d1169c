package io.maintenance.datastore.falkordb.internal;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.io.SerializedString;
import io.maintenance.datastore.falkordb.internal.GraphSchema.Constraint;
import io.maintenance.datastore.falkordb.internal.GraphSchema.Entity;
import io.maintenance.datastore.falkordb.internal.GraphSchema.Index;
import io.maintenance.datastore.falkordb.internal.GraphSchema.IndexKind;
import io.maintenance.spi.support.Digests;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The artifact of one graph: gzip-compressed JSON lines.
 *
 * <pre>
 * {"format":"falkordb-graph","version":1,"graph":"social","falkordb":"4.16.3"}
 * {"schema":{"indexes":[...],"constraints":[...]}}
 * {"n":[id,["Label",...],{"key":value,...}]}             one line per node, ascending ids
 * {"e":[sourceId,targetId,"TYPE",{"key":value,...}]}     one line per edge, after all nodes
 * {"end":{"nodes":N,"edges":M}}
 * </pre>
 *
 * Ids are the source graph's node ids, used only to connect edges. Values are encoded by
 * {@link ValueJson}.
 */
public final class Artifact {
  public static final String FORMAT = "falkordb-graph";
  /** 2 added the names in id order and edge ids (edges in id order); version 1 artifacts are still read. */
  public static final int VERSION = 2;
  public static final String CONTENT_TYPE = "application/x-ndjson";
  /** Node ids above this are refused: they would not come from a real server. */
  public static final long MAX_NODE_ID = (1L << 40) - 1;

  private static final JsonFactory JSON = JsonFactory.builder()
      // A single string property may be large; a record is still streamed value by value.
      .streamReadConstraints(StreamReadConstraints.builder().maxStringLength(512 * 1024 * 1024).maxNestingDepth(1000).build())
      // The caller closes the stream: closing is what makes the source verify its checksum.
      .disable(com.fasterxml.jackson.core.StreamReadFeature.AUTO_CLOSE_SOURCE)
      .disable(com.fasterxml.jackson.core.StreamWriteFeature.AUTO_CLOSE_TARGET)
      // Both exact (shortest round-trip form / correctly rounded parse), several times faster than the JDK's.
      .enable(com.fasterxml.jackson.core.StreamWriteFeature.USE_FAST_DOUBLE_WRITER)
      .enable(com.fasterxml.jackson.core.StreamReadFeature.USE_FAST_DOUBLE_PARSER)
      .build();

  private Artifact() {}

  /** The logical artifact of a graph. */
  public static String nameFor(String graph) {
    return baseName(graph) + ".ndjson";
  }

  /** The physical artifact of a graph (the server's DUMP payload). */
  public static String dumpName(String graph) {
    return baseName(graph) + ".dump";
  }

  /** The metadata beside a physical artifact. */
  public static String metaName(String graph) {
    return baseName(graph) + ".meta.json";
  }

  /** The common stem of a graph's artifact names: a safe storage segment, reversible for short names. */
  static String baseName(String graph) {
    StringBuilder sb = new StringBuilder();
    for (byte b : graph.getBytes(StandardCharsets.UTF_8)) {
      int c = b & 0xff;
      if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_') {
        sb.append((char) c);
      } else {
        sb.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
            .append(Character.toUpperCase(Character.forDigit(c & 0xf, 16)));
      }
    }
    String encoded = sb.length() == 0 ? "%" : sb.toString();
    if (encoded.length() > 180) {
      encoded = encoded.substring(0, 100) + "~" + Digests.sha256Hex(graph).substring(0, 32);
    }
    return "graph-" + encoded;
  }

  /** Writes a schema object (indexes and constraints). */
  static void writeSchema(JsonGenerator g, GraphSchema schema) throws IOException {
    g.writeStartObject();
    g.writeArrayFieldStart("indexes");
    for (Index i : schema.indexes()) {
      g.writeStartObject();
      g.writeStringField("entity", i.entity().name());
      g.writeStringField("label", i.label());
      g.writeStringField("kind", i.kind().name());
      g.writeStringField("property", i.property());
      g.writeObjectFieldStart("options");
      for (Map.Entry<String, Object> o : i.options().entrySet()) {
        g.writeFieldName(o.getKey());
        ValueJson.write(g, o.getValue());
      }
      g.writeEndObject();
      g.writeEndObject();
    }
    g.writeEndArray();
    g.writeArrayFieldStart("constraints");
    for (Constraint c : schema.constraints()) {
      g.writeStartObject();
      g.writeStringField("type", c.type());
      g.writeStringField("entity", c.entity().name());
      g.writeStringField("label", c.label());
      g.writeArrayFieldStart("properties");
      for (String p : c.properties()) {
        g.writeString(p);
      }
      g.writeEndArray();
      g.writeEndObject();
    }
    g.writeEndArray();
    g.writeEndObject();
  }

  /** Writes names in id order: {"labels": [...], "types": [...], "keys": [...]}. */
  static void writeNames(JsonGenerator g, GraphNames names) throws IOException {
    g.writeStartObject();
    for (Map.Entry<String, List<String>> e : Map.of("labels", names.labels(), "types", names.types(), "keys", names.keys())
        .entrySet().stream().sorted(Map.Entry.comparingByKey()).toList()) {
      g.writeArrayFieldStart(e.getKey());
      for (String n : e.getValue()) {
        g.writeString(n);
      }
      g.writeEndArray();
    }
    g.writeEndObject();
  }

  /** Reads what {@link #writeNames} wrote; the current token is its START_OBJECT. */
  static GraphNames readNames(JsonParser p) throws IOException {
    if (p.currentToken() != JsonToken.START_OBJECT) {
      throw new ArtifactFormatException("names must be an object");
    }
    Map<String, List<String>> lists = new java.util.HashMap<>();
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String field = p.currentName();
      expect(p, JsonToken.START_ARRAY, field);
      List<String> names = new ArrayList<>();
      while (p.nextToken() != JsonToken.END_ARRAY) {
        names.add(checkIdentifier(text(p, field), field));
      }
      lists.put(field, names);
    }
    if (!lists.keySet().equals(java.util.Set.of("labels", "types", "keys"))) {
      throw new ArtifactFormatException("names need labels, types and keys");
    }
    return new GraphNames(lists.get("labels"), lists.get("types"), lists.get("keys"));
  }

  // ---------------------------------------------------------------- writing

  /** Writes one graph's records in order. */
  public static final class Writer implements AutoCloseable {
    private final OutputStream out;
    private final JsonGenerator g;
    private final java.io.ByteArrayOutputStream recordBytes = new java.io.ByteArrayOutputStream();
    private final JsonGenerator record;

    public Writer(OutputStream out) throws IOException {
      this.out = out;
      g = JSON.createGenerator(out);
      g.setRootValueSeparator(new SerializedString("\n"));
      record = JSON.createGenerator(recordBytes);
      record.setRootValueSeparator(null); // each record alone (the default " " started every record but the first)
    }

    public void header(String graph, String serverVersion) throws IOException {
      g.writeStartObject();
      g.writeStringField("format", FORMAT);
      g.writeNumberField("version", VERSION);
      g.writeStringField("graph", graph);
      g.writeStringField("falkordb", serverVersion);
      g.writeEndObject();
    }

    public void schema(GraphSchema schema, GraphNames names) throws IOException {
      g.writeStartObject();
      g.writeFieldName("schema");
      writeSchema(g, schema);
      g.writeFieldName("names");
      writeNames(g, names);
      g.writeEndObject();
    }

    public void node(long id, List<String> labels, List<String> keys, List<Object> values) throws IOException {
      g.writeStartObject();
      g.writeArrayFieldStart("n");
      g.writeNumber(id);
      g.writeStartArray();
      for (String l : labels) {
        g.writeString(l);
      }
      g.writeEndArray();
      properties(keys, values);
      g.writeEndArray();
      g.writeEndObject();
    }

    /** An edge record as bytes (edges are spooled and written in id order with {@link #raw}). */
    public byte[] edge(long id, long source, long target, String type, List<String> keys, List<Object> values) throws IOException {
      recordBytes.reset();
      record.writeStartObject();
      record.writeArrayFieldStart("e");
      record.writeNumber(source);
      record.writeNumber(target);
      record.writeString(type);
      properties(record, keys, values);
      record.writeNumber(id);
      record.writeEndArray();
      record.writeEndObject();
      record.flush();
      return recordBytes.toByteArray();
    }

    /** Writes a record made by {@link #edge}. */
    public void raw(byte[] recordJson) throws IOException {
      g.flush();
      out.write('\n');
      out.write(recordJson);
    }

    private void properties(List<String> keys, List<Object> values) throws IOException {
      properties(g, keys, values);
    }

    private static void properties(JsonGenerator g, List<String> keys, List<Object> values) throws IOException {
      g.writeStartObject();
      for (int i = 0; i < keys.size(); i++) {
        g.writeFieldName(keys.get(i));
        ValueJson.write(g, values.get(i));
      }
      g.writeEndObject();
    }

    public void end(long nodes, long edges) throws IOException {
      g.writeStartObject();
      g.writeObjectFieldStart("end");
      g.writeNumberField("nodes", nodes);
      g.writeNumberField("edges", edges);
      g.writeEndObject();
      g.writeEndObject();
      g.writeRaw('\n');
    }

    @Override
    public void close() throws IOException {
      record.close();
      g.close();
    }
  }

  // ---------------------------------------------------------------- reading

  /** Receives the records of an artifact, already validated for shape and identifiers. */
  public interface Visitor {
    /** The schema, and the names in id order (empty for version 1 artifacts, which did not record them). */
    void schema(GraphSchema schema, GraphNames names);

    void node(long id, List<String> labels, Map<String, Object> properties);

    /** Called once, after the last node and before the first edge (also when there are no edges). */
    default void nodesDone() {}

    /** An edge; ids ascend (version 1 artifacts, which did not record them, number edges in artifact order). */
    void edge(long id, long source, long target, String type, Map<String, Object> properties);

    /** The end record matched the records seen. */
    default void end(long nodes, long edges) {}
  }

  /**
   * Parses an artifact written for {@code graph} and feeds the visitor; throws
   * {@link ArtifactFormatException} for anything that is not a valid export of that graph.
   */
  public static void read(InputStream in, String graph, Visitor visitor) throws IOException {
    try (JsonParser p = JSON.createParser(in)) {
      expectObject(p, "header");
      Map<String, Object> header = flatObject(p);
      if (!FORMAT.equals(header.get("format"))) {
        throw new ArtifactFormatException("not a FalkorDB graph export (format " + header.get("format") + ")");
      }
      Object version = header.get("version");
      if (!Long.valueOf(VERSION).equals(version) && !Long.valueOf(1).equals(version)) {
        throw new ArtifactFormatException("unsupported artifact version " + version);
      }
      boolean v1 = Long.valueOf(1).equals(version);
      if (!graph.equals(header.get("graph"))) {
        throw new ArtifactFormatException("the artifact holds another graph");
      }
      expectObject(p, "schema record");
      expectField(p, "schema");
      GraphSchema schema = schema(p);
      GraphNames names = GraphNames.EMPTY;
      if (!v1) {
        expectField(p, "names");
        p.nextToken();
        names = readNames(p);
      }
      closeRecord(p);
      for (String id : schema.identifiers()) {
        checkIdentifier(id, "schema");
      }
      visitor.schema(schema, names);

      long nodes = 0;
      long edges = 0;
      boolean inEdges = false;
      long lastNode = -1;
      long lastEdge = -1;
      while (true) {
        expectObject(p, "record");
        String kind = nextField(p);
        if ("n".equals(kind)) {
          if (inEdges) {
            throw new ArtifactFormatException("node record after the first edge");
          }
          expect(p, JsonToken.START_ARRAY, "node record");
          long id = nodeId(p);
          if (id <= lastNode) {
            throw new ArtifactFormatException("node ids are not ascending at node " + id);
          }
          lastNode = id;
          expect(p, JsonToken.START_ARRAY, "labels");
          List<String> labels = new ArrayList<>();
          while (p.nextToken() != JsonToken.END_ARRAY) {
            labels.add(checkIdentifier(text(p, "label"), "label"));
          }
          Map<String, Object> props = properties(p);
          expect(p, JsonToken.END_ARRAY, "end of node record");
          closeRecord(p);
          visitor.node(id, labels, props);
          nodes++;
        } else if ("e".equals(kind)) {
          if (!inEdges) {
            inEdges = true;
            visitor.nodesDone();
          }
          expect(p, JsonToken.START_ARRAY, "edge record");
          long source = nodeId(p);
          long target = nodeId(p);
          p.nextToken();
          String type = checkIdentifier(text(p, "relationship type"), "relationship type");
          Map<String, Object> props = properties(p);
          long id = v1 ? edges : nodeId(p);
          if (id <= lastEdge) {
            throw new ArtifactFormatException("edge ids are not ascending at edge " + id);
          }
          lastEdge = id;
          expect(p, JsonToken.END_ARRAY, "end of edge record");
          closeRecord(p);
          visitor.edge(id, source, target, type, props);
          edges++;
        } else if ("end".equals(kind)) {
          expect(p, JsonToken.START_OBJECT, "end record");
          Map<String, Object> end = flatObject(p);
          closeRecord(p);
          if (!Long.valueOf(nodes).equals(end.get("nodes")) || !Long.valueOf(edges).equals(end.get("edges"))) {
            throw new ArtifactFormatException("the end record counts " + end + " but the artifact holds " + nodes + " nodes and "
                + edges + " edges");
          }
          if (p.nextToken() != null) {
            throw new ArtifactFormatException("data after the end record");
          }
          if (!inEdges) {
            visitor.nodesDone();
          }
          visitor.end(nodes, edges);
          return;
        } else {
          throw new ArtifactFormatException("unknown record '" + kind + "'");
        }
      }
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new ArtifactFormatException("malformed JSON: " + e.getOriginalMessage());
    }
  }

  static String checkIdentifier(String name, String what) {
    Cypher.identifierProblem(name).ifPresent(problem -> {
      throw new ArtifactFormatException(what + " '" + name.replaceAll("\\p{Cntrl}", "?") + "' " + problem);
    });
    return name;
  }

  private static long nodeId(JsonParser p) throws IOException {
    if (p.nextToken() != JsonToken.VALUE_NUMBER_INT || p.getNumberType() == JsonParser.NumberType.BIG_INTEGER) {
      throw new ArtifactFormatException("a node id must be an integer");
    }
    long id = p.getLongValue();
    if (id < 0 || id > MAX_NODE_ID) {
      throw new ArtifactFormatException("node id " + id + " is out of range");
    }
    return id;
  }

  private static Map<String, Object> properties(JsonParser p) throws IOException {
    expect(p, JsonToken.START_OBJECT, "properties");
    Map<String, Object> props = new LinkedHashMap<>();
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String key = checkIdentifier(p.currentName(), "property key");
      p.nextToken();
      if (props.put(key, ValueJson.read(p)) != null) {
        throw new ArtifactFormatException("property key '" + key + "' appears twice");
      }
    }
    return props;
  }

  private static GraphSchema schema(JsonParser p) throws IOException {
    p.nextToken();
    return readSchema(p);
  }

  /** Reads what {@link #writeSchema} wrote; the current token is its START_OBJECT. */
  static GraphSchema readSchema(JsonParser p) throws IOException {
    if (p.currentToken() != JsonToken.START_OBJECT) {
      throw new ArtifactFormatException("expected schema");
    }
    List<Index> indexes = new ArrayList<>();
    List<Constraint> constraints = new ArrayList<>();
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String field = p.currentName();
      expect(p, JsonToken.START_ARRAY, field);
      while (p.nextToken() == JsonToken.START_OBJECT) {
        Map<String, Object> m = new LinkedHashMap<>();
        while (p.nextToken() == JsonToken.FIELD_NAME) {
          String k = p.currentName();
          p.nextToken();
          m.put(k, p.currentToken() == JsonToken.START_OBJECT ? flatObject(p) : ValueJson.read(p));
        }
        try {
          if ("indexes".equals(field)) {
            @SuppressWarnings("unchecked")
            Map<String, Object> options = (Map<String, Object>) m.getOrDefault("options", Map.of());
            indexes.add(new Index(Entity.valueOf((String) m.get("entity")), (String) m.get("label"),
                IndexKind.valueOf((String) m.get("kind")), (String) m.get("property"), options));
          } else if ("constraints".equals(field)) {
            List<String> props = new ArrayList<>();
            for (Object o : (List<?>) m.get("properties")) {
              props.add((String) o);
            }
            String type = (String) m.get("type");
            if (!"UNIQUE".equals(type) && !"MANDATORY".equals(type)) {
              throw new ArtifactFormatException("unknown constraint type '" + type + "'");
            }
            constraints.add(new Constraint(type, Entity.valueOf((String) m.get("entity")), (String) m.get("label"), props));
          } else {
            throw new ArtifactFormatException("unknown schema section '" + field + "'");
          }
        } catch (ClassCastException | NullPointerException | IllegalArgumentException e) {
          if (e instanceof ArtifactFormatException afe) {
            throw afe;
          }
          throw new ArtifactFormatException("invalid " + field + " entry");
        }
      }
    }
    return new GraphSchema(indexes, constraints);
  }

  /** An object of scalar or list values, the current token being its START_OBJECT. */
  private static Map<String, Object> flatObject(JsonParser p) throws IOException {
    Map<String, Object> m = new LinkedHashMap<>();
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String k = p.currentName();
      p.nextToken();
      m.put(k, ValueJson.read(p));
    }
    return m;
  }

  private static void expectObject(JsonParser p, String what) throws IOException {
    if (p.nextToken() != JsonToken.START_OBJECT) {
      throw new ArtifactFormatException("expected the " + what + (p.currentToken() == null ? ", the artifact ended" : ""));
    }
  }

  private static void expectField(JsonParser p, String name) throws IOException {
    if (!name.equals(nextField(p))) {
      throw new ArtifactFormatException("expected field '" + name + "'");
    }
  }

  private static String nextField(JsonParser p) throws IOException {
    if (p.nextToken() != JsonToken.FIELD_NAME) {
      throw new ArtifactFormatException("expected a record");
    }
    return p.currentName();
  }

  private static void closeRecord(JsonParser p) throws IOException {
    if (p.nextToken() != JsonToken.END_OBJECT) {
      throw new ArtifactFormatException("a record has extra fields");
    }
  }

  private static void expect(JsonParser p, JsonToken t, String what) throws IOException {
    if (p.nextToken() != t) {
      throw new ArtifactFormatException("expected " + what);
    }
  }

  private static String text(JsonParser p, String what) throws IOException {
    if (p.currentToken() != JsonToken.VALUE_STRING) {
      throw new ArtifactFormatException(what + " must be a string");
    }
    return p.getText();
  }
}
