package io.maintenance.datastore.postgres.internal;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import io.maintenance.datastore.postgres.internal.Model.Column;
import io.maintenance.datastore.postgres.internal.Model.Ddl;
import io.maintenance.datastore.postgres.internal.Model.Encoding;
import io.maintenance.datastore.postgres.internal.Model.SequenceValue;
import io.maintenance.datastore.postgres.internal.Model.Table;
import java.io.IOException;
import java.io.InputStream;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Reads a format 1 table artifact ({@code *_postgres.json} of format {@value TableArtifact#FORMAT} version
 * {@value #VERSION}): a JSON object whose fields come in this order — {@code format}, {@code version},
 * {@code schema}, {@code table}, {@code columns}, {@code primaryKey}, {@code dependsOn}, {@code sequences},
 * {@code ddl}, {@code rows} (arrays of the data columns' values), {@code rowCount}. Streamed with Jackson so
 * memory stays flat whatever the table size: {@link #header()} first, then {@link #copyRows}, then
 * {@link #finish()}.
 */
public final class FormatOneReader implements AutoCloseable {
  public static final int VERSION = 1;

  /** Progress callback per batch of rows. */
  @FunctionalInterface
  public interface RowProgress {
    void rows(long done);
  }

  /** Receives COPY text (several complete rows at a time). */
  @FunctionalInterface
  public interface CopySink {
    void write(byte[] buf, int len) throws IOException, SQLException;
  }

  private final JsonParser p;
  private final String artifact;
  private final Table header;
  private final String tableName;
  private long rows;

  private FormatOneReader(JsonParser p, String artifact) throws IOException {
    this.p = p;
    this.artifact = artifact;
    this.header = readHeader();
    this.tableName = header.resourceName();
  }

  /** Opens and parses the header (everything before {@code rows}). */
  public static FormatOneReader open(InputStream in, String artifact) throws IOException {
    JsonParser p = ArtifactJson.FACTORY.createParser(in);
    try {
      return new FormatOneReader(p, artifact);
    } catch (JsonProcessingException e) {
      p.close();
      throw PostgresErrors.artifact(artifact, 0, "not a valid table artifact: " + e.getOriginalMessage());
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
        throw PostgresErrors.artifact(artifact, 0, "the artifact ends before its rows");
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
          if (!TableArtifact.FORMAT.equals(format)) {
            throw PostgresErrors.artifact(artifact, 0, "format is '" + format + "', expected '" + TableArtifact.FORMAT + "'");
          }
          if (version != VERSION) {
            throw PostgresErrors.artifact(artifact, 0, "format version " + version + " is not supported (this plugin reads "
                + VERSION + ")");
          }
          if (schema == null || table == null || columns == null) {
            throw PostgresErrors.artifact(artifact, 0, "schema, table and columns are required before rows");
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
        throw PostgresErrors.artifact(artifact, 0, "a column lacks its name or type");
      }
      String n = name;
      Encoding e = Encoding.fromJson(encoding).orElseThrow(() ->
          PostgresErrors.artifact(artifact, 0, "column " + Sql.printable(n) + " has an unknown encoding"));
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
        throw PostgresErrors.artifact(artifact, 0, "a sequence lacks its column");
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
        throw PostgresErrors.artifact(artifact, 0, "a ddl entry lacks its kind or sql");
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
    CopyTextBuffer buf = new CopyTextBuffer(256 * 1024);
    try {
      JsonToken t;
      while ((t = p.nextToken()) == JsonToken.START_ARRAY) {
        rows++;
        for (int i = 0; i < enc.length; i++) {
          JsonToken v = p.nextToken();
          if (v == JsonToken.END_ARRAY) {
            throw PostgresErrors.artifact(tableName, rows, "has " + i + " values, the table has " + enc.length + " columns");
          }
          if (i > 0) {
            buf.put((byte) '\t');
          }
          value(buf, enc[i], cols.get(i), v);
        }
        if (p.nextToken() != JsonToken.END_ARRAY) {
          throw PostgresErrors.artifact(tableName, rows, "has more values than the " + enc.length + " columns of the table");
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
        throw PostgresErrors.artifact(tableName, rows + 1, "is not a JSON array");
      }
      if (buf.len > 0) {
        sink.write(buf.bytes, buf.len);
        buf.len = 0;
      }
    } catch (JsonProcessingException e) {
      throw PostgresErrors.artifact(tableName, rows, "invalid JSON: " + e.getOriginalMessage());
    }
    progress.rows(rows);
    return rows;
  }

  private void value(CopyTextBuffer buf, Encoding enc, Column col, JsonToken v) throws IOException {
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
          buf.bytes[buf.len++] = CopyTextBuffer.HEX[(b >> 4) & 0xf];
          buf.bytes[buf.len++] = CopyTextBuffer.HEX[b & 0xf];
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
    return PostgresErrors.artifact(tableName, rows, "column " + Sql.printable(col.name()) + " (" + col.type() + ") must be "
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
        throw PostgresErrors.artifact(tableName, 0, "unexpected content after the artifact's end");
      }
      if (declared == null || declared != rows) {
        throw PostgresErrors.artifact(tableName, 0, "declares rowCount " + declared + " but holds " + rows + " rows");
      }
    } catch (JsonProcessingException e) {
      throw PostgresErrors.artifact(tableName, 0, "invalid JSON after the rows: " + e.getOriginalMessage());
    }
  }

  private void expect(JsonToken actual, JsonToken expected, String problem) {
    if (actual != expected) {
      throw PostgresErrors.artifact(tableName == null ? artifact : tableName, 0, problem);
    }
  }

  @Override
  public void close() throws IOException {
    p.close();
  }
}
