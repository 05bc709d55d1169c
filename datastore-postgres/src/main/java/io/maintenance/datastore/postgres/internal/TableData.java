package io.maintenance.datastore.postgres.internal;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * The artifacts of one table in format 2: {@code <schema>.<table>_postgres.copy} holds the rows exactly as
 * {@code COPY ... TO STDOUT} sends them (PostgreSQL's text format, what {@code pg_dump} stores), streamed
 * verbatim both ways; {@code <schema>.<table>_postgres.json} is its header (format
 * {@value TableArtifact#FORMAT} version {@value #VERSION}: schema, table, the data columns in COPY order
 * with their types, the row count and the data artifact's name); {@code <schema>.<table>_postgres.sql}
 * has the table's own statements for people and other tools.
 */
public final class TableData {
  public static final int VERSION = 2;
  public static final String COPY_SUFFIX = "_postgres.copy";

  private TableData() {}

  /** One data column: its name and {@code format_type} (qualified). */
  public record Column(String name, String type) {}

  /** The name of part {@code index} (0-based) of a table's rows: {@code <base>_postgres.copy}, then {@code <base>_postgres.2.copy}, ... */
  public static String partName(String base, int index) {
    return index == 0 ? base + COPY_SUFFIX : base + "_postgres." + (index + 1) + ".copy";
  }

  /**
   * A parsed header.
   *
   * @param data the data artifacts, in order: one, or several when a parallel backup split a large table
   *     by block ranges (each part is COPY text of its rows; together they are the table's rows)
   */
  public record Header(String schema, String table, List<Column> columns, long rowCount, List<String> data) {
    public Header {
      columns = List.copyOf(columns);
      data = List.copyOf(data);
    }

    public String resourceName() {
      return Sql.resourceName(schema, table);
    }

    public String qualified() {
      return Sql.qualified(schema, table);
    }

    /** {@code (a, b, c)} or empty for a table without data columns. */
    public String columnList() {
      return columns.isEmpty() ? "" : " (" + String.join(", ", columns.stream().map(c -> Sql.quote(c.name())).toList()) + ")";
    }
  }

  public static void writeHeader(OutputStream out, Header h) throws IOException {
    try (JsonGenerator g = ArtifactJson.FACTORY.createGenerator(out)) {
      g.writeStartObject();
      g.writeStringField("format", TableArtifact.FORMAT);
      g.writeNumberField("version", VERSION);
      g.writeStringField("schema", h.schema());
      g.writeStringField("table", h.table());
      g.writeArrayFieldStart("columns");
      for (Column c : h.columns()) {
        g.writeStartObject();
        g.writeStringField("name", c.name());
        g.writeStringField("type", c.type());
        g.writeEndObject();
      }
      g.writeEndArray();
      g.writeArrayFieldStart("data");
      for (String d : h.data()) {
        g.writeString(d);
      }
      g.writeEndArray();
      g.writeNumberField("rowCount", h.rowCount());
      g.writeEndObject();
    }
  }

  /** The format version of a table header ({@code 1}: rows inside the JSON; {@code 2}: rows in a COPY artifact). */
  public static int version(InputStream in, String artifact) throws IOException {
    try (JsonParser p = ArtifactJson.FACTORY.createParser(in)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        throw PostgresErrors.artifact(artifact, 0, "the artifact must be a JSON object");
      }
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String f = p.currentName();
        p.nextToken();
        if (f.equals("version")) {
          return p.getValueAsInt(-1);
        }
        p.skipChildren();
      }
      return -1;
    } catch (JsonProcessingException e) {
      throw PostgresErrors.artifact(artifact, 0, "not a valid table artifact: " + e.getOriginalMessage());
    }
  }

  public static Header readHeader(InputStream in, String artifact) throws IOException {
    try (JsonParser p = ArtifactJson.FACTORY.createParser(in)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        throw PostgresErrors.artifact(artifact, 0, "the artifact must be a JSON object");
      }
      String format = null;
      int version = -1;
      String schema = null;
      String table = null;
      List<Column> columns = null;
      long rows = -1;
      List<String> data = null;
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String f = p.currentName();
        JsonToken t = p.nextToken();
        switch (f) {
          case "format" -> format = p.getValueAsString();
          case "version" -> version = p.getValueAsInt(-1);
          case "schema" -> schema = p.getValueAsString();
          case "table" -> table = p.getValueAsString();
          case "data" -> {
            if (t != JsonToken.START_ARRAY) {
              throw PostgresErrors.artifact(artifact, 0, "data must be an array of artifact names");
            }
            data = new ArrayList<>();
            while (p.nextToken() == JsonToken.VALUE_STRING) {
              data.add(p.getText());
            }
          }
          case "rowCount" -> rows = p.getValueAsLong(-1);
          case "columns" -> {
            if (t != JsonToken.START_ARRAY) {
              throw PostgresErrors.artifact(artifact, 0, "columns must be an array");
            }
            columns = new ArrayList<>();
            while (p.nextToken() == JsonToken.START_OBJECT) {
              String name = null;
              String type = null;
              while (p.nextToken() == JsonToken.FIELD_NAME) {
                String cf = p.currentName();
                p.nextToken();
                if (cf.equals("name")) {
                  name = p.getValueAsString();
                } else if (cf.equals("type")) {
                  type = p.getValueAsString();
                } else {
                  p.skipChildren();
                }
              }
              if (name == null || type == null) {
                throw PostgresErrors.artifact(artifact, 0, "a column lacks its name or type");
              }
              columns.add(new Column(Sql.checkIdentifier(name, "column name"), type));
            }
          }
          default -> p.skipChildren();
        }
      }
      if (p.nextToken() != null) {
        throw PostgresErrors.artifact(artifact, 0, "unexpected content after the artifact's end");
      }
      if (!TableArtifact.FORMAT.equals(format) || version != VERSION) {
        throw PostgresErrors.artifact(artifact, 0, "format '" + format + "' version " + version + " is not "
            + TableArtifact.FORMAT + " version " + VERSION);
      }
      if (schema == null || table == null || columns == null || data == null || rows < 0) {
        throw PostgresErrors.artifact(artifact, 0, "schema, table, columns, data and rowCount are required");
      }
      Sql.checkIdentifier(schema, "schema name");
      Sql.checkIdentifier(table, "table name");
      String base = Sql.artifactBase(schema, table);
      if (data.isEmpty()) {
        throw PostgresErrors.artifact(artifact, 0, "it names no data artifact");
      }
      for (int i = 0; i < data.size(); i++) {
        if (!data.get(i).equals(partName(base, i))) {
          throw PostgresErrors.artifact(artifact, 0, "its data artifact " + (i + 1) + " must be " + partName(base, i));
        }
      }
      while (in.read() >= 0) {
        // drain: the source checks size and digest at the end
      }
      return new Header(schema, table, columns, rows, data);
    } catch (JsonProcessingException e) {
      throw PostgresErrors.artifact(artifact, 0, "not a valid table artifact: " + e.getOriginalMessage());
    }
  }
}
