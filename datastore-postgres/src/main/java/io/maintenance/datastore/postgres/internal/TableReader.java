package io.maintenance.datastore.postgres.internal;

import static io.maintenance.datastore.postgres.internal.CatalogObjects.USER_NS;
import static io.maintenance.datastore.postgres.internal.CatalogObjects.key;
import static io.maintenance.datastore.postgres.internal.CatalogObjects.notExtensionMember;
import static io.maintenance.datastore.postgres.internal.CatalogObjects.reloptions;
import static io.maintenance.datastore.postgres.internal.CatalogObjects.stripSemicolon;

import io.maintenance.datastore.postgres.internal.CatalogObjects.Obj;
import io.maintenance.datastore.postgres.internal.DatabaseSchema.SequenceState;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Map;

/** Reads sequences, tables, views, materialized views and column defaults. */
final class TableReader {
  private final CatalogObjects found;
  private final Connection c;

  TableReader(CatalogObjects found) {
    this.found = found;
    this.c = found.c;
  }

  void sequences() throws SQLException {
    // Identity found.sequences are part of their table; the others are objects of their own.
    found.query("SELECT s.oid, quote_ident(n.nspname) || '.' || quote_ident(s.relname), pg_get_userbyid(s.relowner), s.relacl::text,"
        + " format_type(q.seqtypid, NULL), q.seqstart, q.seqincrement, q.seqmin, q.seqmax, q.seqcache, q.seqcycle, n.nspname,"
        + " (SELECT quote_ident(tn.nspname) || '.' || quote_ident(t.relname) || '.' || quote_ident(a.attname)"
        + "    FROM pg_depend d JOIN pg_class t ON t.oid = d.refobjid JOIN pg_namespace tn ON tn.oid = t.relnamespace"
        + "    JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = d.refobjsubid"
        + "   WHERE d.classid = 'pg_class'::regclass AND d.objid = s.oid AND d.refclassid = 'pg_class'::regclass AND d.deptype = 'a'),"
        + " EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = s.oid AND d.deptype = 'i')"
        + " FROM pg_class s JOIN pg_namespace n ON n.oid = s.relnamespace JOIN pg_sequence q ON q.seqrelid = s.oid"
        + " WHERE s.relkind = 'S' AND s.relnamespace IN " + USER_NS + " AND " + notExtensionMember("pg_class", "s.oid")
        + " ORDER BY 2", rs -> {
          String q = rs.getString(2);
          found.sequences.put(q, null);
          if (rs.getBoolean(14)) {
            return;
          }
          Obj o = found.add("sequence " + q, "sequence", rs.getString(12), null, SchemaObject.PRE, key("pg_class", rs.getLong(1)));
          o.sql.add("CREATE SEQUENCE " + q + " AS " + rs.getString(5) + sequenceOptions(rs, 6));
          o.sql.add("ALTER SEQUENCE " + q + " OWNER TO " + found.role(rs.getString(3)));
          o.drop = "DROP SEQUENCE " + q;
          found.comment(o, "pg_class", rs.getLong(1), 0, "SEQUENCE " + q);
          found.acl(o, rs.getString(4), "SEQUENCE " + q, rs.getString(3), "s");
          if (rs.getString(13) != null) {
            Obj owned = found.add("sequence-owner " + q, "sequence", rs.getString(12), null, SchemaObject.PRE);
            owned.sql.add("ALTER SEQUENCE " + q + " OWNED BY " + rs.getString(13));
            owned.deps.add(o);
            owned.drop = "ALTER SEQUENCE " + q + " OWNED BY NONE";
            found.ownedBy.put(owned, rs.getLong(1));
          }
        });
    for (String q : found.sequences.keySet()) {
      // The name comes from quote_ident, i.e. from the server.
      try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT last_value, is_called FROM " + q)) {
        rs.next();
        found.sequences.put(q, new SequenceState(rs.getLong(1), rs.getBoolean(2)));
      }
    }
  }

  private static String sequenceOptions(ResultSet rs, int first) throws SQLException {
    return " START WITH " + rs.getLong(first) + " INCREMENT BY " + rs.getLong(first + 1) + " MINVALUE " + rs.getLong(first + 2)
        + " MAXVALUE " + rs.getLong(first + 3) + " CACHE " + rs.getLong(first + 4) + (rs.getBoolean(first + 5) ? " CYCLE" : " NO CYCLE");
  }

  void relations() throws SQLException {
    found.query("SELECT c.oid, quote_ident(n.nspname) || '.' || quote_ident(c.relname), c.relkind, pg_get_userbyid(c.relowner),"
        + " c.relacl::text, n.nspname, c.relname, c.relpersistence, c.reloptions, c.relispartition,"
        + " CASE WHEN c.relkind = 'p' THEN pg_get_partkeydef(c.oid) END, pg_get_expr(c.relpartbound, c.oid),"
        + " (SELECT quote_ident(pn.nspname) || '.' || quote_ident(p.relname) FROM pg_inherits i JOIN pg_class p ON p.oid = i.inhparent"
        + "   JOIN pg_namespace pn ON pn.oid = p.relnamespace WHERE i.inhrelid = c.oid AND c.relispartition),"
        + " (SELECT string_agg(quote_ident(pn.nspname) || '.' || quote_ident(p.relname), ', ' ORDER BY i.inhseqno)"
        + "   FROM pg_inherits i JOIN pg_class p ON p.oid = i.inhparent JOIN pg_namespace pn ON pn.oid = p.relnamespace"
        + "   WHERE i.inhrelid = c.oid AND NOT c.relispartition),"
        + " c.relrowsecurity, c.relforcerowsecurity, c.relreplident, c.reltype, c.relispopulated,"
        + " CASE WHEN c.relkind IN ('v', 'm') THEN pg_get_viewdef(c.oid) END,"
        + " (SELECT r.oid FROM pg_rewrite r WHERE r.ev_class = c.oid AND r.rulename = '_RETURN'),"
        + " (SELECT t.typarray FROM pg_type t WHERE t.oid = c.reltype)"
        + " FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
        + " WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f') AND c.relnamespace IN " + USER_NS + " AND "
        + notExtensionMember("pg_class", "c.oid") + " ORDER BY 2", rs -> {
          long oid = rs.getLong(1);
          String q = rs.getString(2);
          String relkind = rs.getString(3);
          String schema = rs.getString(6);
          String resource = Sql.resourceName(schema, rs.getString(7));
          if ("f".equals(relkind)) {
            found.unsupported.add("foreign table " + Sql.printable(resource));
            return;
          }
          String owner = rs.getString(4);
          String[] keys = {key("pg_class", oid), key("pg_type", rs.getLong(18)), key("pg_type", rs.getLong(22)),
              key("pg_rewrite", rs.getLong(21))};
          switch (relkind) {
            case "v", "m" -> {
              boolean mat = "m".equals(relkind);
              Obj o = found.add((mat ? "materialized view " : "view ") + q, mat ? "matview" : "view", schema, resource, SchemaObject.PRE, keys);
              String options = rs.getString(9) == null ? "" : " WITH (" + reloptions(rs.getString(9)) + ")";
              String def = stripSemicolon(rs.getString(20)).stripTrailing();
              o.sql.add((mat ? "CREATE MATERIALIZED VIEW " : "CREATE VIEW ") + q + options + " AS\n" + def
                  + (mat ? "\n  WITH NO DATA" : ""));
              String word = mat ? "MATERIALIZED VIEW " : "VIEW ";
              o.sql.add("ALTER " + (mat ? word : "TABLE ") + q + " OWNER TO " + found.role(owner));
              o.drop = "DROP " + word + q;
              if (mat && rs.getBoolean(19)) {
                found.populated.add(o.id);
              }
              found.comment(o, "pg_class", oid, 0, word + q);
              found.columnComments(o, oid, q);
              found.columnAcls(o, found.acl(o, rs.getString(5), "TABLE " + q, owner, "r"), oid, q);
            }
            default -> {
              Obj o = found.add("table " + q, "table", schema, resource, SchemaObject.PRE, keys);
              table(o, rs, oid, q, relkind);
              o.sql.add("ALTER TABLE " + q + " OWNER TO " + found.role(owner));
              o.drop = "DROP TABLE " + q;
              if ("r".equals(relkind)) {
                found.dataTables.add(resource);
              }
              found.comment(o, "pg_class", oid, 0, "TABLE " + q);
              found.columnComments(o, oid, q);
              found.columnAcls(o, found.acl(o, rs.getString(5), "TABLE " + q, owner, "r"), oid, q);
            }
          }
        });
    for (Map.Entry<Obj, Long> e : found.ownedBy.entrySet()) {
      try (PreparedStatement ps = c.prepareStatement("SELECT refobjid FROM pg_depend WHERE classid = 'pg_class'::regclass"
          + " AND objid = ? AND refclassid = 'pg_class'::regclass AND deptype = 'a'")) {
        ps.setLong(1, e.getValue());
        try (ResultSet rs = ps.executeQuery()) {
          if (rs.next() && found.byKey.get(key("pg_class", rs.getLong(1))) != null) {
            e.getKey().deps.add(found.byKey.get(key("pg_class", rs.getLong(1))));
          }
        }
      }
    }
  }

  void table(Obj o, ResultSet rs, long oid, String q, String relkind) throws SQLException {
    boolean partition = rs.getBoolean(10);
    String inherits = rs.getString(14);
    List<String> parts = found.columnList(oid, inherits == null || partition, true);
    // CHECK constraints: local ones, and for partitions all (attaching requires them; attach makes them inherited).
    try (PreparedStatement ps = c.prepareStatement("SELECT co.oid, quote_ident(co.conname), pg_get_constraintdef(co.oid)"
        + " FROM pg_constraint co WHERE co.conrelid = ? AND co.contype = 'c' AND co.convalidated AND (co.conislocal OR ?)"
        + " ORDER BY co.conname")) {
      ps.setLong(1, oid);
      ps.setBoolean(2, partition);
      try (ResultSet cr = ps.executeQuery()) {
        while (cr.next()) {
          parts.add("CONSTRAINT " + cr.getString(2) + " " + cr.getString(3));
          o.keys.add(key("pg_constraint", cr.getLong(1)));
          found.byKey.put(key("pg_constraint", cr.getLong(1)), o);
          found.comment(o, "pg_constraint", cr.getLong(1), 0, "CONSTRAINT " + cr.getString(2) + " ON " + q);
        }
      }
    }
    StringBuilder sb = new StringBuilder("CREATE ").append("u".equals(rs.getString(8)) ? "UNLOGGED " : "").append("TABLE ")
        .append(q).append(" (").append(parts.isEmpty() ? "" : "\n    " + String.join(",\n    ", parts) + "\n").append(")");
    if (inherits != null) {
      sb.append(" INHERITS (").append(inherits).append(")");
    }
    if ("p".equals(relkind)) {
      sb.append(" PARTITION BY ").append(rs.getString(11));
    }
    if (rs.getString(9) != null) {
      sb.append(" WITH (").append(reloptions(rs.getString(9))).append(")");
    }
    o.sql.add(sb.toString());
    if (partition) {
      o.sql.add("ALTER TABLE ONLY " + rs.getString(13) + " ATTACH PARTITION " + q + " " + rs.getString(12));
    }
    columnSettings(o, oid, q, inherits != null && !partition);
    if (rs.getBoolean(15)) {
      o.sql.add("ALTER TABLE " + q + " ENABLE ROW LEVEL SECURITY");
    }
    if (rs.getBoolean(16)) {
      o.sql.add("ALTER TABLE " + q + " FORCE ROW LEVEL SECURITY");
    }
    String replident = rs.getString(17);
    if ("f".equals(replident) || "n".equals(replident)) {
      o.sql.add("ALTER TABLE ONLY " + q + " REPLICA IDENTITY " + ("f".equals(replident) ? "FULL" : "NOTHING"));
    }
  }

  /** Identity, statistics targets, storage and compression that differ from the defaults. */
  void columnSettings(Obj o, long relid, String q, boolean inherited) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement("SELECT quote_ident(a.attname), a.attidentity, a.attstattarget, a.attstorage,"
        + " t.typstorage, a.attcompression, (SELECT quote_ident(sn.nspname) || '.' || quote_ident(s.relname) FROM pg_depend d"
        + "   JOIN pg_class s ON s.oid = d.objid JOIN pg_namespace sn ON sn.oid = s.relnamespace"
        + "   WHERE d.classid = 'pg_class'::regclass AND d.refobjid = a.attrelid AND d.refobjsubid = a.attnum AND d.deptype = 'i'"
        + "   AND s.relkind = 'S'), a.attnotnull, a.attislocal"
        + " FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid"
        + " WHERE a.attrelid = ? AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum")) {
      ps.setLong(1, relid);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          String col = q + " ALTER COLUMN " + rs.getString(1);
          String identity = rs.getString(2);
          if (identity != null && !identity.isEmpty() && rs.getString(7) != null) {
            o.sql.add("ALTER TABLE " + col + " ADD GENERATED " + ("a".equals(identity) ? "ALWAYS" : "BY DEFAULT")
                + " AS IDENTITY (" + identityOptions(rs.getString(7)) + ")");
          }
          if (inherited && !rs.getBoolean(9) && rs.getBoolean(8)) {
            o.sql.add("ALTER TABLE ONLY " + col + " SET NOT NULL");
          }
          int target = rs.getInt(3);
          if (!rs.wasNull() && target >= 0) {
            o.sql.add("ALTER TABLE ONLY " + col + " SET STATISTICS " + target);
          }
          if (!rs.getString(4).equals(rs.getString(5))) {
            String storage = switch (rs.getString(4)) {
              case "p" -> "PLAIN";
              case "e" -> "EXTERNAL";
              case "m" -> "MAIN";
              default -> "EXTENDED";
            };
            o.sql.add("ALTER TABLE ONLY " + col + " SET STORAGE " + storage);
          }
          String compression = rs.getString(6);
          if (compression != null && !compression.isEmpty()) {
            o.sql.add("ALTER TABLE ONLY " + col + " SET COMPRESSION " + ("p".equals(compression) ? "pglz" : "lz4"));
          }
        }
      }
    }
  }

  private String identityOptions(String sequence) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement("SELECT q.seqstart, q.seqincrement, q.seqmin, q.seqmax, q.seqcache, q.seqcycle,"
        + " format_type(q.seqtypid, NULL) FROM pg_sequence q WHERE q.seqrelid = ?::regclass")) {
      ps.setString(1, sequence);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        // The sequence's type is the column's; naming it again is refused as redundant.
        return "SEQUENCE NAME " + sequence + sequenceOptions(rs, 1);
      }
    }
  }

  void defaults() throws SQLException {
    found.query("SELECT d.oid, quote_ident(n.nspname) || '.' || quote_ident(c.relname), quote_ident(a.attname), pg_get_expr(d.adbin, d.adrelid),"
        + " n.nspname, c.relname, c.oid FROM pg_attrdef d JOIN pg_class c ON c.oid = d.adrelid JOIN pg_namespace n ON n.oid = c.relnamespace"
        + " JOIN pg_attribute a ON a.attrelid = d.adrelid AND a.attnum = d.adnum"
        + " WHERE a.attgenerated = '' AND c.relkind IN ('r', 'p') AND c.relnamespace IN " + USER_NS + " AND "
        + notExtensionMember("pg_class", "c.oid") + " ORDER BY 2, a.attnum", rs -> {
          String col = rs.getString(2) + " ALTER COLUMN " + rs.getString(3);
          Obj o = found.add("default " + rs.getString(2) + "." + rs.getString(3), "default", rs.getString(5),
              Sql.resourceName(rs.getString(5), rs.getString(6)), SchemaObject.PRE, key("pg_attrdef", rs.getLong(1)));
          o.sql.add("ALTER TABLE ONLY " + col + " SET DEFAULT " + rs.getString(4));
          o.drop = "ALTER TABLE ONLY " + col + " DROP DEFAULT";
          o.deps.add(found.byKey.get(key("pg_class", rs.getLong(7))));
        });
  }
}
