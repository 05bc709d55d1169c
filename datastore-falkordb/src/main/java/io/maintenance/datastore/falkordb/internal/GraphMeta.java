package io.maintenance.datastore.falkordb.internal;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.StreamWriteFeature;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Map;
import java.util.TreeMap;

/**
 * What a physical artifact holds, readable without the payload: the graph, the server it came from
 * (FalkorDB version, encoding version, RDB version), the payload's size, counts per label and type,
 * the schema names in id order, indexes and constraints. Written beside the payload as
 * {@code graph-<name>.meta.json}; a restore checks the payload against it.
 */
public record GraphMeta(String graph, String falkordbVersion, int encodingVersion, int rdbVersion, long payloadSize,
    Map<String, Long> counts, GraphNames names, GraphSchema schema) {
  public static final String FORMAT = "falkordb-graph-dump";
  public static final int VERSION = 1;
  public static final String CONTENT_TYPE = "application/json";

  private static final JsonFactory JSON = JsonFactory.builder()
      .disable(StreamReadFeature.AUTO_CLOSE_SOURCE)
      .disable(StreamWriteFeature.AUTO_CLOSE_TARGET)
      .build();

  public GraphMeta {
    counts = Map.copyOf(new TreeMap<>(counts));
  }

  public void write(OutputStream out) throws IOException {
    try (JsonGenerator g = JSON.createGenerator(out)) {
      g.writeStartObject();
      g.writeStringField("format", FORMAT);
      g.writeNumberField("version", VERSION);
      g.writeStringField("graph", graph);
      g.writeStringField("falkordb", falkordbVersion);
      g.writeNumberField("encoding", encodingVersion);
      g.writeNumberField("rdb", rdbVersion);
      g.writeNumberField("payloadSize", payloadSize);
      g.writeObjectFieldStart("counts");
      for (Map.Entry<String, Long> e : new TreeMap<>(counts).entrySet()) {
        g.writeNumberField(e.getKey(), e.getValue());
      }
      g.writeEndObject();
      g.writeFieldName("names");
      Artifact.writeNames(g, names);
      g.writeFieldName("schema");
      Artifact.writeSchema(g, schema);
      g.writeEndObject();
    }
  }

  /** Reads the metadata of {@code graph}; {@link ArtifactFormatException} for anything else. */
  public static GraphMeta read(InputStream in, String graph) throws IOException {
    try (JsonParser p = JSON.createParser(in)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        throw new ArtifactFormatException("not a graph metadata record");
      }
      String format = null;
      Long version = null;
      String name = null;
      String falkordb = null;
      long encoding = -1;
      long rdb = -1;
      long size = -1;
      Map<String, Long> counts = new TreeMap<>();
      GraphNames names = null;
      GraphSchema schema = null;
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String field = p.currentName();
        JsonToken t = p.nextToken();
        switch (field) {
          case "format" -> format = p.getValueAsString();
          case "version" -> version = t == JsonToken.VALUE_NUMBER_INT ? p.getLongValue() : null;
          case "graph" -> name = p.getValueAsString();
          case "falkordb" -> falkordb = p.getValueAsString();
          case "encoding" -> encoding = number(p, field);
          case "rdb" -> rdb = number(p, field);
          case "payloadSize" -> size = number(p, field);
          case "counts" -> {
            if (t != JsonToken.START_OBJECT) {
              throw new ArtifactFormatException("counts must be an object");
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
              String k = p.currentName();
              p.nextToken();
              counts.put(k, number(p, k));
            }
          }
          case "names" -> names = Artifact.readNames(p);
          case "schema" -> schema = Artifact.readSchema(p);
          default -> throw new ArtifactFormatException("unknown field '" + field + "' in the graph metadata");
        }
      }
      if (!FORMAT.equals(format) || !Long.valueOf(VERSION).equals(version)) {
        throw new ArtifactFormatException("unsupported graph metadata (format " + format + ", version " + version + ")");
      }
      if (!graph.equals(name)) {
        throw new ArtifactFormatException("the metadata describes another graph");
      }
      if (falkordb == null || encoding < 0 || rdb < 0 || size < 0 || names == null || schema == null
          || !counts.containsKey(GraphCounts.NODES) || !counts.containsKey(GraphCounts.EDGES)) {
        throw new ArtifactFormatException("the graph metadata is incomplete");
      }
      for (String id : schema.identifiers()) {
        Artifact.checkIdentifier(id, "schema");
      }
      return new GraphMeta(name, falkordb, (int) encoding, (int) rdb, size, counts, names, schema);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new ArtifactFormatException("malformed JSON: " + e.getOriginalMessage());
    }
  }

  private static long number(JsonParser p, String field) throws IOException {
    if (p.currentToken() != JsonToken.VALUE_NUMBER_INT || p.getNumberType() == JsonParser.NumberType.BIG_INTEGER
        || p.getLongValue() < 0) {
      throw new ArtifactFormatException(field + " must be a non-negative integer");
    }
    return p.getLongValue();
  }
}
