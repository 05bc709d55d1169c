package io.maintenance.datastore.postgres.internal;

import static io.maintenance.datastore.postgres.internal.CatalogObjects.USER_NS;
import static io.maintenance.datastore.postgres.internal.CatalogObjects.key;
import static io.maintenance.datastore.postgres.internal.CatalogObjects.notExtensionMember;
import static io.maintenance.datastore.postgres.internal.CatalogObjects.stripSemicolon;

import io.maintenance.datastore.postgres.internal.CatalogObjects.Obj;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/** Reads schemas, extensions, collations, types (enums, domains, ranges, composites) and functions. */
final class TypeReader {
  private final CatalogObjects found;
  private final Connection c;

  TypeReader(CatalogObjects found) {
    this.found = found;
    this.c = found.c;
  }

  void schemas() throws SQLException {
    found.query("SELECT n.oid, quote_ident(n.nspname), pg_get_userbyid(n.nspowner), n.nspacl::text, n.nspname FROM pg_namespace n"
        + " WHERE n.oid IN " + USER_NS + " AND " + notExtensionMember("pg_namespace", "n.oid") + " ORDER BY n.nspname", rs -> {
          String q = rs.getString(2);
          Obj o = found.add("schema " + q, "schema", rs.getString(5), null, SchemaObject.PRE, key("pg_namespace", rs.getLong(1)));
          o.sql.add("CREATE SCHEMA IF NOT EXISTS " + q);
          o.sql.add("ALTER SCHEMA " + q + " OWNER TO " + found.role(rs.getString(3)));
          o.drop = "DROP SCHEMA " + q;
          found.schemaObjects.put(rs.getString(5), o);
          found.comment(o, "pg_namespace", rs.getLong(1), 0, "SCHEMA " + q);
          found.acl(o, rs.getString(4), "SCHEMA " + q, rs.getString(3), "n");
        });
  }

  void extensions() throws SQLException {
    // Extensions created by initdb (plpgsql) exist everywhere and are not dumped, like pg_dump does.
    found.query("SELECT e.oid, quote_ident(e.extname), quote_ident(n.nspname), e.extversion, e.extname, n.nspname FROM pg_extension e"
        + " JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.oid >= 16384 ORDER BY e.extname", rs -> {
          String q = rs.getString(2);
          Obj o = found.add("extension " + q, "extension", rs.getString(6), null, SchemaObject.PRE, key("pg_extension", rs.getLong(1)));
          o.sql.add("CREATE EXTENSION IF NOT EXISTS " + q + " WITH SCHEMA " + rs.getString(3));
          o.drop = "DROP EXTENSION " + q;
          found.extensions.put(rs.getString(5), rs.getString(4));
          found.extensionObjects.put(rs.getString(5), o);
          found.comment(o, "pg_extension", rs.getLong(1), 0, "EXTENSION " + q);
        });
    // Objects that belong to an extension stand for the extension in pg_depend.
    found.query("SELECT d.classid, d.objid, d.refobjid FROM pg_depend d WHERE d.deptype = 'e' AND d.refclassid = 'pg_extension'::regclass",
        rs -> {
          Obj ext = found.byKey.get(key("pg_extension", rs.getLong(3)));
          if (ext != null) {
            found.byKey.put(key(found.className(rs.getLong(1)), rs.getLong(2)), ext);
          }
        });
  }

  void collations() throws SQLException {
    found.query("SELECT c.oid, quote_ident(n.nspname) || '.' || quote_ident(c.collname), pg_get_userbyid(c.collowner), c.collprovider,"
        + " c.collisdeterministic, c.collcollate, c.collctype, coalesce(to_jsonb(c) ->> 'colllocale', to_jsonb(c) ->> 'colliculocale'),"
        + " to_jsonb(c) ->> 'collicurules', n.nspname FROM pg_collation c JOIN pg_namespace n ON n.oid = c.collnamespace"
        + " WHERE c.collnamespace IN " + USER_NS + " AND " + notExtensionMember("pg_collation", "c.oid") + " ORDER BY 2", rs -> {
          String q = rs.getString(2);
          Obj o = found.add("collation " + q, "collation", rs.getString(10), null, SchemaObject.PRE, key("pg_collation", rs.getLong(1)));
          String provider = rs.getString(4);
          StringBuilder sb = new StringBuilder("CREATE COLLATION ").append(q).append(" (provider = ")
              .append("i".equals(provider) ? "icu" : "c".equals(provider) ? "libc" : "builtin");
          if ("c".equals(provider)) {
            sb.append(", lc_collate = ").append(Sql.literal(rs.getString(6))).append(", lc_ctype = ").append(Sql.literal(rs.getString(7)));
          } else {
            sb.append(", locale = ").append(Sql.literal(rs.getString(8)));
          }
          if (rs.getString(9) != null) {
            sb.append(", rules = ").append(Sql.literal(rs.getString(9)));
          }
          if (!rs.getBoolean(5)) {
            sb.append(", deterministic = false");
          }
          o.sql.add(sb.append(")").toString());
          o.sql.add("ALTER COLLATION " + q + " OWNER TO " + found.role(rs.getString(3)));
          o.drop = "DROP COLLATION " + q;
          found.comment(o, "pg_collation", rs.getLong(1), 0, "COLLATION " + q);
        });
  }

  void types() throws SQLException {
    found.query("SELECT t.oid, quote_ident(n.nspname) || '.' || quote_ident(t.typname), t.typtype, pg_get_userbyid(t.typowner),"
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
          Obj o = found.add("type " + q, "type", rs.getString(7), null, SchemaObject.PRE, key("pg_type", oid), key("pg_type", rs.getLong(6)));
          switch (typtype) {
            case "e" -> o.sql.add("CREATE TYPE " + q + " AS ENUM (" + (rs.getString(9) == null ? "" : rs.getString(9)) + ")");
            case "c" -> {
              o.keys.add(key("pg_class", rs.getLong(8)));
              found.byKey.put(key("pg_class", rs.getLong(8)), o);
              o.sql.add("CREATE TYPE " + q + " AS (" + String.join(", ", found.columnList(rs.getLong(8), false, false)) + ")");
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
          o.sql.add("ALTER " + word + q + " OWNER TO " + found.role(rs.getString(4)));
          o.drop = "DROP " + word + q;
          found.comment(o, "pg_type", oid, 0, word + q);
          if ("c".equals(typtype)) {
            found.columnComments(o, rs.getLong(8), q);
          }
          found.acl(o, rs.getString(5), word + q, rs.getString(4), "T");
        });
  }

  void domainConstraints(Obj o, String q, long oid) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement("SELECT co.oid, quote_ident(co.conname), pg_get_constraintdef(co.oid)"
        + " FROM pg_constraint co WHERE co.contypid = ? AND co.contype = 'c' ORDER BY co.conname")) {
      ps.setLong(1, oid);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          o.sql.add("ALTER DOMAIN " + q + " ADD CONSTRAINT " + rs.getString(2) + " " + rs.getString(3));
          o.keys.add(key("pg_constraint", rs.getLong(1)));
          found.byKey.put(key("pg_constraint", rs.getLong(1)), o);
          found.comment(o, "pg_constraint", rs.getLong(1), 0, "CONSTRAINT " + rs.getString(2) + " ON DOMAIN " + q);
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

  void functions() throws SQLException {
    found.query("SELECT p.oid, quote_ident(n.nspname) || '.' || quote_ident(p.proname) || '(' || pg_get_function_identity_arguments(p.oid)"
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
          Obj o = found.add(word.trim().toLowerCase(java.util.Locale.ROOT) + " " + q, "function", rs.getString(6), null,
              SchemaObject.PRE, key("pg_proc", rs.getLong(1)));
          o.sql.add("a".equals(kind) ? aggregate(rs.getLong(1)) : stripSemicolon(rs.getString(7)));
          o.sql.add("ALTER " + word + q + " OWNER TO " + found.role(rs.getString(4)));
          o.drop = "DROP " + word + q;
          found.comment(o, "pg_proc", rs.getLong(1), 0, word + q);
          found.acl(o, rs.getString(5), "a".equals(kind) ? "FUNCTION " + q : word + q, rs.getString(4), "f");
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
          opts.add("INITCOND = " + Sql.literal(rs.getString(13)));
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
            opts.add("MINITCOND = " + Sql.literal(rs.getString(21)));
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
}
