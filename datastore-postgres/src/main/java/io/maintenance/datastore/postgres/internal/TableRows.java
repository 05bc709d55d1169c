package io.maintenance.datastore.postgres.internal;

import io.maintenance.api.ErrorCode;
import io.maintenance.api.MaintenanceException;
import io.maintenance.spi.RestoreContext;
import java.io.IOException;
import java.io.InputStream;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.postgresql.PGConnection;

/**
 * The rows of one table of a format 2 backup: loading its COPY artifacts, checking them against the live
 * table (columns, duplicate keys, rows of other tables that reference them) and counting what the live
 * table loses.
 */
final class TableRows {
  private TableRows() {}

  /** The table must have exactly the header's data columns and types, in order, before its rows are loaded. */
  static void checkColumns(Connection c, TableData.Header h, String target) throws SQLException {
    List<String> actual = dataColumns(c, target);
    List<String> expected = h.columns().stream().map(col -> col.name() + " " + col.type()).toList();
    if (!actual.equals(expected)) {
      throw PostgresErrors.artifact(h.resourceName(), 0, "its header's columns " + expected + " do not match the table's " + actual);
    }
  }

  /** COPY of a table's data artifacts into {@code target}; the server's row count must be the header's. */
  static long load(Connection c, RestoreContext ctx, TableData.Header h, String target) throws SQLException, IOException {
    long rows = 0;
    for (String part : h.data()) {
      try (InputStream in = ctx.artifacts().open(part)) {
        try {
          rows += c.unwrap(PGConnection.class).getCopyAPI().copyIn("COPY " + target + h.columnList() + " FROM STDIN", in, 256 * 1024);
        } catch (SQLException e) {
          throw PostgresErrors.load(h.resourceName(), e, rows);
        }
        while (in.read() >= 0) {
          // COPY stopped at its end marker or the stream's end; the source verifies on reading the rest
        }
      }
      ctx.ensureActive();
    }
    if (rows != h.rowCount()) {
      throw PostgresErrors.artifact(h.resourceName(), 0, "declares " + h.rowCount() + " rows but its data holds " + rows);
    }
    ctx.progress().onProgress("table " + h.resourceName(), rows, rows);
    return rows;
  }

  /**
   * Live rows that will not exist afterwards: by primary key when the table has one (a changed row is not
   * lost), else live rows with no identical row in the backup (multiset difference of their text form).
   */
  static long lost(Connection c, TableData.Header h, String temp, List<String> key) throws SQLException {
    if (h.columns().isEmpty()) {
      return 0;
    }
    if (!key.isEmpty()) {
      String l = String.join(", ", key.stream().map(k -> "l." + Sql.quote(k)).toList());
      String b = String.join(", ", key.stream().map(k -> "b." + Sql.quote(k)).toList());
      try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT count(*) FROM ONLY " + h.qualified()
          + " l WHERE NOT EXISTS (SELECT 1 FROM " + temp + " b WHERE (" + b + ") = (" + l + "))")) {
        rs.next();
        return rs.getLong(1);
      }
    }
    String row = String.join(", ", h.columns().stream().map(col -> Sql.quote(col.name())).toList());
    try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT count(*) FROM (SELECT ROW(" + row
        + ")::text FROM ONLY " + h.qualified() + " EXCEPT ALL SELECT ROW(" + row + ")::text FROM " + temp + ") d")) {
      rs.next();
      return rs.getLong(1);
    }
  }

  /** The backup's rows must keep the live table's primary key unique: found at preview, not at confirm. */
  static void duplicateKeys(Connection c, TableData.Header h, String temp, List<String> key) throws SQLException {
    if (key.isEmpty()) {
      return;
    }
    String cols = String.join(", ", key.stream().map(Sql::quote).toList());
    try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT count(*) FROM (SELECT 1 FROM " + temp
        + " GROUP BY " + cols + " HAVING count(*) > 1) d")) {
      rs.next();
      if (rs.getLong(1) > 0) {
        throw PostgresErrors.artifact(h.resourceName(), 0, rs.getLong(1) + " primary key value(s) occur more than once in the backup's rows")
            .with("reason", "DUPLICATE_KEY");
      }
    }
  }

  /** {@code name type} of a live table's data columns, in order. */
  static List<String> dataColumns(Connection c, String table) throws SQLException {
    List<String> out = new ArrayList<>();
    try (PreparedStatement ps = c.prepareStatement("SELECT a.attname, format_type(a.atttypid, a.atttypmod) FROM pg_attribute a"
        + " WHERE a.attrelid = ?::regclass AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = '' ORDER BY a.attnum")) {
      ps.setString(1, table);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          out.add(rs.getString(1) + " " + rs.getString(2));
        }
      }
    }
    return out;
  }

  /** What a replaced table's columns go through, in words a reviewer reads. */
  static List<String> columnChanges(TableData.Header h, List<String> live) {
    List<String> out = new ArrayList<>();
    if (live == null) {
      return out;
    }
    Map<String, String> liveTypes = new LinkedHashMap<>();
    for (String col : live) {
      int sp = col.indexOf(' ');
      liveTypes.put(col.substring(0, sp), col.substring(sp + 1));
    }
    Set<String> names = new HashSet<>();
    for (TableData.Column col : h.columns()) {
      names.add(col.name());
      String now = liveTypes.get(col.name());
      String n = Sql.printable(col.name());
      if (now == null) {
        out.add("column " + n + " " + Sql.printable(col.type()) + " will be added");
      } else if (!now.equals(col.type())) {
        out.add("column " + n + " will change type " + now + " -> " + Sql.printable(col.type()));
      }
    }
    liveTypes.forEach((name, t) -> {
      if (!names.contains(name)) {
        out.add("column " + Sql.printable(name) + " " + t + " will be removed");
      }
    });
    if (out.isEmpty()) {
      out.add("table definition changes (see the schema resource); its rows are replaced");
    }
    return out;
  }

  /**
   * Foreign keys of tables outside the restore into a kept table: every referencing row (all key columns
   * set, as MATCH SIMPLE checks) must find its key among the backup's rows, now in {@code temp}; else the
   * restore could not add the key back, and the preview says so.
   */
  static void checkOutsideKeys(Connection c, TableData.Header h, String temp, Set<String> restored) throws SQLException {
    List<String[]> keys = new ArrayList<>();
    try (PreparedStatement ps = c.prepareStatement("SELECT co.conname, quote_ident(n.nspname) || '.' || quote_ident(r.relname),"
        + " n.nspname, r.relname,"
        + " (SELECT string_agg(quote_ident(a.attname), ',' ORDER BY k.ord) FROM unnest(co.conkey) WITH ORDINALITY k(num, ord)"
        + "   JOIN pg_attribute a ON a.attrelid = co.conrelid AND a.attnum = k.num),"
        + " (SELECT string_agg(quote_ident(a.attname), ',' ORDER BY k.ord) FROM unnest(co.confkey) WITH ORDINALITY k(num, ord)"
        + "   JOIN pg_attribute a ON a.attrelid = co.confrelid AND a.attnum = k.num)"
        + " FROM pg_constraint co JOIN pg_class r ON r.oid = co.conrelid JOIN pg_namespace n ON n.oid = r.relnamespace"
        + " WHERE co.contype = 'f' AND co.conparentid = 0 AND co.confrelid = ?::regclass")) {
      ps.setString(1, h.qualified());
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          if (!restored.contains(Sql.resourceName(rs.getString(3), rs.getString(4)))) {
            keys.add(new String[] {rs.getString(1), rs.getString(2), rs.getString(5), rs.getString(6), rs.getString(3) + "."
                + rs.getString(4)});
          }
        }
      }
    }
    for (String[] k : keys) {
      String[] from = k[2].split(",");
      String[] to = k[3].split(",");
      StringBuilder where = new StringBuilder();
      StringBuilder match = new StringBuilder();
      for (int i = 0; i < from.length; i++) {
        where.append(" AND o.").append(from[i]).append(" IS NOT NULL");
        match.append(i == 0 ? "" : " AND ").append("b.").append(to[i]).append(" = o.").append(from[i]);
      }
      long dangling;
      try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT count(*) FROM " + k[1] + " o WHERE true"
          + where + " AND NOT EXISTS (SELECT 1 FROM " + temp + " b WHERE " + match + ")")) {
        rs.next();
        dangling = rs.getLong(1);
      }
      if (dangling > 0) {
        throw new MaintenanceException(ErrorCode.INCOMPATIBLE_ARTIFACT, dangling + " row(s) of " + Sql.printable(k[4])
            + ", which is not in the restore, reference rows of " + Sql.printable(h.resourceName()) + " that the backup does not"
            + " have (foreign key " + Sql.printable(k[0]) + "); include that table, or remove those rows first",
            Map.of("reason", "OUTSIDE_REFERENCE", "table", Sql.printable(k[4]), "constraint", Sql.printable(k[0]),
                "references", Sql.printable(h.resourceName()), "rows", Long.toString(dangling)));
      }
    }
  }

  /** User triggers of a table that are enabled, with their mode (O, R or A). */
  static List<String[]> enabledTriggers(Connection c, String table) throws SQLException {
    List<String[]> out = new ArrayList<>();
    try (PreparedStatement ps = c.prepareStatement("SELECT tgname, tgenabled::text FROM pg_trigger WHERE tgrelid = ?::regclass"
        + " AND NOT tgisinternal AND tgenabled <> 'D' ORDER BY tgname")) {
      ps.setString(1, table);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          out.add(new String[] {rs.getString(1), rs.getString(2)});
        }
      }
    }
    return out;
  }
}
