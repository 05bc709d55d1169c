package io.maintenance.datastore.postgres.internal;

import io.maintenance.datastore.postgres.internal.Model.Column;
import io.maintenance.datastore.postgres.internal.Model.Encoding;
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

  /** The primary key's columns of a live table, in key order (empty without one). */
  public static List<String> primaryKey(Connection c, String qualified) throws SQLException {
    List<String> out = new ArrayList<>();
    try (PreparedStatement ps = c.prepareStatement("""
        SELECT a.attname FROM pg_index i
          JOIN LATERAL unnest(i.indkey) WITH ORDINALITY k(attnum, ord) ON true
          JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
         WHERE i.indrelid = ?::regclass AND i.indisprimary ORDER BY k.ord""")) {
      ps.setString(1, qualified);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          out.add(rs.getString(1));
        }
      }
    }
    return out;
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
}
