package io.maintenance.datastore.postgres.internal;

import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/** Value types describing a table, live or as recorded in an artifact. */
public final class Model {
  private Model() {}

  /** How a column's values are written in the JSON artifact. */
  public enum Encoding {
    /** int2/int4/int8 (and domains over them): JSON integers. */
    NUMBER,
    /** bool: JSON true/false. */
    BOOLEAN,
    /** bytea: base64 strings. */
    BASE64,
    /** everything else: PostgreSQL's canonical text output, as a JSON string. */
    TEXT;

    public String json() {
      return name().toLowerCase(Locale.ROOT);
    }

    public static Optional<Encoding> fromJson(String s) {
      for (Encoding e : values()) {
        if (e.json().equals(s)) {
          return Optional.of(e);
        }
      }
      return Optional.empty();
    }
  }

  /**
   * @param type {@code format_type} output with {@code search_path = pg_catalog}, so schema-qualified
   * @param kind base, array, enum, domain, range, multirange, composite
   * @param identity "" or {@code a} (ALWAYS) / {@code d} (BY DEFAULT)
   */
  public record Column(
      String name, String type, String kind, boolean notNull, Optional<String> defaultExpr, boolean generated,
      String identity, Encoding encoding) {
    public Column {
      Objects.requireNonNull(name);
      Objects.requireNonNull(type);
      Objects.requireNonNull(kind);
      Objects.requireNonNull(defaultExpr);
      Objects.requireNonNull(identity);
      Objects.requireNonNull(encoding);
    }

    /** What must be equal for live data and artifact rows to be interchangeable. */
    public String signature() {
      return name + " " + type + (notNull ? " not null" : "") + (generated ? " generated" : "");
    }
  }

  /** An owned (serial or identity) sequence and the value to restore. */
  public record SequenceValue(String column, String sequence, long lastValue, boolean isCalled) {}

  /**
   * One schema statement.
   *
   * @param kind {@code type}, {@code sequence}, {@code table}, {@code check}, {@code key}, {@code index},
   *     {@code foreign-key}, {@code owned-by} — the order in which a missing table is created
   * @param object the object a {@code type} or {@code sequence} statement creates (qualified, quoted)
   */
  public record Ddl(String kind, String object, String sql) {}

  /** A table: its identity, columns (in table order), primary key, foreign-key parents, sequences, DDL. */
  public record Table(
      String schema, String name, List<Column> columns, List<String> primaryKey, List<String> dependsOn,
      List<SequenceValue> sequences, List<Ddl> ddl) {
    public Table {
      columns = List.copyOf(columns);
      primaryKey = List.copyOf(primaryKey);
      dependsOn = List.copyOf(dependsOn);
      sequences = List.copyOf(sequences);
      ddl = List.copyOf(ddl);
    }

    public String resourceName() {
      return Sql.resourceName(schema, name);
    }

    public String qualified() {
      return Sql.qualified(schema, name);
    }

    /** Columns that hold data (generated columns are computed by the server). */
    public List<Column> dataColumns() {
      return columns.stream().filter(c -> !c.generated()).toList();
    }
  }

  /** A live table. */
  public record TableRef(long oid, String schema, String name) {
    public String resourceName() {
      return Sql.resourceName(schema, name);
    }

    public String qualified() {
      return Sql.qualified(schema, name);
    }
  }
}
