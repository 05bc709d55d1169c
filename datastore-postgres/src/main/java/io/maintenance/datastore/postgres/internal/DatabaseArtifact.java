package io.maintenance.datastore.postgres.internal;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import io.maintenance.datastore.postgres.internal.DatabaseSchema.SequenceState;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The database-level schema artifact {@value #JSON} (format {@value #FORMAT}, version
 * {@value #VERSION}): every object in creation order with its statements and dependencies, sequence
 * states, populated materialized views, the roles and extensions it needs and what was not backed up;
 * and its companion {@value #SQL}, the same statements as a script for {@code psql}.
 */
public final class DatabaseArtifact {
  public static final String FORMAT = "maintenance.postgres.database";
  public static final int VERSION = 2;
  public static final String JSON = "database_postgres.json";
  public static final String SQL = "database_postgres.sql";

  private DatabaseArtifact() {}

  public static void write(OutputStream out, DatabaseSchema s) throws IOException {
    try (JsonGenerator g = ArtifactJson.FACTORY.createGenerator(out)) {
      g.writeStartObject();
      g.writeStringField("format", FORMAT);
      g.writeNumberField("version", VERSION);
      g.writeStringField("serverVersion", s.serverVersion());
      g.writeNumberField("serverVersionNum", s.serverVersionNum());
      g.writeBooleanField("whole", s.whole());
      strings(g, "roles", s.roles());
      g.writeObjectFieldStart("extensions");
      for (Map.Entry<String, String> e : s.extensions().entrySet()) {
        g.writeStringField(e.getKey(), e.getValue());
      }
      g.writeEndObject();
      strings(g, "tables", s.tables());
      g.writeArrayFieldStart("sequences");
      for (Map.Entry<String, SequenceState> e : s.sequences().entrySet()) {
        g.writeStartObject();
        g.writeStringField("sequence", e.getKey());
        g.writeNumberField("lastValue", e.getValue().lastValue());
        g.writeBooleanField("isCalled", e.getValue().isCalled());
        g.writeEndObject();
      }
      g.writeEndArray();
      strings(g, "populated", s.populated());
      strings(g, "unsupported", s.unsupported());
      g.writeArrayFieldStart("objects");
      for (SchemaObject o : s.objects()) {
        g.writeStartObject();
        g.writeStringField("id", o.id());
        g.writeStringField("kind", o.kind());
        g.writeStringField("schema", o.schema());
        g.writeStringField("table", o.table());
        g.writeStringField("section", o.section());
        strings(g, "dependsOn", o.dependsOn());
        strings(g, "sql", o.sql());
        g.writeEndObject();
      }
      g.writeEndArray();
      g.writeEndObject();
    }
  }

  private static void strings(JsonGenerator g, String field, List<String> values) throws IOException {
    g.writeArrayFieldStart(field);
    for (String v : values) {
      g.writeString(v);
    }
    g.writeEndArray();
  }

  /** The companion script: pre-data, then post-data, then sequence values, runnable with psql. */
  public static void writeSql(OutputStream out, DatabaseSchema s) throws IOException {
    StringBuilder sb = new StringBuilder("-- Schema of the database, written by the maintenance postgres plugin (")
        .append(FORMAT).append(" v").append(VERSION).append(") from PostgreSQL ").append(s.serverVersion()).append(".\n")
        .append("-- Rows are in the *_postgres.copy artifacts (COPY text format), loaded between the two sections.\n")
        .append("SET search_path = pg_catalog;\nSET check_function_bodies = false;\n");
    String section = "";
    for (SchemaObject o : s.objects()) {
      if (!o.section().equals(section)) {
        section = o.section();
        sb.append("\n-- ").append(section.equals(SchemaObject.PRE) ? "before" : "after").append(" the rows\n");
      }
      sb.append("\n-- ").append(Sql.printable(o.id())).append('\n');
      o.sql().forEach(q -> sb.append(q).append(";\n"));
    }
    for (String m : s.populated()) {
      sb.append("\nREFRESH ").append(m.toUpperCase(java.util.Locale.ROOT).substring(0, "materialized view ".length()))
          .append(m.substring("materialized view ".length())).append(";\n");
    }
    sb.append('\n');
    s.sequences().forEach((q, v) -> sb.append("SELECT setval(").append(Sql.literal(q)).append(", ")
        .append(v.lastValue()).append(", ").append(v.isCalled()).append(");\n"));
    out.write(sb.toString().getBytes(StandardCharsets.UTF_8));
  }

  /** Parses and checks the artifact; the whole of it is read, which completes its integrity check. */
  public static DatabaseSchema read(InputStream in) throws IOException {
    try (JsonParser p = ArtifactJson.FACTORY.createParser(in)) {
      DatabaseSchema s = parse(p);
      if (p.nextToken() != null) {
        throw PostgresErrors.artifact(JSON, 0, "unexpected content after the artifact's end");
      }
      while (in.read() >= 0) {
        // drain, so the source verifies size and digest
      }
      return s;
    } catch (JsonProcessingException e) {
      throw PostgresErrors.artifact(JSON, 0, "not a valid database artifact: " + e.getOriginalMessage());
    }
  }

  private static DatabaseSchema parse(JsonParser p) throws IOException {
    expect(p.nextToken() == JsonToken.START_OBJECT, "the artifact must be a JSON object");
    String format = null;
    int version = -1;
    String serverVersion = "";
    int versionNum = 0;
    boolean whole = false;
    List<String> roles = List.of();
    Map<String, String> extensions = new LinkedHashMap<>();
    List<String> tables = List.of();
    Map<String, SequenceState> sequences = new LinkedHashMap<>();
    List<String> populated = List.of();
    List<String> unsupported = List.of();
    List<SchemaObject> objects = new ArrayList<>();
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String field = p.currentName();
      JsonToken t = p.nextToken();
      switch (field) {
        case "format" -> format = p.getValueAsString();
        case "version" -> version = p.getValueAsInt(-1);
        case "serverVersion" -> serverVersion = p.getValueAsString("");
        case "serverVersionNum" -> versionNum = p.getValueAsInt(0);
        case "whole" -> whole = p.getValueAsBoolean();
        case "roles" -> roles = strings(p);
        case "extensions" -> {
          expect(t == JsonToken.START_OBJECT, "extensions must be an object");
          while (p.nextToken() == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            p.nextToken();
            extensions.put(name, p.getValueAsString(""));
          }
        }
        case "tables" -> tables = strings(p);
        case "sequences" -> {
          expect(t == JsonToken.START_ARRAY, "sequences must be an array");
          while (p.nextToken() == JsonToken.START_OBJECT) {
            String name = null;
            long last = 1;
            boolean called = false;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
              String f = p.currentName();
              p.nextToken();
              switch (f) {
                case "sequence" -> name = p.getValueAsString();
                case "lastValue" -> last = p.getValueAsLong();
                case "isCalled" -> called = p.getValueAsBoolean();
                default -> p.skipChildren();
              }
            }
            expect(name != null, "a sequence lacks its name");
            sequences.put(name, new SequenceState(last, called));
          }
        }
        case "populated" -> populated = strings(p);
        case "unsupported" -> unsupported = strings(p);
        case "objects" -> {
          expect(t == JsonToken.START_ARRAY, "objects must be an array");
          while (p.nextToken() == JsonToken.START_OBJECT) {
            objects.add(object(p));
          }
        }
        default -> p.skipChildren();
      }
    }
    expect(FORMAT.equals(format), "format is '" + format + "', expected '" + FORMAT + "'");
    expect(version == VERSION, "format version " + version + " is not supported (this plugin reads " + VERSION + ")");
    expect(versionNum > 0, "the server version is missing");
    return new DatabaseSchema(whole, versionNum, serverVersion, objects, tables, sequences, populated, roles, extensions, unsupported,
        Map.of());
  }

  private static SchemaObject object(JsonParser p) throws IOException {
    String id = null;
    String kind = null;
    String schema = null;
    String table = null;
    String section = null;
    List<String> deps = List.of();
    List<String> sql = List.of();
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String f = p.currentName();
      p.nextToken();
      switch (f) {
        case "id" -> id = p.getValueAsString();
        case "kind" -> kind = p.getValueAsString();
        case "schema" -> schema = p.getValueAsString();
        case "table" -> table = p.getValueAsString();
        case "section" -> section = p.getValueAsString();
        case "dependsOn" -> deps = strings(p);
        case "sql" -> sql = strings(p);
        default -> p.skipChildren();
      }
    }
    expect(id != null && kind != null && section != null, "an object lacks its id, kind or section");
    expect(SchemaObject.PRE.equals(section) || SchemaObject.POST.equals(section), "object " + Sql.printable(id)
        + " has an unknown section");
    SchemaObject o = new SchemaObject(id, kind, schema, table, section, sql, deps);
    DdlGuard.check(o);
    return o;
  }

  private static List<String> strings(JsonParser p) throws IOException {
    expect(p.currentToken() == JsonToken.START_ARRAY, "expected an array of strings");
    List<String> out = new ArrayList<>();
    JsonToken t;
    while ((t = p.nextToken()) == JsonToken.VALUE_STRING) {
      out.add(p.getText());
    }
    expect(t == JsonToken.END_ARRAY, "expected an array of strings");
    return out;
  }

  private static void expect(boolean ok, String problem) {
    if (!ok) {
      throw PostgresErrors.artifact(JSON, 0, problem);
    }
  }
}
