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
import java.util.function.Predicate;

/**
 * Reads every object of a database's user schemas from the system catalogs, as DDL produced by the
 * server's own deparsers ({@code pg_get_viewdef}, {@code pg_get_functiondef}, {@code pg_get_triggerdef},
 * {@code pg_get_constraintdef}, {@code pg_get_indexdef}, {@code pg_get_partkeydef}, {@code pg_get_expr},
 * {@code pg_get_ruledef}, {@code pg_get_statisticsobjdef}, {@code format_type}) under
 * {@code search_path = pg_catalog}, so every name is qualified and quoted by the server. Objects are
 * ordered by {@code pg_depend} and split like {@code pg_dump}: what must exist before the rows (pre) and
 * what is built after them (post). Objects that belong to extensions are represented by the extension.
 */
public final class SchemaReader {
  /** Namespaces that hold user objects. */
  private static final String USER_NS = "(SELECT oid FROM pg_namespace WHERE nspname NOT IN ('pg_catalog', 'information_schema',"
      + " 'pg_toast') AND nspname NOT LIKE 'pg\\_temp\\_%' AND nspname NOT LIKE 'pg\\_toast\\_temp\\_%'"
      + " AND nspname NOT LIKE 'maintenance\\_stage\\_%')";

  /** Neither part of an extension nor made implicitly with another object (a range type's constructors). */
  private static String notExtensionMember(String catalog, String oid) {
    return "NOT EXISTS (SELECT 1 FROM pg_depend e WHERE e.classid = '" + catalog + "'::regclass AND e.objid = " + oid
        + " AND e.deptype IN ('e', 'i') AND e.refclassid <> 'pg_class'::regclass)";
  }

  /** An object while it is being read: its catalog keys ({@code classid:objid}) map pg_depend rows to it. */
  private static final class Obj {
    final String id;
    final String kind;
    final String schema;
    final String table;
    String section;
    final List<String> sql = new ArrayList<>();
    final Set<String> keys = new LinkedHashSet<>();
    final Set<Obj> deps = new LinkedHashSet<>();
    String drop;
    int order;

    Obj(String id, String kind, String schema, String table, String section) {
      this.id = id;
      this.kind = kind;
      this.schema = schema;
      this.table = table;
      this.section = section;
    }
  }

  private final Connection c;
  private final int version;
  private final Map<String, Obj> byKey = new HashMap<>();
  private final Map<String, Obj> byId = new LinkedHashMap<>();
  private final Set<String> roles = new TreeSet<>();
  private final Map<String, String> extensions = new LinkedHashMap<>();
  private final List<String> unsupported = new ArrayList<>();
  private final List<String> populated = new ArrayList<>();
  private final Map<String, SequenceState> sequences = new LinkedHashMap<>();
  private final List<String> dataTables = new ArrayList<>();
  private final Map<Long, String> classNames = new HashMap<>();
  private final Map<String, Obj> schemaObjects = new HashMap<>();
  private final Map<String, Obj> extensionObjects = new HashMap<>();

  private SchemaReader(Connection c) throws SQLException {
    this.c = c;
    try (Statement st = c.createStatement();
        ResultSet rs = st.executeQuery("SELECT current_setting('server_version_num')::int")) {
      rs.next();
      this.version = rs.getInt(1);
    }
  }

  /**
   * Reads the schema. {@code selected} chooses the tables whose rows are backed up; when it selects a
   * subset ({@code whole} false) only those tables, the objects on them and what they depend on are kept.
   */
  public static DatabaseSchema read(Connection c, Predicate<String> selected, boolean whole) throws SQLException {
    SchemaReader r = new SchemaReader(c);
    r.readAll();
    return r.result(selected, whole);
  }

  private void readAll() throws SQLException {
    schemas();
    extensions();
    collations();
    types();
    functions();
    sequences();
    relations();
    defaults();
    constraints();
    indexes();
    triggers();
    policies();
    rules();
    statistics();
    defaultAcls();
    dependencies();
    unsupportedObjects();
  }

  // ------------------------------------------------------------------------------------------ objects

  private Obj add(String id, String kind, String schema, String table, String section, String... keys) {
    Obj o = new Obj(id, kind, schema, table, section);
    for (String k : keys) {
      o.keys.add(k);
      byKey.put(k, o);
    }
    byId.put(id, o);
    return o;
  }

  private static String key(String catalog, long oid) {
    return catalog + ":" + oid;
  }

  private void schemas() throws SQLException {
    query("SELECT n.oid, quote_ident(n.nspname), pg_get_userbyid(n.nspowner), n.nspacl::text, n.nspname FROM pg_namespace n"
        + " WHERE n.oid IN " + USER_NS + " AND " + notExtensionMember("pg_namespace", "n.oid") + " ORDER BY n.nspname", rs -> {
          String q = rs.getString(2);
          Obj o = add("schema " + q, "schema", rs.getString(5), null, SchemaObject.PRE, key("pg_namespace", rs.getLong(1)));
          o.sql.add("CREATE SCHEMA IF NOT EXISTS " + q);
          o.sql.add("ALTER SCHEMA " + q + " OWNER TO " + role(rs.getString(3)));
          o.drop = "DROP SCHEMA " + q;
          schemaObjects.put(rs.getString(5), o);
          comment(o, "pg_namespace", rs.getLong(1), 0, "SCHEMA " + q);
          acl(o, rs.getString(4), "SCHEMA " + q, rs.getString(3), "n");
        });
  }

  private void extensions() throws SQLException {
    // Extensions created by initdb (plpgsql) exist everywhere and are not dumped, like pg_dump does.
    query("SELECT e.oid, quote_ident(e.extname), quote_ident(n.nspname), e.extversion, e.extname, n.nspname FROM pg_extension e"
        + " JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.oid >= 16384 ORDER BY e.extname", rs -> {
          String q = rs.getString(2);
          Obj o = add("extension " + q, "extension", rs.getString(6), null, SchemaObject.PRE, key("pg_extension", rs.getLong(1)));
          o.sql.add("CREATE EXTENSION IF NOT EXISTS " + q + " WITH SCHEMA " + rs.getString(3));
          o.drop = "DROP EXTENSION " + q;
          extensions.put(rs.getString(5), rs.getString(4));
          extensionObjects.put(rs.getString(5), o);
          comment(o, "pg_extension", rs.getLong(1), 0, "EXTENSION " + q);
        });
    // Objects that belong to an extension stand for the extension in pg_depend.
    query("SELECT d.classid, d.objid, d.refobjid FROM pg_depend d WHERE d.deptype = 'e' AND d.refclassid = 'pg_extension'::regclass",
        rs -> {
          Obj ext = byKey.get(key("pg_extension", rs.getLong(3)));
          if (ext != null) {
            byKey.put(key(className(rs.getLong(1)), rs.getLong(2)), ext);
          }
        });
  }

  private void collations() throws SQLException {
    query("SELECT c.oid, quote_ident(n.nspname) || '.' || quote_ident(c.collname), pg_get_userbyid(c.collowner), c.collprovider,"
        + " c.collisdeterministic, c.collcollate, c.collctype, coalesce(to_jsonb(c) ->> 'colllocale', to_jsonb(c) ->> 'colliculocale'),"
        + " to_jsonb(c) ->> 'collicurules', n.nspname FROM pg_collation c JOIN pg_namespace n ON n.oid = c.collnamespace"
        + " WHERE c.collnamespace IN " + USER_NS + " AND " + notExtensionMember("pg_collation", "c.oid") + " ORDER BY 2", rs -> {
          String q = rs.getString(2);
          Obj o = add("collation " + q, "collation", rs.getString(10), null, SchemaObject.PRE, key("pg_collation", rs.getLong(1)));
          String provider = rs.getString(4);
          StringBuilder sb = new StringBuilder("CREATE COLLATION ").append(q).append(" (provider = ")
              .append("i".equals(provider) ? "icu" : "c".equals(provider) ? "libc" : "builtin");
          if ("c".equals(provider)) {
            sb.append(", lc_collate = ").append(literal(rs.getString(6))).append(", lc_ctype = ").append(literal(rs.getString(7)));
          } else {
            sb.append(", locale = ").append(literal(rs.getString(8)));
          }
          if (rs.getString(9) != null) {
            sb.append(", rules = ").append(literal(rs.getString(9)));
          }
          if (!rs.getBoolean(5)) {
            sb.append(", deterministic = false");
          }
          o.sql.add(sb.append(")").toString());
          o.sql.add("ALTER COLLATION " + q + " OWNER TO " + role(rs.getString(3)));
          o.drop = "DROP COLLATION " + q;
          comment(o, "pg_collation", rs.getLong(1), 0, "COLLATION " + q);
        });
  }

  private void types() throws SQLException {
    query("SELECT t.oid, quote_ident(n.nspname) || '.' || quote_ident(t.typname), t.typtype, pg_get_userbyid(t.typowner),"
        + " t.typacl::text, t.typarray, n.nspname, t.typrelid,"
        + " (SELECT string_agg(quote_literal(e.enumlabel), ', ' ORDER BY e.enumsortorder) FROM pg_enum e WHERE e.enumtypid = t.oid),"
        + " format_type(t.typbasetype, t.typtypmod), t.typnotnull, t.typdefault,"
        + " CASE WHEN t.typcollation <> 0 AND t.typcollation <> bt.typcollation"
        + "  THEN (SELECT quote_ident(cn.nspname) || '.' || quote_ident(co.collname) FROM pg_collation co"
        + "        JOIN pg_namespace cn ON cn.oid = co.collnamespace WHERE co.oid = t.typcollation) END"
        + " FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace LEFT JOIN pg_type bt ON bt.oid = t.typbasetype"
        + " WHERE t.typnamespace IN " + USER_NS + " AND " + notExtensionMember("pg_type", "t.oid")
        + " AND (t.typtype IN ('e', 'd', 'r') OR (t.typtype = 'c' AND (SELECT relkind FROM pg_class WHERE oid = t.typrelid) = 'c'))"
        + " ORDER BY 2", rs -> {
          String q = rs.getString(2);
          String typtype = rs.getString(3);
          long oid = rs.getLong(1);
          Obj o = add("type " + q, "type", rs.getString(7), null, SchemaObject.PRE, key("pg_type", oid), key("pg_type", rs.getLong(6)));
          switch (typtype) {
            case "e" -> o.sql.add("CREATE TYPE " + q + " AS ENUM (" + (rs.getString(9) == null ? "" : rs.getString(9)) + ")");
            case "c" -> {
              o.keys.add(key("pg_class", rs.getLong(8)));
              byKey.put(key("pg_class", rs.getLong(8)), o);
              o.sql.add("CREATE TYPE " + q + " AS (" + String.join(", ", columnList(rs.getLong(8), false, false)) + ")");
            }
            case "d" -> {
              StringBuilder sb = new StringBuilder("CREATE DOMAIN ").append(q).append(" AS ").append(rs.getString(10));
              if (rs.getString(13) != null) {
                sb.append(" COLLATE ").append(rs.getString(13));
              }
              if (rs.getString(12) != null) {
                sb.append(" DEFAULT ").append(rs.getString(12));
              }
              if (rs.getBoolean(11)) {
                sb.append(" NOT NULL");
              }
              o.sql.add(sb.toString());
              domainConstraints(o, q, oid);
            }
            default -> o.sql.add(rangeType(q, oid));
          }
          String word = "d".equals(typtype) ? "DOMAIN " : "TYPE ";
          o.sql.add("ALTER " + word + q + " OWNER TO " + role(rs.getString(4)));
          o.drop = "DROP " + word + q;
          comment(o, "pg_type", oid, 0, word + q);
          if ("c".equals(typtype)) {
            columnComments(o, rs.getLong(8), q);
          }
          acl(o, rs.getString(5), word + q, rs.getString(4), "T");
        });
  }

  private void domainConstraints(Obj o, String q, long oid) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement("SELECT co.oid, quote_ident(co.conname), pg_get_constraintdef(co.oid)"
        + " FROM pg_constraint co WHERE co.contypid = ? AND co.contype = 'c' ORDER BY co.conname")) {
      ps.setLong(1, oid);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          o.sql.add("ALTER DOMAIN " + q + " ADD CONSTRAINT " + rs.getString(2) + " " + rs.getString(3));
          o.keys.add(key("pg_constraint", rs.getLong(1)));
          byKey.put(key("pg_constraint", rs.getLong(1)), o);
          comment(o, "pg_constraint", rs.getLong(1), 0, "CONSTRAINT " + rs.getString(2) + " ON DOMAIN " + q);
        }
      }
    }
  }

  private String rangeType(String q, long oid) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement("SELECT format_type(r.rngsubtype, NULL),"
        + " quote_ident(on_.nspname) || '.' || quote_ident(opc.opcname), opc.opcdefault,"
        + " CASE WHEN r.rngcollation <> 0 AND r.rngcollation <> st.typcollation THEN (SELECT quote_ident(cn.nspname) || '.'"
        + "  || quote_ident(co.collname) FROM pg_collation co JOIN pg_namespace cn ON cn.oid = co.collnamespace"
        + "  WHERE co.oid = r.rngcollation) END,"
        + " CASE WHEN r.rngcanonical <> 0 THEN r.rngcanonical::regproc::text END,"
        + " CASE WHEN r.rngsubdiff <> 0 THEN r.rngsubdiff::regproc::text END,"
        + " (SELECT quote_ident(mn.nspname) || '.' || quote_ident(mt.typname) FROM pg_type mt"
        + "   JOIN pg_namespace mn ON mn.oid = mt.typnamespace WHERE mt.oid = r.rngmultitypid)"
        + " FROM pg_range r JOIN pg_type st ON st.oid = r.rngsubtype JOIN pg_opclass opc ON opc.oid = r.rngsubopc"
        + " JOIN pg_namespace on_ ON on_.oid = opc.opcnamespace WHERE r.rngtypid = ?")) {
      ps.setLong(1, oid);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        StringBuilder sb = new StringBuilder("CREATE TYPE ").append(q).append(" AS RANGE (subtype = ").append(rs.getString(1));
        if (!rs.getBoolean(3)) {
          sb.append(", subtype_opclass = ").append(rs.getString(2));
        }
        if (rs.getString(4) != null) {
          sb.append(", collation = ").append(rs.getString(4));
        }
        if (rs.getString(5) != null) {
          sb.append(", canonical = ").append(rs.getString(5));
        }
        if (rs.getString(6) != null) {
          sb.append(", subtype_diff = ").append(rs.getString(6));
        }
        if (rs.getString(7) != null) {
          sb.append(", multirange_type_name = ").append(rs.getString(7));
        }
        return sb.append(")").toString();
      }
    }
  }

  private void functions() throws SQLException {
    query("SELECT p.oid, quote_ident(n.nspname) || '.' || quote_ident(p.proname) || '(' || pg_get_function_identity_arguments(p.oid)"
        + " || ')', p.prokind, pg_get_userbyid(p.proowner), p.proacl::text, n.nspname,"
        + " CASE WHEN p.prokind <> 'a' THEN pg_get_functiondef(p.oid) END"
        + " FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace"
        + " WHERE p.pronamespace IN " + USER_NS + " AND " + notExtensionMember("pg_proc", "p.oid") + " ORDER BY 2", rs -> {
          String q = rs.getString(2);
          String kind = rs.getString(3);
          String word = switch (kind) {
            case "p" -> "PROCEDURE ";
            case "a" -> "AGGREGATE ";
            default -> "FUNCTION ";
          };
          Obj o = add(word.trim().toLowerCase(java.util.Locale.ROOT) + " " + q, "function", rs.getString(6), null,
              SchemaObject.PRE, key("pg_proc", rs.getLong(1)));
          o.sql.add("a".equals(kind) ? aggregate(rs.getLong(1)) : stripSemicolon(rs.getString(7)));
          o.sql.add("ALTER " + word + q + " OWNER TO " + role(rs.getString(4)));
          o.drop = "DROP " + word + q;
          comment(o, "pg_proc", rs.getLong(1), 0, word + q);
          acl(o, rs.getString(5), "a".equals(kind) ? "FUNCTION " + q : word + q, rs.getString(4), "f");
        });
  }

  private String aggregate(long oid) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement("SELECT quote_ident(n.nspname) || '.' || quote_ident(p.proname),"
        + " pg_get_function_arguments(p.oid), a.aggkind, a.aggtransfn::regproc::text, format_type(a.aggtranstype, NULL),"
        + " a.aggtransspace, NULLIF(a.aggfinalfn, 0)::regproc::text, a.aggfinalextra, a.aggfinalmodify,"
        + " NULLIF(a.aggcombinefn, 0)::regproc::text, NULLIF(a.aggserialfn, 0)::regproc::text, NULLIF(a.aggdeserialfn, 0)::regproc::text,"
        + " a.agginitval, NULLIF(a.aggmtransfn, 0)::regproc::text, NULLIF(a.aggminvtransfn, 0)::regproc::text,"
        + " CASE WHEN a.aggmtranstype <> 0 THEN format_type(a.aggmtranstype, NULL) END, a.aggmtransspace,"
        + " NULLIF(a.aggmfinalfn, 0)::regproc::text, a.aggmfinalextra, a.aggmfinalmodify, a.aggminitval,"
        + " CASE WHEN a.aggsortop <> 0 THEN a.aggsortop::regoperator::text END, p.proparallel, a.aggnumdirectargs"
        + " FROM pg_aggregate a JOIN pg_proc p ON p.oid = a.aggfnoid JOIN pg_namespace n ON n.oid = p.pronamespace"
        + " WHERE a.aggfnoid = ?")) {
      ps.setLong(1, oid);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        List<String> opts = new ArrayList<>();
        opts.add("SFUNC = " + rs.getString(4));
        opts.add("STYPE = " + rs.getString(5));
        if (rs.getInt(6) != 0) {
          opts.add("SSPACE = " + rs.getInt(6));
        }
        if (rs.getString(7) != null) {
          opts.add("FINALFUNC = " + rs.getString(7));
          if (rs.getBoolean(8)) {
            opts.add("FINALFUNC_EXTRA");
          }
          opts.add("FINALFUNC_MODIFY = " + modify(rs.getString(9)));
        }
        if (rs.getString(10) != null) {
          opts.add("COMBINEFUNC = " + rs.getString(10));
        }
        if (rs.getString(11) != null) {
          opts.add("SERIALFUNC = " + rs.getString(11));
          opts.add("DESERIALFUNC = " + rs.getString(12));
        }
        if (rs.getString(13) != null) {
          opts.add("INITCOND = " + literal(rs.getString(13)));
        }
        if (rs.getString(14) != null) {
          opts.add("MSFUNC = " + rs.getString(14));
          opts.add("MINVFUNC = " + rs.getString(15));
          opts.add("MSTYPE = " + rs.getString(16));
          if (rs.getInt(17) != 0) {
            opts.add("MSSPACE = " + rs.getInt(17));
          }
          if (rs.getString(18) != null) {
            opts.add("MFINALFUNC = " + rs.getString(18));
            if (rs.getBoolean(19)) {
              opts.add("MFINALFUNC_EXTRA");
            }
            opts.add("MFINALFUNC_MODIFY = " + modify(rs.getString(20)));
          }
          if (rs.getString(21) != null) {
            opts.add("MINITCOND = " + literal(rs.getString(21)));
          }
        }
        if (rs.getString(22) != null) {
          String op = rs.getString(22);
          opts.add("SORTOP = OPERATOR(" + op.substring(0, op.indexOf('(')) + ")");
        }
        if ("h".equals(rs.getString(3))) {
          opts.add("HYPOTHETICAL");
        }
        String parallel = rs.getString(23);
        if (!"u".equals(parallel)) {
          opts.add("PARALLEL = " + ("s".equals(parallel) ? "SAFE" : "RESTRICTED"));
        }
        String args = rs.getString(2);
        return "CREATE AGGREGATE " + rs.getString(1) + "(" + (args.isEmpty() ? "*" : args) + ") (" + String.join(", ", opts) + ")";
      }
    }
  }

  private static String modify(String m) {
    return switch (m) {
      case "r" -> "READ_ONLY";
      case "s" -> "SHAREABLE";
      default -> "READ_WRITE";
    };
  }

  private void sequences() throws SQLException {
    // Identity sequences are part of their table; the others are objects of their own.
    query("SELECT s.oid, quote_ident(n.nspname) || '.' || quote_ident(s.relname), pg_get_userbyid(s.relowner), s.relacl::text,"
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
          sequences.put(q, null);
          if (rs.getBoolean(14)) {
            return;
          }
          Obj o = add("sequence " + q, "sequence", rs.getString(12), null, SchemaObject.PRE, key("pg_class", rs.getLong(1)));
          o.sql.add("CREATE SEQUENCE " + q + " AS " + rs.getString(5) + sequenceOptions(rs, 6));
          o.sql.add("ALTER SEQUENCE " + q + " OWNER TO " + role(rs.getString(3)));
          o.drop = "DROP SEQUENCE " + q;
          comment(o, "pg_class", rs.getLong(1), 0, "SEQUENCE " + q);
          acl(o, rs.getString(4), "SEQUENCE " + q, rs.getString(3), "s");
          if (rs.getString(13) != null) {
            Obj owned = add("sequence-owner " + q, "sequence", rs.getString(12), null, SchemaObject.PRE);
            owned.sql.add("ALTER SEQUENCE " + q + " OWNED BY " + rs.getString(13));
            owned.deps.add(o);
            owned.drop = "ALTER SEQUENCE " + q + " OWNED BY NONE";
            ownedBy.put(owned, rs.getLong(1));
          }
        });
    for (String q : sequences.keySet()) {
      // The name comes from quote_ident, i.e. from the server.
      try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT last_value, is_called FROM " + q)) {
        rs.next();
        sequences.put(q, new SequenceState(rs.getLong(1), rs.getBoolean(2)));
      }
    }
  }

  /** Sequence-owner objects and their sequence's oid, to depend on the owning table once tables are read. */
  private final Map<Obj, Long> ownedBy = new LinkedHashMap<>();

  private static String sequenceOptions(ResultSet rs, int first) throws SQLException {
    return " START WITH " + rs.getLong(first) + " INCREMENT BY " + rs.getLong(first + 1) + " MINVALUE " + rs.getLong(first + 2)
        + " MAXVALUE " + rs.getLong(first + 3) + " CACHE " + rs.getLong(first + 4) + (rs.getBoolean(first + 5) ? " CYCLE" : " NO CYCLE");
  }

  private void relations() throws SQLException {
    query("SELECT c.oid, quote_ident(n.nspname) || '.' || quote_ident(c.relname), c.relkind, pg_get_userbyid(c.relowner),"
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
            unsupported.add("foreign table " + Sql.printable(resource));
            return;
          }
          String owner = rs.getString(4);
          String[] keys = {key("pg_class", oid), key("pg_type", rs.getLong(18)), key("pg_type", rs.getLong(22)),
              key("pg_rewrite", rs.getLong(21))};
          switch (relkind) {
            case "v", "m" -> {
              boolean mat = "m".equals(relkind);
              Obj o = add((mat ? "materialized view " : "view ") + q, mat ? "matview" : "view", schema, resource, SchemaObject.PRE, keys);
              String options = rs.getString(9) == null ? "" : " WITH (" + reloptions(rs.getString(9)) + ")";
              String def = stripSemicolon(rs.getString(20)).stripTrailing();
              o.sql.add((mat ? "CREATE MATERIALIZED VIEW " : "CREATE VIEW ") + q + options + " AS\n" + def
                  + (mat ? "\n  WITH NO DATA" : ""));
              String word = mat ? "MATERIALIZED VIEW " : "VIEW ";
              o.sql.add("ALTER " + (mat ? word : "TABLE ") + q + " OWNER TO " + role(owner));
              o.drop = "DROP " + word + q;
              if (mat && rs.getBoolean(19)) {
                populated.add(o.id);
              }
              comment(o, "pg_class", oid, 0, word + q);
              columnComments(o, oid, q);
              columnAcls(o, acl(o, rs.getString(5), "TABLE " + q, owner, "r"), oid, q);
            }
            default -> {
              Obj o = add("table " + q, "table", schema, resource, SchemaObject.PRE, keys);
              table(o, rs, oid, q, relkind);
              o.sql.add("ALTER TABLE " + q + " OWNER TO " + role(owner));
              o.drop = "DROP TABLE " + q;
              if ("r".equals(relkind)) {
                dataTables.add(resource);
              }
              comment(o, "pg_class", oid, 0, "TABLE " + q);
              columnComments(o, oid, q);
              columnAcls(o, acl(o, rs.getString(5), "TABLE " + q, owner, "r"), oid, q);
            }
          }
        });
    for (Map.Entry<Obj, Long> e : ownedBy.entrySet()) {
      try (PreparedStatement ps = c.prepareStatement("SELECT refobjid FROM pg_depend WHERE classid = 'pg_class'::regclass"
          + " AND objid = ? AND refclassid = 'pg_class'::regclass AND deptype = 'a'")) {
        ps.setLong(1, e.getValue());
        try (ResultSet rs = ps.executeQuery()) {
          if (rs.next() && byKey.get(key("pg_class", rs.getLong(1))) != null) {
            e.getKey().deps.add(byKey.get(key("pg_class", rs.getLong(1))));
          }
        }
      }
    }
  }

  private void table(Obj o, ResultSet rs, long oid, String q, String relkind) throws SQLException {
    boolean partition = rs.getBoolean(10);
    String inherits = rs.getString(14);
    List<String> parts = columnList(oid, inherits == null || partition, true);
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
          byKey.put(key("pg_constraint", cr.getLong(1)), o);
          comment(o, "pg_constraint", cr.getLong(1), 0, "CONSTRAINT " + cr.getString(2) + " ON " + q);
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

  /** Column definitions in attnum order: type, collation, generation, NOT NULL. */
  private List<String> columnList(long relid, boolean all, boolean withConstraints) throws SQLException {
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

  /** Identity, statistics targets, storage and compression that differ from the defaults. */
  private void columnSettings(Obj o, long relid, String q, boolean inherited) throws SQLException {
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

  private void defaults() throws SQLException {
    query("SELECT d.oid, quote_ident(n.nspname) || '.' || quote_ident(c.relname), quote_ident(a.attname), pg_get_expr(d.adbin, d.adrelid),"
        + " n.nspname, c.relname, c.oid FROM pg_attrdef d JOIN pg_class c ON c.oid = d.adrelid JOIN pg_namespace n ON n.oid = c.relnamespace"
        + " JOIN pg_attribute a ON a.attrelid = d.adrelid AND a.attnum = d.adnum"
        + " WHERE a.attgenerated = '' AND c.relkind IN ('r', 'p') AND c.relnamespace IN " + USER_NS + " AND "
        + notExtensionMember("pg_class", "c.oid") + " ORDER BY 2, a.attnum", rs -> {
          String col = rs.getString(2) + " ALTER COLUMN " + rs.getString(3);
          Obj o = add("default " + rs.getString(2) + "." + rs.getString(3), "default", rs.getString(5),
              Sql.resourceName(rs.getString(5), rs.getString(6)), SchemaObject.PRE, key("pg_attrdef", rs.getLong(1)));
          o.sql.add("ALTER TABLE ONLY " + col + " SET DEFAULT " + rs.getString(4));
          o.drop = "ALTER TABLE ONLY " + col + " DROP DEFAULT";
          o.deps.add(byKey.get(key("pg_class", rs.getLong(7))));
        });
  }

  private void constraints() throws SQLException {
    query("SELECT co.oid, quote_ident(co.conname), pg_get_constraintdef(co.oid), co.contype, quote_ident(n.nspname) || '.'"
        + " || quote_ident(c.relname), c.relkind, n.nspname, c.relname, co.conparentid, co.conindid, co.convalidated,"
        + " (SELECT quote_ident(pn.nspname) || '.' || quote_ident(pi.relname) FROM pg_constraint pc JOIN pg_class pi ON pi.oid = pc.conindid"
        + "   JOIN pg_namespace pn ON pn.oid = pi.relnamespace WHERE pc.oid = co.conparentid),"
        + " (SELECT quote_ident(xn.nspname) || '.' || quote_ident(x.relname) FROM pg_class x JOIN pg_namespace xn ON xn.oid = x.relnamespace"
        + "   WHERE x.oid = co.conindid), c.oid"
        + " FROM pg_constraint co JOIN pg_class c ON c.oid = co.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace"
        + " WHERE co.contype IN ('p', 'u', 'x', 'f', 'c') AND c.relkind IN ('r', 'p') AND c.relnamespace IN " + USER_NS
        + " AND " + notExtensionMember("pg_class", "c.oid") + " AND (co.conislocal OR co.conparentid <> 0)"
        + " ORDER BY 5, 2", rs -> {
          String type = rs.getString(4);
          if ("c".equals(type) && rs.getBoolean(11)) {
            return; // inline in CREATE TABLE
          }
          if ("f".equals(type) && rs.getLong(9) != 0) {
            return; // cloned from the partitioned parent's foreign key
          }
          String table = rs.getString(5);
          String name = rs.getString(2);
          boolean partitioned = "p".equals(rs.getString(6));
          Obj o = add(("f".equals(type) ? "foreign key " : "constraint ") + name + " on " + table,
              "f".equals(type) ? "foreign-key" : "constraint", rs.getString(7), Sql.resourceName(rs.getString(7), rs.getString(8)),
              SchemaObject.POST, key("pg_constraint", rs.getLong(1)));
          if (!"f".equals(type) && rs.getLong(10) != 0) {
            o.keys.add(key("pg_class", rs.getLong(10)));
            byKey.put(key("pg_class", rs.getLong(10)), o);
          }
          o.sql.add("ALTER TABLE " + ("f".equals(type) && partitioned ? "" : "ONLY ") + table + " ADD CONSTRAINT " + name + " "
              + rs.getString(3));
          if (!"f".equals(type) && rs.getLong(9) != 0 && rs.getString(12) != null) {
            o.sql.add("ALTER INDEX " + rs.getString(12) + " ATTACH PARTITION " + rs.getString(13));
          }
          o.drop = "ALTER TABLE " + ("f".equals(type) && partitioned ? "" : "ONLY ") + table + " DROP CONSTRAINT " + name;
          o.deps.add(byKey.get(key("pg_class", rs.getLong(14))));
          comment(o, "pg_constraint", rs.getLong(1), 0, "CONSTRAINT " + name + " ON " + table);
        });
  }

  private void indexes() throws SQLException {
    query("SELECT i.indexrelid, quote_ident(n.nspname) || '.' || quote_ident(ic.relname), pg_get_indexdef(i.indexrelid),"
        + " n.nspname, t.relname, (SELECT quote_ident(pn.nspname) || '.' || quote_ident(p.relname) FROM pg_inherits h"
        + "   JOIN pg_class p ON p.oid = h.inhparent JOIN pg_namespace pn ON pn.oid = p.relnamespace WHERE h.inhrelid = i.indexrelid),"
        + " i.indisclustered, i.indisreplident, quote_ident(tn.nspname) || '.' || quote_ident(t.relname), t.oid"
        + " FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid JOIN pg_namespace n ON n.oid = ic.relnamespace"
        + " JOIN pg_class t ON t.oid = i.indrelid JOIN pg_namespace tn ON tn.oid = t.relnamespace"
        + " WHERE t.relkind IN ('r', 'p', 'm') AND t.relnamespace IN " + USER_NS + " AND " + notExtensionMember("pg_class", "t.oid")
        + " AND NOT EXISTS (SELECT 1 FROM pg_constraint co WHERE co.conindid = i.indexrelid AND co.contype IN ('p', 'u', 'x'))"
        + " ORDER BY 2", rs -> {
          String q = rs.getString(2);
          Obj o = add("index " + q, "index", rs.getString(4), Sql.resourceName(rs.getString(4), rs.getString(5)), SchemaObject.POST,
              key("pg_class", rs.getLong(1)));
          o.sql.add(rs.getString(3));
          if (rs.getString(6) != null) {
            o.sql.add("ALTER INDEX " + rs.getString(6) + " ATTACH PARTITION " + q);
          }
          o.drop = "DROP INDEX " + q;
          o.deps.add(byKey.get(key("pg_class", rs.getLong(10))));
          comment(o, "pg_class", rs.getLong(1), 0, "INDEX " + q);
        });
    // Clustering and replica identity name an index (or a key's index); they come after it.
    query("SELECT i.indexrelid, quote_ident(tn.nspname) || '.' || quote_ident(t.relname), quote_ident(ic.relname),"
        + " i.indisclustered, i.indisreplident, tn.nspname, t.relname FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid"
        + " JOIN pg_class t ON t.oid = i.indrelid JOIN pg_namespace tn ON tn.oid = t.relnamespace"
        + " WHERE (i.indisclustered OR i.indisreplident) AND t.relnamespace IN " + USER_NS, rs -> {
          Obj idx = byKey.get(key("pg_class", rs.getLong(1)));
          if (idx == null) {
            return;
          }
          Obj o = add("index-use " + rs.getString(2) + "." + rs.getString(3), "index", rs.getString(6),
              Sql.resourceName(rs.getString(6), rs.getString(7)), SchemaObject.POST);
          if (rs.getBoolean(4)) {
            o.sql.add("ALTER TABLE " + rs.getString(2) + " CLUSTER ON " + rs.getString(3));
          }
          if (rs.getBoolean(5)) {
            o.sql.add("ALTER TABLE ONLY " + rs.getString(2) + " REPLICA IDENTITY USING INDEX " + rs.getString(3));
          }
          o.deps.add(idx);
        });
  }

  private void triggers() throws SQLException {
    String notClone = version >= 130000 ? " AND tg.tgparentid = 0" : "";
    query("SELECT tg.oid, quote_ident(tg.tgname), pg_get_triggerdef(tg.oid), tg.tgenabled, quote_ident(n.nspname) || '.'"
        + " || quote_ident(c.relname), n.nspname, c.relname, c.oid FROM pg_trigger tg JOIN pg_class c ON c.oid = tg.tgrelid"
        + " JOIN pg_namespace n ON n.oid = c.relnamespace WHERE NOT tg.tgisinternal" + notClone + " AND c.relnamespace IN "
        + USER_NS + " AND " + notExtensionMember("pg_class", "c.oid") + " ORDER BY 5, 2", rs -> {
          String table = rs.getString(5);
          String name = rs.getString(2);
          Obj o = add("trigger " + name + " on " + table, "trigger", rs.getString(6), Sql.resourceName(rs.getString(6), rs.getString(7)),
              SchemaObject.POST, key("pg_trigger", rs.getLong(1)));
          o.sql.add(rs.getString(3));
          switch (rs.getString(4)) {
            case "D" -> o.sql.add("ALTER TABLE " + table + " DISABLE TRIGGER " + name);
            case "R" -> o.sql.add("ALTER TABLE " + table + " ENABLE REPLICA TRIGGER " + name);
            case "A" -> o.sql.add("ALTER TABLE " + table + " ENABLE ALWAYS TRIGGER " + name);
            default -> { }
          }
          o.drop = "DROP TRIGGER " + name + " ON " + table;
          o.deps.add(byKey.get(key("pg_class", rs.getLong(8))));
          comment(o, "pg_trigger", rs.getLong(1), 0, "TRIGGER " + name + " ON " + table);
        });
  }

  private void policies() throws SQLException {
    query("SELECT p.oid, quote_ident(p.polname), quote_ident(n.nspname) || '.' || quote_ident(c.relname), p.polpermissive, p.polcmd,"
        + " (SELECT array_agg(CASE WHEN r = 0 THEN '' ELSE pg_get_userbyid(r) END ORDER BY r) FROM unnest(p.polroles) r)::text[],"
        + " pg_get_expr(p.polqual, p.polrelid), pg_get_expr(p.polwithcheck, p.polrelid), n.nspname, c.relname, c.oid"
        + " FROM pg_policy p JOIN pg_class c ON c.oid = p.polrelid JOIN pg_namespace n ON n.oid = c.relnamespace"
        + " WHERE c.relnamespace IN " + USER_NS + " ORDER BY 3, 2", rs -> {
          String table = rs.getString(3);
          String name = rs.getString(2);
          Obj o = add("policy " + name + " on " + table, "policy", rs.getString(9), Sql.resourceName(rs.getString(9), rs.getString(10)),
              SchemaObject.POST, key("pg_policy", rs.getLong(1)));
          String cmd = switch (rs.getString(5)) {
            case "r" -> "SELECT";
            case "a" -> "INSERT";
            case "w" -> "UPDATE";
            case "d" -> "DELETE";
            default -> "ALL";
          };
          List<String> to = new ArrayList<>();
          for (String r : (String[]) rs.getArray(6).getArray()) {
            to.add(r.isEmpty() ? "PUBLIC" : role(r));
          }
          o.sql.add("CREATE POLICY " + name + " ON " + table + " AS " + (rs.getBoolean(4) ? "PERMISSIVE" : "RESTRICTIVE")
              + " FOR " + cmd + " TO " + String.join(", ", to) + (rs.getString(7) == null ? "" : " USING (" + rs.getString(7) + ")")
              + (rs.getString(8) == null ? "" : " WITH CHECK (" + rs.getString(8) + ")"));
          o.drop = "DROP POLICY " + name + " ON " + table;
          o.deps.add(byKey.get(key("pg_class", rs.getLong(11))));
          comment(o, "pg_policy", rs.getLong(1), 0, "POLICY " + name + " ON " + table);
        });
  }

  private void rules() throws SQLException {
    query("SELECT r.oid, quote_ident(r.rulename), pg_get_ruledef(r.oid), quote_ident(n.nspname) || '.' || quote_ident(c.relname),"
        + " n.nspname, c.relname, c.oid FROM pg_rewrite r JOIN pg_class c ON c.oid = r.ev_class JOIN pg_namespace n ON n.oid = c.relnamespace"
        + " WHERE r.rulename <> '_RETURN' AND c.relnamespace IN " + USER_NS + " AND " + notExtensionMember("pg_class", "c.oid")
        + " ORDER BY 4, 2", rs -> {
          String table = rs.getString(4);
          Obj o = add("rule " + rs.getString(2) + " on " + table, "rule", rs.getString(5), Sql.resourceName(rs.getString(5),
              rs.getString(6)), SchemaObject.POST, key("pg_rewrite", rs.getLong(1)));
          o.sql.add(stripSemicolon(rs.getString(3)));
          o.drop = "DROP RULE " + rs.getString(2) + " ON " + table;
          o.deps.add(byKey.get(key("pg_class", rs.getLong(7))));
          comment(o, "pg_rewrite", rs.getLong(1), 0, "RULE " + rs.getString(2) + " ON " + table);
        });
  }

  private void statistics() throws SQLException {
    query("SELECT s.oid, quote_ident(n.nspname) || '.' || quote_ident(s.stxname), pg_get_statisticsobjdef(s.oid), n.nspname,"
        + " pg_get_userbyid(s.stxowner), (to_jsonb(s) ->> 'stxstattarget')::int, c.relname, c.oid FROM pg_statistic_ext s"
        + " JOIN pg_namespace n ON n.oid = s.stxnamespace JOIN pg_class c ON c.oid = s.stxrelid"
        + " WHERE s.stxnamespace IN " + USER_NS + " ORDER BY 2", rs -> {
          String q = rs.getString(2);
          Obj o = add("statistics " + q, "statistics", rs.getString(4), null, SchemaObject.POST, key("pg_statistic_ext", rs.getLong(1)));
          o.sql.add(rs.getString(3));
          int target = rs.getInt(6);
          if (!rs.wasNull() && target >= 0) {
            o.sql.add("ALTER STATISTICS " + q + " SET STATISTICS " + target);
          }
          o.sql.add("ALTER STATISTICS " + q + " OWNER TO " + role(rs.getString(5)));
          o.drop = "DROP STATISTICS " + q;
          o.deps.add(byKey.get(key("pg_class", rs.getLong(8))));
          comment(o, "pg_statistic_ext", rs.getLong(1), 0, "STATISTICS " + q);
        });
  }

  private void defaultAcls() throws SQLException {
    query("SELECT d.oid, pg_get_userbyid(d.defaclrole), CASE WHEN d.defaclnamespace <> 0 THEN quote_ident(n.nspname) END,"
        + " d.defaclobjtype, d.defaclacl::text, n.nspname FROM pg_default_acl d LEFT JOIN pg_namespace n ON n.oid = d.defaclnamespace"
        + " ORDER BY 2, 3, 4", rs -> {
          String type = rs.getString(4);
          String objects = switch (type) {
            case "r" -> "TABLES";
            case "S" -> "SEQUENCES";
            case "f" -> "FUNCTIONS";
            case "T" -> "TYPES";
            default -> "SCHEMAS";
          };
          String scope = "FOR ROLE " + role(rs.getString(2)) + (rs.getString(3) == null ? "" : " IN SCHEMA " + rs.getString(3));
          String prefix = "ALTER DEFAULT PRIVILEGES " + scope;
          Obj o = add("default privileges " + scope + " ON " + objects, "default-acl", rs.getString(6), null, SchemaObject.POST,
              key("pg_default_acl", rs.getLong(1)));
          if (rs.getString(3) == null) {
            // A global entry replaces the built-in defaults.
            o.sql.add(prefix + " REVOKE ALL ON " + objects + " FROM PUBLIC");
            o.sql.add(prefix + " REVOKE ALL ON " + objects + " FROM " + role(rs.getString(2)));
          }
          for (AclItem item : AclItem.parse(rs.getString(5))) {
            role(item);
            for (String g : item.grants(type)) {
              boolean option = g.endsWith("*");
              o.sql.add(prefix + " GRANT " + (option ? g.substring(0, g.length() - 1) : g) + " ON " + objects + " TO "
                  + item.granteeSql() + (option ? " WITH GRANT OPTION" : ""));
            }
          }
          Set<String> grantees = new LinkedHashSet<>();
          AclItem.parse(rs.getString(5)).forEach(i -> grantees.add(i.granteeSql()));
          o.drop = prefix + " REVOKE ALL ON " + objects + " FROM " + String.join(", ", grantees);
        });
  }

  // ------------------------------------------------------------------------------------------ properties

  /** A comment, as its own object (so it can change without recreating what it describes). */
  private void comment(Obj owner, String catalog, long oid, int subid, String target) throws SQLException {
    String description = descriptions().get(catalog + ":" + oid + ":" + subid);
    if (description != null) {
      Obj o = add("comment on " + target.toLowerCase(java.util.Locale.ROOT).substring(0, target.indexOf(' ')) + target.substring(
          target.indexOf(' ')), "comment", owner.schema, owner.table, owner.section);
      o.sql.add("COMMENT ON " + target + " IS " + literal(description));
      o.drop = "COMMENT ON " + target + " IS NULL";
      o.deps.add(owner);
    }
  }

  private Map<String, String> descriptions;

  /** Every comment of the database, read once ({@code catalog:oid:subid}). */
  private Map<String, String> descriptions() throws SQLException {
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

  private void columnComments(Obj owner, long relid, String q) throws SQLException {
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
  private Obj acl(Obj owner, String acl, String target, String ownerRole, String type) {
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
  private void columnAcls(Obj owner, Obj tableAcl, long relid, String q) throws SQLException {
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

  private String role(String name) {
    roles.add(name);
    return Sql.quote(name);
  }

  private void role(AclItem item) {
    if (!item.grantee().isEmpty()) {
      roles.add(item.grantee());
    }
  }

  // ------------------------------------------------------------------------------------------ order

  private void dependencies() throws SQLException {
    // Only user objects (OIDs from FirstNormalObjectId on) are read, so only their dependencies on each other matter.
    query("SELECT d.classid, d.objid, d.refclassid, d.refobjid FROM pg_depend d WHERE d.deptype IN ('n', 'a', 'i', 'P', 'S')"
        + " AND d.objid >= 16384 AND d.refobjid >= 16384", rs -> {
      Obj from = byKey.get(key(className(rs.getLong(1)), rs.getLong(2)));
      Obj to = byKey.get(key(className(rs.getLong(3)), rs.getLong(4)));
      if (from == null || to == null || from == to) {
        return;
      }
      if (to.kind.equals("table") && from.kind.equals("sequence") && from.id.startsWith("sequence ")) {
        return; // OWNED BY: the sequence exists before its table; the owner object links them
      }
      // A table's internal dependency on its rowtype and the like point from the part to the whole.
      from.deps.add(to);
    });
    // Everything in a schema needs the schema.
    for (Obj o : byId.values()) {
      if (o.schema != null && !o.kind.equals("schema")) {
        Obj s = schemaObjects.get(o.schema);
        if (s != null) {
          o.deps.add(s);
        }
      }
      o.deps.remove(null);
      o.deps.remove(o);
    }
  }

  private void unsupportedObjects() throws SQLException {
    count("SELECT count(*) FROM pg_event_trigger WHERE " + notExtensionMember("pg_event_trigger", "oid"), "event trigger(s)");
    count("SELECT count(*) FROM pg_publication", "publication(s)");
    count("SELECT count(*) FROM pg_subscription WHERE subdbid = (SELECT oid FROM pg_database WHERE datname = current_database())",
        "subscription(s)");
    count("SELECT count(*) FROM pg_largeobject_metadata", "large object(s)");
    count("SELECT count(*) FROM pg_foreign_server WHERE " + notExtensionMember("pg_foreign_server", "oid"), "foreign server(s)");
    count("SELECT count(*) FROM pg_type t WHERE t.typtype = 'b' AND t.typnamespace IN " + USER_NS + " AND "
        + notExtensionMember("pg_type", "t.oid") + " AND t.typelem = 0", "base type(s)");
    count("SELECT count(*) FROM pg_operator o WHERE o.oprnamespace IN " + USER_NS + " AND " + notExtensionMember("pg_operator", "o.oid"),
        "operator(s)");
    count("SELECT count(*) FROM pg_opclass o WHERE o.opcnamespace IN " + USER_NS + " AND " + notExtensionMember("pg_opclass", "o.oid"),
        "operator class(es)");
    count("SELECT count(*) FROM pg_ts_config o WHERE o.cfgnamespace IN " + USER_NS + " AND " + notExtensionMember("pg_ts_config", "o.oid"),
        "text search configuration(s)");
    count("SELECT count(*) FROM pg_cast o WHERE o.oid >= 16384 AND " + notExtensionMember("pg_cast", "o.oid"), "cast(s)");
  }

  private void count(String sql, String what) throws SQLException {
    try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
      rs.next();
      if (rs.getLong(1) > 0) {
        unsupported.add(rs.getLong(1) + " " + what);
      }
    }
  }

  private DatabaseSchema result(Predicate<String> selected, boolean whole) {
    Set<Obj> keep = new LinkedHashSet<>();
    if (whole) {
      keep.addAll(byId.values());
    } else {
      // The selected tables, everything on them, and (transitively) what they need; other tables are outside.
      for (Obj o : byId.values()) {
        if (o.table != null && selected.test(o.table) && !o.kind.equals("view") && !o.kind.equals("matview")) {
          keep.add(o);
        }
      }
      List<Obj> queue = new ArrayList<>(keep);
      while (!queue.isEmpty()) {
        Obj o = queue.remove(queue.size() - 1);
        for (Obj d : o.deps) {
          if (keep.contains(d) || (d.table != null && !selected.test(d.table))) {
            continue;
          }
          keep.add(d);
          queue.add(d);
        }
      }
      // Comments and grants of what is kept.
      for (Obj o : byId.values()) {
        if ((o.kind.equals("comment") || o.kind.equals("acl")) && o.deps.stream().allMatch(keep::contains)) {
          keep.add(o);
        }
      }
    }
    // A pre-data object that needs a post-data one (a view on a key) moves after the rows, with its dependents.
    boolean moved = true;
    while (moved) {
      moved = false;
      for (Obj o : keep) {
        if (o.section.equals(SchemaObject.PRE) && o.deps.stream().anyMatch(d -> keep.contains(d) && d.section.equals(SchemaObject.POST))) {
          o.section = SchemaObject.POST;
          moved = true;
        }
      }
    }
    List<Obj> ordered = new ArrayList<>();
    ordered.addAll(topological(keep, SchemaObject.PRE));
    ordered.addAll(topological(keep, SchemaObject.POST));
    List<SchemaObject> objects = new ArrayList<>();
    Map<String, String> drops = new LinkedHashMap<>();
    for (Obj o : ordered) {
      List<String> deps = o.deps.stream().filter(keep::contains).map(d -> d.id).distinct().toList();
      objects.add(new SchemaObject(o.id, o.kind, o.schema, o.table, o.section, o.sql, deps));
      if (o.drop != null) {
        drops.put(o.id, o.drop);
      }
    }
    Set<String> keptTables = new LinkedHashSet<>();
    ordered.stream().filter(o -> o.kind.equals("table")).forEach(o -> keptTables.add(o.table));
    List<String> tables = dataTables.stream().filter(t -> keptTables.contains(t) && (whole || selected.test(t)))
        .sorted(java.util.Comparator.comparingInt(t -> ordered.indexOf(byTable(ordered, t)))).toList();
    Map<String, SequenceState> seqs = new LinkedHashMap<>();
    Set<String> keptSequences = new java.util.HashSet<>();
    for (Obj o : ordered) {
      if (o.kind.equals("sequence") && o.id.startsWith("sequence ")) {
        keptSequences.add(o.id.substring("sequence ".length()));
      }
      for (String s : o.sql) {
        int at = s.indexOf("SEQUENCE NAME ");
        if (o.kind.equals("table") && at >= 0) {
          keptSequences.add(s.substring(at + "SEQUENCE NAME ".length(), s.indexOf(" START WITH ", at)));
        }
      }
    }
    sequences.forEach((k, v) -> {
      if (keptSequences.contains(k)) {
        seqs.put(k, v);
      }
    });
    Set<String> ids = new java.util.HashSet<>();
    objects.forEach(o -> ids.add(o.id()));
    String versionText;
    try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT current_setting('server_version')")) {
      rs.next();
      versionText = rs.getString(1);
    } catch (SQLException e) {
      versionText = Integer.toString(version);
    }
    Set<String> usedRoles = new TreeSet<>();
    for (SchemaObject o : objects) {
      for (String s : o.sql()) {
        for (String r : roles) {
          if (s.contains(Sql.quote(r))) {
            usedRoles.add(r);
          }
        }
      }
    }
    Map<String, String> exts = new LinkedHashMap<>();
    extensions.forEach((k, v) -> {
      if (keep.contains(extensionObjects.get(k))) {
        exts.put(k, v);
      }
    });
    return new DatabaseSchema(whole, version, versionText, objects, tables, seqs,
        populated.stream().filter(ids::contains).toList(), List.copyOf(usedRoles), exts, unsupported, drops);
  }

  private static Obj byTable(List<Obj> ordered, String table) {
    return ordered.stream().filter(o -> o.kind.equals("table") && table.equals(o.table)).findFirst().orElse(null);
  }

  private static final List<String> KIND_ORDER = List.of("schema", "extension", "collation", "type", "function", "sequence",
      "table", "default", "view", "matview", "constraint", "index", "foreign-key", "trigger", "rule", "policy", "statistics",
      "default-acl", "comment", "acl");

  /** Dependencies first; among objects free to go, kind order then name (stable across runs). */
  private static List<Obj> topological(Set<Obj> keep, String section) {
    List<Obj> todo = new ArrayList<>();
    for (Obj o : keep) {
      if (o.section.equals(section)) {
        todo.add(o);
      }
    }
    todo.sort(java.util.Comparator.comparingInt((Obj o) -> KIND_ORDER.indexOf(o.kind)).thenComparing(o -> o.id));
    List<Obj> out = new ArrayList<>();
    Set<Obj> done = new java.util.HashSet<>();
    for (Obj o : keep) {
      if (!o.section.equals(section)) {
        done.add(o); // the other section is ordered on its own
      }
    }
    Set<Obj> visiting = new java.util.HashSet<>();
    for (Obj o : todo) {
      visit(o, keep, done, visiting, out);
    }
    return out;
  }

  private static void visit(Obj o, Set<Obj> keep, Set<Obj> done, Set<Obj> visiting, List<Obj> out) {
    if (done.contains(o) || !visiting.add(o)) {
      return; // done, or a cycle: the kind order decides
    }
    List<Obj> deps = new ArrayList<>(o.deps);
    deps.sort(java.util.Comparator.comparingInt((Obj d) -> KIND_ORDER.indexOf(d.kind)).thenComparing(d -> d.id));
    for (Obj d : deps) {
      if (keep.contains(d)) {
        visit(d, keep, done, visiting, out);
      }
    }
    visiting.remove(o);
    if (done.add(o)) {
      out.add(o);
    }
  }

  // ------------------------------------------------------------------------------------------ helpers

  private String className(long classid) throws SQLException {
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
  private interface RowHandler {
    void row(ResultSet rs) throws SQLException;
  }

  private void query(String sql, RowHandler handler) throws SQLException {
    try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
      while (rs.next()) {
        handler.row(rs);
      }
    }
  }

  static String literal(String s) {
    return "'" + s.replace("'", "''") + "'";
  }

  private static String stripSemicolon(String s) {
    String t = s.stripTrailing();
    return t.endsWith(";") ? t.substring(0, t.length() - 1) : t;
  }

  /** {@code reloptions} text array ({@code {fillfactor=90,check_option=local}}) as a WITH list. */
  private static String reloptions(String array) {
    String inner = array.substring(1, array.length() - 1);
    List<String> out = new ArrayList<>();
    for (String opt : inner.split(",")) {
      String o = opt.startsWith("\"") ? opt.substring(1, opt.length() - 1) : opt;
      int eq = o.indexOf('=');
      out.add(o.substring(0, eq) + "=" + literal(o.substring(eq + 1)));
    }
    return String.join(", ", out);
  }
}
