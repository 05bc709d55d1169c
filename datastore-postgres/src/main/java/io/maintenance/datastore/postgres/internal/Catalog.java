package io.maintenance.datastore.postgres.internal;

import io.maintenance.datastore.postgres.internal.Model.Column;
import io.maintenance.datastore.postgres.internal.Model.Ddl;
import io.maintenance.datastore.postgres.internal.Model.Encoding;
import io.maintenance.datastore.postgres.internal.Model.SequenceValue;
import io.maintenance.datastore.postgres.internal.Model.Table;
import io.maintenance.datastore.postgres.internal.Model.TableRef;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Reads table definitions from the system catalogs. Every query is parameterised; DDL text comes from
 * the server's own deparsers ({@code format_type}, {@code pg_get_expr}, {@code pg_get_constraintdef},
 * {@code pg_get_indexdef}), run with {@code search_path = pg_catalog} so every name is qualified.
 */
public final class Catalog {
  private Catalog() {}

  /**
   * Session settings that make the text form of every value canonical and exact: ISO dates, UTC,
   * shortest-exact floats, hex bytea, C money format, qualified names in deparsed SQL.
   */
  public static void configureSession(Connection c) throws SQLException {
    try (Statement st = c.createStatement()) {
      st.execute("SET search_path = pg_catalog; SET DateStyle = 'ISO, MDY'; SET IntervalStyle = 'postgres';"
          + " SET TimeZone = 'UTC'; SET extra_float_digits = 1; SET bytea_output = 'hex'; SET lc_monetary = 'C';"
          + " SET client_min_messages = 'warning';"
          // Long COPYs must not be cut by a role's timeouts (pg_dump clears them too).
          + " SET statement_timeout = 0; SET idle_in_transaction_session_timeout = 0");
    }
  }

  private static final String TABLES = """
      SELECT c.oid, n.nspname, c.relname
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE c.relkind = 'r'
         AND n.nspname <> 'information_schema' AND n.nspname NOT LIKE 'pg\\_%'
         AND n.nspname NOT LIKE 'maintenance\\_stage\\_%'
         AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid
                          AND d.deptype = 'e')
       ORDER BY n.nspname, c.relname""";

  /** Selected user tables (not system, not owned by extensions), parents before children of foreign keys. */
  public static List<TableRef> tables(Connection c, TableSelector selector) throws SQLException {
    List<TableRef> all = new ArrayList<>();
    try (PreparedStatement ps = c.prepareStatement(TABLES); ResultSet rs = ps.executeQuery()) {
      while (rs.next()) {
        if (selector.selects(rs.getString(2), rs.getString(3))) {
          all.add(new TableRef(rs.getLong(1), rs.getString(2), rs.getString(3)));
        }
      }
    }
    return foreignKeyOrder(c, all);
  }

  /** The live table with exactly these names, if any. */
  public static Optional<TableRef> find(Connection c, String schema, String table) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement("""
        SELECT c.oid FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE n.nspname = ? AND c.relname = ? AND c.relkind IN ('r', 'p')""")) {
      ps.setString(1, schema);
      ps.setString(2, table);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? Optional.of(new TableRef(rs.getLong(1), schema, table)) : Optional.empty();
      }
    }
  }

  /** Live tables by resource name ({@code schema.table}), for resolving manifest and fingerprint names. */
  public static Map<String, TableRef> byResourceName(Connection c) throws SQLException {
    Map<String, TableRef> map = new HashMap<>();
    try (PreparedStatement ps = c.prepareStatement(TABLES); ResultSet rs = ps.executeQuery()) {
      while (rs.next()) {
        TableRef t = new TableRef(rs.getLong(1), rs.getString(2), rs.getString(3));
        map.put(t.resourceName(), t);
      }
    }
    return map;
  }

  /** Orders tables so that the parents of foreign keys come first (cycles keep catalog order). */
  static List<TableRef> foreignKeyOrder(Connection c, List<TableRef> tables) throws SQLException {
    Map<Long, TableRef> byOid = new LinkedHashMap<>();
    tables.forEach(t -> byOid.put(t.oid(), t));
    Map<Long, Set<Long>> parents = new HashMap<>();
    try (PreparedStatement ps = c.prepareStatement(
        "SELECT conrelid, confrelid FROM pg_constraint WHERE contype = 'f' AND conrelid <> confrelid");
        ResultSet rs = ps.executeQuery()) {
      while (rs.next()) {
        if (byOid.containsKey(rs.getLong(1)) && byOid.containsKey(rs.getLong(2))) {
          parents.computeIfAbsent(rs.getLong(1), k -> new LinkedHashSet<>()).add(rs.getLong(2));
        }
      }
    }
    List<TableRef> ordered = new ArrayList<>();
    Set<Long> done = new LinkedHashSet<>();
    Set<Long> visiting = new LinkedHashSet<>();
    for (Long oid : byOid.keySet()) {
      visit(oid, byOid, parents, done, visiting, ordered);
    }
    return ordered;
  }

  private static void visit(Long oid, Map<Long, TableRef> byOid, Map<Long, Set<Long>> parents, Set<Long> done,
      Set<Long> visiting, List<TableRef> out) {
    Deque<Long> stack = new ArrayDeque<>();
    stack.push(oid);
    while (!stack.isEmpty()) {
      Long top = stack.peek();
      if (done.contains(top)) {
        stack.pop();
        continue;
      }
      visiting.add(top);
      boolean pushed = false;
      for (Long p : parents.getOrDefault(top, Set.of())) {
        if (!done.contains(p) && !visiting.contains(p)) {
          stack.push(p);
          pushed = true;
          break;
        }
      }
      if (!pushed) {
        stack.pop();
        visiting.remove(top);
        done.add(top);
        out.add(byOid.get(top));
      }
    }
  }

  private static final String COLUMNS = """
      SELECT a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull,
             pg_get_expr(d.adbin, d.adrelid), a.attgenerated <> '', a.attidentity::text,
             CASE WHEN t.typcategory = 'A' THEN 'array' WHEN t.typtype = 'e' THEN 'enum'
                  WHEN t.typtype = 'd' THEN 'domain' WHEN t.typtype = 'r' THEN 'range'
                  WHEN t.typtype = 'm' THEN 'multirange' WHEN t.typtype = 'c' THEN 'composite' ELSE 'base' END,
             CASE WHEN t.typtype = 'd' THEN bt.typname ELSE t.typname END,
             CASE WHEN t.typtype = 'd' THEN bt.typcategory ELSE t.typcategory END,
             CASE WHEN a.attcollation <> 0 AND a.attcollation <> t.typcollation
                  THEN quote_ident(cn.nspname) || '.' || quote_ident(co.collname) END
        FROM pg_attribute a
        JOIN pg_type t ON t.oid = a.atttypid
        LEFT JOIN pg_type bt ON bt.oid = t.typbasetype
        LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
        LEFT JOIN pg_collation co ON co.oid = a.attcollation
        LEFT JOIN pg_namespace cn ON cn.oid = co.collnamespace
       WHERE a.attrelid = ? AND a.attnum > 0 AND NOT a.attisdropped
       ORDER BY a.attnum""";

  /** Columns in table order. */
  public static List<Column> columns(Connection c, long oid) throws SQLException {
    return columnsWithCollation(c, oid).keySet().stream().toList();
  }

  private static Map<Column, Optional<String>> columnsWithCollation(Connection c, long oid) throws SQLException {
    Map<Column, Optional<String>> out = new LinkedHashMap<>();
    try (PreparedStatement ps = c.prepareStatement(COLUMNS)) {
      ps.setLong(1, oid);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          String base = rs.getString(8);
          String category = rs.getString(9);
          Encoding enc = "A".equals(category) ? Encoding.TEXT : switch (base) {
            case "int2", "int4", "int8" -> Encoding.NUMBER;
            case "bool" -> Encoding.BOOLEAN;
            case "bytea" -> Encoding.BASE64;
            default -> Encoding.TEXT;
          };
          Column col = new Column(rs.getString(1), rs.getString(2), rs.getString(7), rs.getBoolean(3),
              Optional.ofNullable(rs.getString(4)), rs.getBoolean(5), rs.getString(6), enc);
          out.put(col, Optional.ofNullable(rs.getString(10)));
        }
      }
    }
    return out;
  }

  /** The full definition of a live table, including its DDL and current sequence values. */
  public static Table describe(Connection c, TableRef ref) throws SQLException {
    Map<Column, Optional<String>> cols = columnsWithCollation(c, ref.oid());
    List<String> pk = new ArrayList<>();
    try (PreparedStatement ps = c.prepareStatement("""
        SELECT a.attname FROM pg_index i
          JOIN LATERAL unnest(i.indkey) WITH ORDINALITY k(attnum, ord) ON true
          JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
         WHERE i.indrelid = ? AND i.indisprimary ORDER BY k.ord""")) {
      ps.setLong(1, ref.oid());
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          pk.add(rs.getString(1));
        }
      }
    }
    List<Ddl> ddl = new ArrayList<>(typeDdl(c, ref.oid()));
    List<SequenceValue> sequences = new ArrayList<>();
    List<Ddl> ownedBy = new ArrayList<>();
    try (PreparedStatement ps = c.prepareStatement("""
        SELECT quote_ident(n.nspname) || '.' || quote_ident(s.relname), a.attname, d.deptype::text,
               format_type(q.seqtypid, NULL), q.seqstart, q.seqincrement, q.seqmin, q.seqmax, q.seqcache, q.seqcycle
          FROM pg_depend d
          JOIN pg_class s ON s.oid = d.objid AND s.relkind = 'S'
          JOIN pg_namespace n ON n.oid = s.relnamespace
          JOIN pg_sequence q ON q.seqrelid = s.oid
          JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
         WHERE d.classid = 'pg_class'::regclass AND d.refclassid = 'pg_class'::regclass
           AND d.refobjid = ? AND d.deptype IN ('a', 'i')
         ORDER BY a.attnum""")) {
      ps.setLong(1, ref.oid());
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          String seq = rs.getString(1);
          String column = rs.getString(2);
          long[] value = sequenceValue(c, seq);
          sequences.add(new SequenceValue(column, seq, value[0], value[1] != 0));
          if ("a".equals(rs.getString(3))) {
            ddl.add(new Ddl("sequence", seq, "CREATE SEQUENCE " + seq + " AS " + rs.getString(4)
                + " INCREMENT BY " + rs.getLong(6) + " MINVALUE " + rs.getLong(7) + " MAXVALUE " + rs.getLong(8)
                + " START WITH " + rs.getLong(5) + " CACHE " + rs.getLong(9) + (rs.getBoolean(10) ? " CYCLE" : " NO CYCLE")));
            ownedBy.add(new Ddl("owned-by", seq, "ALTER SEQUENCE " + seq + " OWNED BY " + ref.qualified() + "."
                + Sql.quote(column)));
          }
        }
      }
    }
    ddl.add(new Ddl("table", ref.qualified(), createTable(c, ref, cols)));
    List<String> dependsOn = new ArrayList<>();
    try (PreparedStatement ps = c.prepareStatement("""
        SELECT co.conname, co.contype::text, pg_get_constraintdef(co.oid), rn.nspname, r.relname
          FROM pg_constraint co
          LEFT JOIN pg_class r ON r.oid = co.confrelid
          LEFT JOIN pg_namespace rn ON rn.oid = r.relnamespace
         WHERE co.conrelid = ? AND co.contype IN ('c', 'p', 'u', 'x', 'f') AND co.conislocal
         ORDER BY CASE co.contype WHEN 'c' THEN 0 WHEN 'p' THEN 1 WHEN 'u' THEN 2 WHEN 'x' THEN 3 ELSE 4 END,
                  co.conname""")) {
      ps.setLong(1, ref.oid());
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          String type = rs.getString(2);
          String kind = switch (type) {
            case "c" -> "check";
            case "f" -> "foreign-key";
            default -> "key";
          };
          ddl.add(new Ddl(kind, ref.qualified(), "ALTER TABLE ONLY " + ref.qualified() + " ADD CONSTRAINT "
              + Sql.quote(rs.getString(1)) + " " + rs.getString(3)));
          if ("f".equals(type)) {
            String parent = Sql.resourceName(rs.getString(4), rs.getString(5));
            if (!parent.equals(ref.resourceName()) && !dependsOn.contains(parent)) {
              dependsOn.add(parent);
            }
          }
        }
      }
    }
    try (PreparedStatement ps = c.prepareStatement("""
        SELECT pg_get_indexdef(i.indexrelid) FROM pg_index i
         WHERE i.indrelid = ? AND NOT EXISTS (SELECT 1 FROM pg_constraint co
                WHERE co.conindid = i.indexrelid AND co.conrelid = i.indrelid AND co.contype IN ('p', 'u', 'x'))
         ORDER BY i.indexrelid""")) {
      ps.setLong(1, ref.oid());
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          ddl.add(new Ddl("index", ref.qualified(), rs.getString(1)));
        }
      }
    }
    // Foreign keys last: they need every parent loaded.
    List<Ddl> sorted = new ArrayList<>(ddl.stream().filter(d -> !d.kind().equals("foreign-key")).toList());
    sorted.addAll(ownedBy);
    sorted.addAll(ddl.stream().filter(d -> d.kind().equals("foreign-key")).toList());
    return new Table(ref.schema(), ref.name(), List.copyOf(cols.keySet()), pk, dependsOn, sequences, sorted);
  }

  private static long[] sequenceValue(Connection c, String qualifiedSequence) throws SQLException {
    // The name comes from quote_ident above, i.e. from the server, not from an artifact.
    try (Statement st = c.createStatement();
        ResultSet rs = st.executeQuery("SELECT last_value, is_called FROM " + qualifiedSequence)) {
      rs.next();
      return new long[] {rs.getLong(1), rs.getBoolean(2) ? 1 : 0};
    }
  }

  private static String createTable(Connection c, TableRef ref, Map<Column, Optional<String>> cols) throws SQLException {
    boolean unlogged;
    try (PreparedStatement ps = c.prepareStatement("SELECT relpersistence = 'u' FROM pg_class WHERE oid = ?")) {
      ps.setLong(1, ref.oid());
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        unlogged = rs.getBoolean(1);
      }
    }
    StringBuilder sb = new StringBuilder("CREATE ").append(unlogged ? "UNLOGGED " : "").append("TABLE ")
        .append(ref.qualified()).append(" (");
    boolean first = true;
    for (Map.Entry<Column, Optional<String>> e : cols.entrySet()) {
      Column col = e.getKey();
      sb.append(first ? "\n  " : ",\n  ").append(Sql.quote(col.name())).append(' ').append(col.type());
      first = false;
      e.getValue().ifPresent(coll -> sb.append(" COLLATE ").append(coll));
      if (col.generated()) {
        sb.append(" GENERATED ALWAYS AS (").append(col.defaultExpr().orElseThrow()).append(") STORED");
      } else if (!col.identity().isEmpty()) {
        sb.append(col.identity().equals("a") ? " GENERATED ALWAYS AS IDENTITY" : " GENERATED BY DEFAULT AS IDENTITY");
      } else {
        col.defaultExpr().ifPresent(d -> sb.append(" DEFAULT ").append(d));
      }
      if (col.notNull()) {
        sb.append(" NOT NULL");
      }
    }
    return sb.append("\n)").toString();
  }

  /** CREATE TYPE / CREATE DOMAIN for the enums and domains the table's columns use (bases first). */
  private static List<Ddl> typeDdl(Connection c, long oid) throws SQLException {
    List<Ddl> out = new ArrayList<>();
    try (PreparedStatement ps = c.prepareStatement("""
        WITH RECURSIVE used(oid, depth) AS (
          SELECT a.atttypid, 0 FROM pg_attribute a WHERE a.attrelid = ? AND a.attnum > 0 AND NOT a.attisdropped
          UNION
          SELECT CASE WHEN t.typcategory = 'A' AND t.typelem <> 0 THEN t.typelem ELSE t.typbasetype END, u.depth + 1
            FROM used u JOIN pg_type t ON t.oid = u.oid
           WHERE (t.typcategory = 'A' AND t.typelem <> 0) OR t.typbasetype <> 0)
        SELECT t.oid, quote_ident(n.nspname) || '.' || quote_ident(t.typname), t.typtype::text,
               format_type(t.typbasetype, t.typtypmod), t.typnotnull, t.typdefault,
               (SELECT string_agg(quote_literal(e.enumlabel), ', ' ORDER BY e.enumsortorder)
                  FROM pg_enum e WHERE e.enumtypid = t.oid),
               (SELECT string_agg(' CONSTRAINT ' || quote_ident(k.conname) || ' ' || pg_get_constraintdef(k.oid), ''
                                  ORDER BY k.conname)
                  FROM pg_constraint k WHERE k.contypid = t.oid),
               max(u.depth)
          FROM used u JOIN pg_type t ON t.oid = u.oid JOIN pg_namespace n ON n.oid = t.typnamespace
         WHERE t.typtype IN ('e', 'd') AND n.nspname <> 'information_schema' AND n.nspname NOT LIKE 'pg\\_%'
         GROUP BY 1, 2, 3, 4, 5, 6
         ORDER BY max(u.depth) DESC, t.oid""")) {
      ps.setLong(1, oid);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          String name = rs.getString(2);
          if ("e".equals(rs.getString(3))) {
            String labels = rs.getString(7);
            out.add(new Ddl("type", name, "CREATE TYPE " + name + " AS ENUM (" + (labels == null ? "" : labels) + ")"));
          } else {
            StringBuilder sb = new StringBuilder("CREATE DOMAIN ").append(name).append(" AS ").append(rs.getString(4));
            if (rs.getString(6) != null) {
              sb.append(" DEFAULT ").append(rs.getString(6));
            }
            if (rs.getBoolean(5)) {
              sb.append(" NOT NULL");
            }
            if (rs.getString(8) != null) {
              sb.append(rs.getString(8));
            }
            out.add(new Ddl("type", name, sb.toString()));
          }
        }
      }
    }
    return out;
  }
}
