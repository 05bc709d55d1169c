package io.maintenance.datastore.postgres.internal;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.StreamWriteFeature;
import io.maintenance.datastore.postgres.internal.Model.Column;
import io.maintenance.datastore.postgres.internal.Model.Ddl;
import io.maintenance.datastore.postgres.internal.Model.Encoding;
import io.maintenance.datastore.postgres.internal.Model.SequenceValue;
import io.maintenance.datastore.postgres.internal.Model.Table;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.postgresql.copy.CopyOut;

/**
 * The {@code *_postgres.json} table artifact, format {@value #FORMAT} version {@value #VERSION}: a JSON
 * object whose fields come in this order — {@code format}, {@code version}, {@code schema}, {@code table},
 * {@code columns}, {@code primaryKey}, {@code dependsOn}, {@code sequences}, {@code ddl}, {@code rows}
 * (arrays of the data columns' values), {@code rowCount}. Written and read with Jackson's streaming API
 * so memory stays flat whatever the table size.
 */
public final class TableArtifact {
  public static final String FORMAT = "maintenance.postgres.table";
  public static final int VERSION = 1;
  public static final String JSON_SUFFIX = "_postgres.json";
  public static final String SQL_SUFFIX = "_postgres.sql";

  static final JsonFactory JSON = JsonFactory.builder()
      .disable(StreamWriteFeature.AUTO_CLOSE_TARGET)
      .disable(StreamReadFeature.AUTO_CLOSE_SOURCE)
      .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
      // Single values (text, bytea) may be up to 1 GB in PostgreSQL; Jackson's 20 MB default is too small.
      .streamReadConstraints(StreamReadConstraints.builder().maxStringLength(Integer.MAX_VALUE).build())
      .build();

  private TableArtifact() {}

  // ---------------------------------------------------------------- writing

  /** The COPY statement whose rows {@link #write} expects: the data columns (COPY TO skips child tables). */
  public static String copyOutSql(Table t) {
    String cols = t.dataColumns().stream().map(c -> Sql.quote(c.name())).collect(java.util.stream.Collectors.joining(", "));
    return "COPY " + t.qualified() + (cols.isEmpty() ? "" : " (" + cols + ")") + " TO STDOUT";
  }

  /** Streams the rows of {@code copy} (started with {@link #copyOutSql}) into a JSON artifact; returns the row count. */
  public static long write(OutputStream out, Table t, CopyOut copy, RowProgress progress) throws IOException, SQLException {
    List<Column> cols = t.dataColumns();
    Encoding[] enc = cols.stream().map(Column::encoding).toArray(Encoding[]::new);
    long rows = 0;
    try (JsonGenerator g = JSON.createGenerator(out)) {
      writeHeader(g, t);
      g.writeFieldName("rows");
      g.writeStartArray();
      byte[] scratch = new byte[1024];
      char[] chars = new char[32];
      byte[] row;
      while ((row = copy.readFromCopy()) != null) {
        int end = CopyText.rowEnd(row);
        int pos = -1;
        g.writeStartArray();
        for (Encoding e : enc) {
          int start = pos + 1;
          int special = CopyText.firstSpecial(row, start, end);
          boolean plain = special == end || row[special] == '\t';
          pos = plain ? special : CopyText.fieldEnd(row, special, end);
          if (!plain && CopyText.isNull(row, start, pos)) {
            g.writeNull();
            continue;
          }
          switch (e) {
            case NUMBER -> {
              int n = pos - start;
              if (chars.length < n) {
                chars = new char[n];
              }
              for (int i = 0; i < n; i++) {
                chars[i] = (char) row[start + i];
              }
              g.writeNumber(chars, 0, n);
            }
            case BOOLEAN -> g.writeBoolean(row[start] == 't');
            case BASE64 -> {
              // COPY shows bytea as \\x<hex>; after unescaping: \x<hex>.
              if (scratch.length < pos - start) {
                scratch = new byte[Math.max(pos - start, scratch.length * 2)];
              }
              int len = CopyText.unescape(row, start, pos, scratch);
              int n = 0;
              for (int i = 2; i + 1 < len; i += 2) {
                scratch[n++] = (byte) ((Character.digit(scratch[i], 16) << 4) | Character.digit(scratch[i + 1], 16));
              }
              g.writeBinary(scratch, 0, n);
            }
            case TEXT -> {
              if (plain) {
                // Nothing to unescape for COPY nor to escape for JSON: copy the bytes as they are.
                g.writeRawUTF8String(row, start, pos - start);
                break;
              }
              if (scratch.length < pos - start) {
                scratch = new byte[Math.max(pos - start, scratch.length * 2)];
              }
              int len = CopyText.unescape(row, start, pos, scratch);
              g.writeUTF8String(scratch, 0, len);
            }
          }
        }
        g.writeEndArray();
        rows++;
        if ((rows & 0xFFFF) == 0) {
          progress.rows(rows);
        }
      }
      g.writeEndArray();
      g.writeNumberField("rowCount", rows);
      g.writeEndObject();
    }
    progress.rows(rows);
    return rows;
  }

  private static void writeHeader(JsonGenerator g, Table t) throws IOException {
    g.writeStartObject();
    g.writeStringField("format", FORMAT);
    g.writeNumberField("version", VERSION);
    g.writeStringField("schema", t.schema());
    g.writeStringField("table", t.name());
    g.writeArrayFieldStart("columns");
    for (Column c : t.columns()) {
      g.writeStartObject();
      g.writeStringField("name", c.name());
      g.writeStringField("type", c.type());
      g.writeStringField("kind", c.kind());
      g.writeBooleanField("notNull", c.notNull());
      if (c.defaultExpr().isPresent()) {
        g.writeStringField("default", c.defaultExpr().get());
      } else {
        g.writeNullField("default");
      }
      g.writeBooleanField("generated", c.generated());
      g.writeStringField("identity", c.identity());
      g.writeStringField("encoding", c.encoding().json());
      g.writeEndObject();
    }
    g.writeEndArray();
    g.writeArrayFieldStart("primaryKey");
    for (String k : t.primaryKey()) {
      g.writeString(k);
    }
    g.writeEndArray();
    g.writeArrayFieldStart("dependsOn");
    for (String d : t.dependsOn()) {
      g.writeString(d);
    }
    g.writeEndArray();
    g.writeArrayFieldStart("sequences");
    for (SequenceValue s : t.sequences()) {
      g.writeStartObject();
      g.writeStringField("column", s.column());
      g.writeStringField("sequence", s.sequence());
      g.writeNumberField("lastValue", s.lastValue());
      g.writeBooleanField("isCalled", s.isCalled());
      g.writeEndObject();
    }
    g.writeEndArray();
    g.writeArrayFieldStart("ddl");
    for (Ddl d : t.ddl()) {
      g.writeStartObject();
      g.writeStringField("kind", d.kind());
      g.writeStringField("object", d.object());
      g.writeStringField("sql", d.sql());
      g.writeEndObject();
    }
    g.writeEndArray();
  }

  /** The schema-only companion: every DDL statement, in creation order. */
  public static void writeSql(OutputStream out, Table t) throws IOException {
    StringBuilder sb = new StringBuilder();
    sb.append("-- Schema of ").append(Sql.printable(t.resourceName())).append(", written by the maintenance ")
        .append("postgres plugin (").append(FORMAT).append(" v").append(VERSION).append(").\n")
        .append("-- Data is in the matching ").append(JSON_SUFFIX).append(" artifact.\n")
        .append("SET search_path = pg_catalog;\n\n");
    for (Ddl d : t.ddl()) {
      sb.append(d.sql()).append(";\n\n");
    }
    for (SequenceValue s : t.sequences()) {
      sb.append("SELECT setval(pg_get_serial_sequence(")
          .append(quoteLiteral(t.qualified())).append(", ").append(quoteLiteral(s.column())).append("), ")
          .append(s.lastValue()).append(", ").append(s.isCalled()).append(");\n");
    }
    out.write(sb.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
  }

  private static String quoteLiteral(String s) {
    return "'" + s.replace("'", "''") + "'";
  }

  /** Progress callback per batch of rows. */
  @FunctionalInterface
  public interface RowProgress {
    RowProgress NONE = rows -> {};

    void rows(long done);
  }

  // ---------------------------------------------------------------- reading

  /** Receives COPY text (several complete rows at a time). */
  @FunctionalInterface
  public interface CopySink {
    void write(byte[] buf, int len) throws IOException, SQLException;
  }

  /** Reads one artifact: {@link #header()} first, then {@link #copyRows}, then {@link #finish()}. */
  public static final class Reader implements AutoCloseable {
    private final JsonParser p;
    private final String artifact;
    private final Table header;
    private final String tableName;
    private long rows;

    private Reader(JsonParser p, String artifact) throws IOException {
      this.p = p;
      this.artifact = artifact;
      this.header = readHeader();
      this.tableName = header.resourceName();
    }

    /** Opens and parses the header (everything before {@code rows}). */
    public static Reader open(InputStream in, String artifact) throws IOException {
      JsonParser p = JSON.createParser(in);
      try {
        return new Reader(p, artifact);
      } catch (JsonProcessingException e) {
        p.close();
        throw Errors.artifact(artifact, 0, "not a valid table artifact: " + e.getOriginalMessage());
      } catch (IOException | RuntimeException e) {
        p.close();
        throw e;
      }
    }

    public Table header() {
      return header;
    }

    private Table readHeader() throws IOException {
      expect(p.nextToken(), JsonToken.START_OBJECT, "the artifact must be a JSON object");
      String format = null;
      int version = -1;
      String schema = null;
      String table = null;
      List<Column> columns = null;
      List<String> pk = List.of();
      List<String> dependsOn = List.of();
      List<SequenceValue> sequences = List.of();
      List<Ddl> ddl = List.of();
      while (true) {
        JsonToken t = p.nextToken();
        if (t != JsonToken.FIELD_NAME) {
          throw Errors.artifact(artifact, 0, "the artifact ends before its rows");
        }
        String field = p.currentName();
        p.nextToken();
        switch (field) {
          case "format" -> format = p.getValueAsString();
          case "version" -> version = p.getValueAsInt(-1);
          case "schema" -> schema = p.getValueAsString();
          case "table" -> table = p.getValueAsString();
          case "columns" -> columns = readColumns();
          case "primaryKey" -> pk = readStrings();
          case "dependsOn" -> dependsOn = readStrings();
          case "sequences" -> sequences = readSequences();
          case "ddl" -> ddl = readDdl();
          case "rows" -> {
            if (!FORMAT.equals(format)) {
              throw Errors.artifact(artifact, 0, "format is '" + format + "', expected '" + FORMAT + "'");
            }
            if (version != VERSION) {
              throw Errors.artifact(artifact, 0, "format version " + version + " is not supported (this plugin reads "
                  + VERSION + ")");
            }
            if (schema == null || table == null || columns == null) {
              throw Errors.artifact(artifact, 0, "schema, table and columns are required before rows");
            }
            Sql.checkIdentifier(schema, "schema name");
            Sql.checkIdentifier(table, "table name");
            for (Column c : columns) {
              Sql.checkIdentifier(c.name(), "column name");
            }
            expect(p.currentToken(), JsonToken.START_ARRAY, "rows must be an array");
            return new Table(schema, table, columns, pk, dependsOn, sequences, ddl);
          }
          default -> p.skipChildren();
        }
      }
    }

    private List<Column> readColumns() throws IOException {
      expect(p.currentToken(), JsonToken.START_ARRAY, "columns must be an array");
      List<Column> out = new ArrayList<>();
      while (p.nextToken() == JsonToken.START_OBJECT) {
        String name = null;
        String type = null;
        String kind = "base";
        boolean notNull = false;
        String def = null;
        boolean generated = false;
        String identity = "";
        String encoding = null;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
          String f = p.currentName();
          p.nextToken();
          switch (f) {
            case "name" -> name = p.getValueAsString();
            case "type" -> type = p.getValueAsString();
            case "kind" -> kind = p.getValueAsString("base");
            case "notNull" -> notNull = p.getValueAsBoolean();
            case "default" -> def = p.currentToken() == JsonToken.VALUE_NULL ? null : p.getValueAsString();
            case "generated" -> generated = p.getValueAsBoolean();
            case "identity" -> identity = p.getValueAsString("");
            case "encoding" -> encoding = p.getValueAsString();
            default -> p.skipChildren();
          }
        }
        if (name == null || type == null) {
          throw Errors.artifact(artifact, 0, "a column lacks its name or type");
        }
        String n = name;
        Encoding e = Encoding.fromJson(encoding).orElseThrow(() ->
            Errors.artifact(artifact, 0, "column " + Sql.printable(n) + " has an unknown encoding"));
        out.add(new Column(name, type, kind, notNull, Optional.ofNullable(def), generated, identity, e));
      }
      return out;
    }

    private List<String> readStrings() throws IOException {
      expect(p.currentToken(), JsonToken.START_ARRAY, "expected an array of strings");
      List<String> out = new ArrayList<>();
      while (p.nextToken() == JsonToken.VALUE_STRING) {
        out.add(p.getText());
      }
      return out;
    }

    private List<SequenceValue> readSequences() throws IOException {
      expect(p.currentToken(), JsonToken.START_ARRAY, "sequences must be an array");
      List<SequenceValue> out = new ArrayList<>();
      while (p.nextToken() == JsonToken.START_OBJECT) {
        String column = null;
        String sequence = "";
        long last = 1;
        boolean called = false;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
          String f = p.currentName();
          p.nextToken();
          switch (f) {
            case "column" -> column = p.getValueAsString();
            case "sequence" -> sequence = p.getValueAsString("");
            case "lastValue" -> last = p.getValueAsLong();
            case "isCalled" -> called = p.getValueAsBoolean();
            default -> p.skipChildren();
          }
        }
        if (column == null) {
          throw Errors.artifact(artifact, 0, "a sequence lacks its column");
        }
        out.add(new SequenceValue(column, sequence, last, called));
      }
      return out;
    }

    private List<Ddl> readDdl() throws IOException {
      expect(p.currentToken(), JsonToken.START_ARRAY, "ddl must be an array");
      List<Ddl> out = new ArrayList<>();
      while (p.nextToken() == JsonToken.START_OBJECT) {
        String kind = null;
        String object = "";
        String sql = null;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
          String f = p.currentName();
          p.nextToken();
          switch (f) {
            case "kind" -> kind = p.getValueAsString();
            case "object" -> object = p.getValueAsString("");
            case "sql" -> sql = p.getValueAsString();
            default -> p.skipChildren();
          }
        }
        if (kind == null || sql == null) {
          throw Errors.artifact(artifact, 0, "a ddl entry lacks its kind or sql");
        }
        out.add(new Ddl(kind, object, sql));
      }
      return out;
    }

    /**
     * Converts every row to COPY text for the header's data columns and hands it to {@code sink} in
     * batches. Checks arity and each value's JSON type against the column's encoding; the server checks
     * the values themselves. Returns the number of rows.
     */
    public long copyRows(CopySink sink, RowProgress progress) throws IOException, SQLException {
      List<Column> cols = header.dataColumns();
      Encoding[] enc = cols.stream().map(Column::encoding).toArray(Encoding[]::new);
      RowBuffer buf = new RowBuffer(256 * 1024);
      try {
        JsonToken t;
        while ((t = p.nextToken()) == JsonToken.START_ARRAY) {
          rows++;
          for (int i = 0; i < enc.length; i++) {
            JsonToken v = p.nextToken();
            if (v == JsonToken.END_ARRAY) {
              throw Errors.artifact(tableName, rows, "has " + i + " values, the table has " + enc.length + " columns");
            }
            if (i > 0) {
              buf.put((byte) '\t');
            }
            value(buf, enc[i], cols.get(i), v);
          }
          if (p.nextToken() != JsonToken.END_ARRAY) {
            throw Errors.artifact(tableName, rows, "has more values than the " + enc.length + " columns of the table");
          }
          buf.put((byte) '\n');
          if (buf.len >= 192 * 1024) {
            sink.write(buf.bytes, buf.len);
            buf.len = 0;
          }
          if ((rows & 0xFFFF) == 0) {
            progress.rows(rows);
          }
        }
        if (t != JsonToken.END_ARRAY) {
          throw Errors.artifact(tableName, rows + 1, "is not a JSON array");
        }
        if (buf.len > 0) {
          sink.write(buf.bytes, buf.len);
          buf.len = 0;
        }
      } catch (JsonProcessingException e) {
        throw Errors.artifact(tableName, rows, "invalid JSON: " + e.getOriginalMessage());
      }
      progress.rows(rows);
      return rows;
    }

    private void value(RowBuffer buf, Encoding enc, Column col, JsonToken v) throws IOException {
      if (v == JsonToken.VALUE_NULL) {
        buf.put((byte) '\\');
        buf.put((byte) 'N');
        return;
      }
      switch (enc) {
        case NUMBER -> {
          if (v != JsonToken.VALUE_NUMBER_INT) {
            throw badValue(col, "an integer");
          }
          char[] c = p.getTextCharacters();
          int off = p.getTextOffset();
          int n = p.getTextLength();
          buf.ensure(n);
          for (int i = 0; i < n; i++) {
            buf.bytes[buf.len++] = (byte) c[off + i];
          }
        }
        case BOOLEAN -> {
          if (v != JsonToken.VALUE_TRUE && v != JsonToken.VALUE_FALSE) {
            throw badValue(col, "true or false");
          }
          buf.put((byte) (v == JsonToken.VALUE_TRUE ? 't' : 'f'));
        }
        case BASE64 -> {
          if (v != JsonToken.VALUE_STRING) {
            throw badValue(col, "a base64 string");
          }
          byte[] data;
          try {
            data = p.getBinaryValue();
          } catch (JsonProcessingException e) {
            throw badValue(col, "valid base64");
          }
          buf.ensure(3 + data.length * 2);
          buf.bytes[buf.len++] = '\\';
          buf.bytes[buf.len++] = '\\';
          buf.bytes[buf.len++] = 'x';
          for (byte b : data) {
            buf.bytes[buf.len++] = HEX[(b >> 4) & 0xf];
            buf.bytes[buf.len++] = HEX[b & 0xf];
          }
        }
        case TEXT -> {
          if (v != JsonToken.VALUE_STRING) {
            throw badValue(col, "a string");
          }
          if (!buf.putEscaped(p.getTextCharacters(), p.getTextOffset(), p.getTextLength())) {
            throw badValue(col, "text without NUL characters");
          }
        }
      }
    }

    private RuntimeException badValue(Column col, String expected) {
      return Errors.artifact(tableName, rows, "column " + Sql.printable(col.name()) + " (" + col.type() + ") must be "
          + expected);
    }

    /** Reads the trailer and the end of the stream (which completes the integrity check). */
    public void finish() throws IOException {
      try {
        JsonToken t = p.nextToken();
        Long declared = null;
        while (t == JsonToken.FIELD_NAME) {
          String f = p.currentName();
          p.nextToken();
          if (f.equals("rowCount")) {
            declared = p.getValueAsLong();
          } else {
            p.skipChildren();
          }
          t = p.nextToken();
        }
        expect(t, JsonToken.END_OBJECT, "unexpected content after the rows");
        if (p.nextToken() != null) {
          throw Errors.artifact(tableName, 0, "unexpected content after the artifact's end");
        }
        if (declared == null || declared != rows) {
          throw Errors.artifact(tableName, 0, "declares rowCount " + declared + " but holds " + rows + " rows");
        }
      } catch (JsonProcessingException e) {
        throw Errors.artifact(tableName, 0, "invalid JSON after the rows: " + e.getOriginalMessage());
      }
    }

    private void expect(JsonToken actual, JsonToken expected, String problem) {
      if (actual != expected) {
        throw Errors.artifact(tableName == null ? artifact : tableName, 0, problem);
      }
    }

    @Override
    public void close() throws IOException {
      p.close();
    }
  }

  private static final byte[] HEX = "0123456789abcdef".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

  /** A growable byte buffer that encodes chars as UTF-8 with COPY text escapes. */
  static final class RowBuffer {
    byte[] bytes;
    int len;

    RowBuffer(int capacity) {
      bytes = new byte[capacity];
    }

    void ensure(int extra) {
      if (len + extra > bytes.length) {
        bytes = java.util.Arrays.copyOf(bytes, Math.max(bytes.length * 2, len + extra));
      }
    }

    void put(byte b) {
      ensure(1);
      bytes[len++] = b;
    }

    /** Appends escaped UTF-8; false if the text holds a NUL, which PostgreSQL text cannot store. */
    boolean putEscaped(char[] c, int off, int n) {
      ensure(n * 4);
      byte[] b = bytes;
      int o = len;
      for (int i = off, end = off + n; i < end; i++) {
        char ch = c[i];
        if (ch < 0x80) {
          switch (ch) {
            case 0 -> {
              return false;
            }
            case '\\' -> {
              b[o++] = '\\';
              b[o++] = '\\';
            }
            case '\n' -> {
              b[o++] = '\\';
              b[o++] = 'n';
            }
            case '\r' -> {
              b[o++] = '\\';
              b[o++] = 'r';
            }
            case '\t' -> {
              b[o++] = '\\';
              b[o++] = 't';
            }
            default -> b[o++] = (byte) ch;
          }
        } else if (ch < 0x800) {
          b[o++] = (byte) (0xc0 | (ch >> 6));
          b[o++] = (byte) (0x80 | (ch & 0x3f));
        } else if (Character.isHighSurrogate(ch) && i + 1 < end && Character.isLowSurrogate(c[i + 1])) {
          int cp = Character.toCodePoint(ch, c[++i]);
          b[o++] = (byte) (0xf0 | (cp >> 18));
          b[o++] = (byte) (0x80 | ((cp >> 12) & 0x3f));
          b[o++] = (byte) (0x80 | ((cp >> 6) & 0x3f));
          b[o++] = (byte) (0x80 | (cp & 0x3f));
        } else {
          b[o++] = (byte) (0xe0 | (ch >> 12));
          b[o++] = (byte) (0x80 | ((ch >> 6) & 0x3f));
          b[o++] = (byte) (0x80 | (ch & 0x3f));
        }
      }
      len = o;
      return true;
    }
  }
}
