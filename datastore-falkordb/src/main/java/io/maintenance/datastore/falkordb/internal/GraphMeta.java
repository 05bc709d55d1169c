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
 * the schema names in id order, indexes and constraints, and the name the payload carries. Written beside
 * the payload as {@code graph-<name>.meta.json}; a restore checks the payload against it.
 *
 * <p>Version 1 payloads carry the graph's own name (a DUMP of the live graph); version 2 payloads carry
 * {@code payloadGraph}, the reserved name of the private copy that was dumped (see {@link Backup}), and are
 * restored under that name, then renamed into place.
 */
public record GraphMeta(String graph, String falkordbVersion, int encodingVersion, int rdbVersion, long payloadSize,
    Map<String, Long> counts, GraphNames names, GraphSchema schema, String payloadGraph) {
  public static final String FORMAT = "falkordb-graph-dump";
  /** The version written for a payload dumped from a copy; 1 (the graph's own name inside) is still read. */
  public static final int VERSION = 2;
  public static final String CONTENT_TYPE = "application/json";

  private static final JsonFactory JSON = JsonFactory.builder()
      .disable(StreamReadFeature.AUTO_CLOSE_SOURCE)
      .disable(StreamWriteFeature.AUTO_CLOSE_TARGET)
      .build();

  public GraphMeta {
    counts = Map.copyOf(new TreeMap<>(counts));
    payloadGraph = payloadGraph == null ? graph : payloadGraph;
  }

  /** Whether the payload carries another name than the graph's (restored under it, then renamed). */
  public boolean renamed() {
    return !graph.equals(payloadGraph);
  }

  public void write(OutputStream out) throws IOException {
    try (JsonGenerator g = JSON.createGenerator(out)) {
      g.writeStartObject();
      g.writeStringField("format", FORMAT);
      g.writeNumberField("version", renamed() ? VERSION : 1);
      g.writeStringField("graph", graph);
      if (renamed()) {
        g.writeStringField("payloadGraph", payloadGraph);
      }
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
      String payloadGraph = null;
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
          case "payloadGraph" -> payloadGraph = p.getValueAsString();
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
      if (!FORMAT.equals(format) || version == null || version < 1 || version > VERSION) {
        throw new ArtifactFormatException("unsupported graph metadata (format " + format + ", version " + version + ")");
      }
      if ((version == 1) != (payloadGraph == null) || graph.equals(payloadGraph)) {
        throw new ArtifactFormatException(version == 1 ? "version 1 graph metadata cannot name a payload graph"
            : "version " + version + " graph metadata must name the payload's own graph, another than '" + graph + "'");
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
      return new GraphMeta(name, falkordb, (int) encoding, (int) rdb, size, counts, names, schema, payloadGraph);
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
