package io.maintenance.datastore.postgres.internal;

import io.maintenance.datastore.postgres.internal.DatabaseSchema.SequenceState;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The objects {@link SchemaReader} finds while it reads the catalogs, keyed by their catalog keys
 * ({@code classid:objid}) so pg_depend rows map to them; the parts every kind of object may have (comments,
 * grants) and the roles they name; and the catalog queries the readers share.
 */
final class CatalogObjects {
  /** Namespaces that hold user objects. */
  static final String USER_NS = "(SELECT oid FROM pg_namespace WHERE nspname NOT IN ('pg_catalog', 'information_schema',"
      + " 'pg_toast') AND nspname NOT LIKE 'pg\\_temp\\_%' AND nspname NOT LIKE 'pg\\_toast\\_temp\\_%'"
      + " AND nspname NOT LIKE 'maintenance\\_stage\\_%')";

  /** Neither part of an extension nor made implicitly with another object (a range type's constructors). */
  static String notExtensionMember(String catalog, String oid) {
    return "NOT EXISTS (SELECT 1 FROM pg_depend e WHERE e.classid = '" + catalog + "'::regclass AND e.objid = " + oid
        + " AND e.deptype IN ('e', 'i') AND e.refclassid <> 'pg_class'::regclass)";
  }

  /** An object while it is being read: its catalog keys ({@code classid:objid}) map pg_depend rows to it. */
  static final class Obj {
    final String id;
    final String kind;
    final String schema;
    final String table;
    String section;
    final List<String> sql = new ArrayList<>();
    final Set<String> keys = new LinkedHashSet<>();
    final Set<Obj> deps = new LinkedHashSet<>();
    String drop;

    Obj(String id, String kind, String schema, String table, String section) {
      this.id = id;
      this.kind = kind;
      this.schema = schema;
      this.table = table;
      this.section = section;
    }
  }

  final Connection c;
  final int version;
  final Map<String, Obj> byKey = new HashMap<>();
  final Map<String, Obj> byId = new LinkedHashMap<>();
  final Set<String> roles = new TreeSet<>();
  final Map<String, String> extensions = new LinkedHashMap<>();
  final List<String> unsupported = new ArrayList<>();
  final List<String> populated = new ArrayList<>();
  final Map<String, SequenceState> sequences = new LinkedHashMap<>();
  final List<String> dataTables = new ArrayList<>();
  final Map<String, Obj> schemaObjects = new HashMap<>();
  final Map<String, Obj> extensionObjects = new HashMap<>();
  /** Sequence-owner objects and their sequence's oid, to depend on the owning table once tables are read. */
  final Map<Obj, Long> ownedBy = new LinkedHashMap<>();
  private final Map<Long, String> classNames = new HashMap<>();
  private Map<String, String> descriptions;

  CatalogObjects(Connection c) throws SQLException {
    this.c = c;
    try (Statement st = c.createStatement();
        ResultSet rs = st.executeQuery("SELECT current_setting('server_version_num')::int")) {
      rs.next();
      this.version = rs.getInt(1);
    }
  }

  Obj add(String id, String kind, String schema, String table, String section, String... keys) {
    Obj o = new Obj(id, kind, schema, table, section);
    for (String k : keys) {
      o.keys.add(k);
      byKey.put(k, o);
    }
    byId.put(id, o);
    return o;
  }

  static String key(String catalog, long oid) {
    return catalog + ":" + oid;
  }

  /** A comment, as its own object (so it can change without recreating what it describes). */
  void comment(Obj owner, String catalog, long oid, int subid, String target) throws SQLException {
    String description = descriptions().get(catalog + ":" + oid + ":" + subid);
    if (description != null) {
      Obj o = add("comment on " + target.toLowerCase(java.util.Locale.ROOT).substring(0, target.indexOf(' ')) + target.substring(
          target.indexOf(' ')), "comment", owner.schema, owner.table, owner.section);
      o.sql.add("COMMENT ON " + target + " IS " + Sql.literal(description));
      o.drop = "COMMENT ON " + target + " IS NULL";
      o.deps.add(owner);
    }
  }

  /** Every comment of the database, read once ({@code catalog:oid:subid}). */
  Map<String, String> descriptions() throws SQLException {
    if (descriptions == null) {
      Map<String, String> m = new HashMap<>();
      // Built-in objects (OIDs below FirstNormalObjectId) are never dumped: their comments are not read.
      query("SELECT classoid::regclass::text, objoid, objsubid, description FROM pg_description WHERE objoid >= 16384"
          + " OR classoid = 'pg_namespace'::regclass",
          rs -> m.put(rs.getString(1) + ":" + rs.getLong(2) + ":" + rs.getInt(3), rs.getString(4)));
      descriptions = m;
    }
    return descriptions;
  }

  void columnComments(Obj owner, long relid, String q) throws SQLException {
    List<Object[]> cols = new ArrayList<>();
    String prefix = "pg_class:" + relid + ":";
    for (String k : descriptions().keySet()) {
      if (k.startsWith(prefix) && !k.equals(prefix + "0")) {
        cols.add(new Object[] {Integer.parseInt(k.substring(prefix.length()))});
      }
    }
    if (cols.isEmpty()) {
      return;
    }
    try (PreparedStatement ps = c.prepareStatement("SELECT a.attnum, quote_ident(a.attname) FROM pg_attribute a"
        + " WHERE a.attrelid = ? AND a.attnum > 0 ORDER BY a.attnum")) {
      ps.setLong(1, relid);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          if (descriptions().containsKey(prefix + rs.getInt(1))) {
            comment(owner, "pg_class", relid, rs.getInt(1), "COLUMN " + q + "." + rs.getString(2));
          }
        }
      }
    }
  }

  /** Grants as their own object: revoke the defaults, then grant exactly what the ACL holds, in its order. */
  Obj acl(Obj owner, String acl, String target, String ownerRole, String type) {
    if (acl == null) {
      return null;
    }
    Obj o = add("acl on " + target.toLowerCase(java.util.Locale.ROOT).substring(0, target.indexOf(' ')) + target.substring(target.indexOf(' ')),
        "acl", owner.schema, owner.table, owner.section);
    List<AclItem> items = AclItem.parse(acl);
    // Start from nothing (default privileges may have granted something already), then grant in the ACL's order.
    Set<String> revoke = new LinkedHashSet<>(List.of("PUBLIC", role(ownerRole)));
    items.forEach(i -> revoke.add(i.granteeSql()));
    o.sql.add("REVOKE ALL ON " + target + " FROM " + String.join(", ", revoke));
    for (AclItem item : items) {
      role(item);
      for (String g : item.grants(type)) {
        boolean option = g.endsWith("*");
        o.sql.add("GRANT " + (option ? g.substring(0, g.length() - 1) : g) + " ON " + target + " TO " + item.granteeSql()
            + (option ? " WITH GRANT OPTION" : ""));
      }
    }
    o.drop = "REVOKE ALL ON " + target + " FROM PUBLIC";
    o.deps.add(owner);
    return o;
  }

  /** Column grants come after the table's (whose REVOKE ALL would take them away again). */
  void columnAcls(Obj owner, Obj tableAcl, long relid, String q) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement("SELECT quote_ident(a.attname), a.attacl::text FROM pg_attribute a"
        + " WHERE a.attrelid = ? AND a.attacl IS NOT NULL AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum")) {
      ps.setLong(1, relid);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          Obj o = add("acl on column " + q + "." + rs.getString(1), "acl", owner.schema, owner.table, owner.section);
          for (AclItem item : AclItem.parse(rs.getString(2))) {
            role(item);
            for (String g : item.grants("c")) {
              boolean option = g.endsWith("*");
              o.sql.add("GRANT " + (option ? g.substring(0, g.length() - 1) : g) + " (" + rs.getString(1) + ") ON TABLE " + q
                  + " TO " + item.granteeSql() + (option ? " WITH GRANT OPTION" : ""));
            }
          }
          o.drop = "REVOKE ALL (" + rs.getString(1) + ") ON TABLE " + q + " FROM PUBLIC";
          o.deps.add(owner);
          if (tableAcl != null) {
            o.deps.add(tableAcl);
          }
        }
      }
    }
  }

  String role(String name) {
    roles.add(name);
    return Sql.quote(name);
  }

  void role(AclItem item) {
    if (!item.grantee().isEmpty()) {
      roles.add(item.grantee());
    }
  }

  /** Column definitions in attnum order: type, collation, generation, NOT NULL. */
  List<String> columnList(long relid, boolean all, boolean withConstraints) throws SQLException {
    List<String> out = new ArrayList<>();
    try (PreparedStatement ps = c.prepareStatement("SELECT quote_ident(a.attname), format_type(a.atttypid, a.atttypmod),"
        + " CASE WHEN a.attcollation <> 0 AND a.attcollation <> t.typcollation THEN (SELECT quote_ident(cn.nspname) || '.'"
        + "   || quote_ident(co.collname) FROM pg_collation co JOIN pg_namespace cn ON cn.oid = co.collnamespace"
        + "   WHERE co.oid = a.attcollation) END,"
        + " a.attgenerated, pg_get_expr(d.adbin, d.adrelid), a.attnotnull, a.attislocal"
        + " FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum"
        + " WHERE a.attrelid = ? AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum")) {
      ps.setLong(1, relid);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          if (!all && !rs.getBoolean(7) && withConstraints) {
            continue; // inherited: comes from the parent
          }
          StringBuilder sb = new StringBuilder(rs.getString(1)).append(' ').append(rs.getString(2));
          if (rs.getString(3) != null) {
            sb.append(" COLLATE ").append(rs.getString(3));
          }
          if (withConstraints) {
            if ("s".equals(rs.getString(4))) {
              sb.append(" GENERATED ALWAYS AS (").append(rs.getString(5)).append(") STORED");
            }
            if (rs.getBoolean(6)) {
              sb.append(" NOT NULL");
            }
          }
          out.add(sb.toString());
        }
      }
    }
    return out;
  }

  String className(long classid) throws SQLException {
    String name = classNames.get(classid);
    if (name == null) {
      try (PreparedStatement ps = c.prepareStatement("SELECT relname FROM pg_class WHERE oid = ?")) {
        ps.setLong(1, classid);
        try (ResultSet rs = ps.executeQuery()) {
          name = rs.next() ? rs.getString(1) : "?" + classid;
        }
      }
      classNames.put(classid, name);
    }
    return name;
  }

  @FunctionalInterface
  interface RowHandler {
    void row(ResultSet rs) throws SQLException;
  }

  void query(String sql, RowHandler handler) throws SQLException {
    try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
      while (rs.next()) {
        handler.row(rs);
      }
    }
  }

  static String stripSemicolon(String s) {
    String t = s.stripTrailing();
    return t.endsWith(";") ? t.substring(0, t.length() - 1) : t;
  }

  /** {@code reloptions} text array ({@code {fillfactor=90,check_option=local}}) as a WITH list. */
  static String reloptions(String array) {
    String inner = array.substring(1, array.length() - 1);
    List<String> out = new ArrayList<>();
    for (String opt : inner.split(",")) {
      String o = opt.startsWith("\"") ? opt.substring(1, opt.length() - 1) : opt;
      int eq = o.indexOf('=');
      out.add(o.substring(0, eq) + "=" + Sql.literal(o.substring(eq + 1)));
    }
    return String.join(", ", out);
  }
}
