package io.maintenance.datastore.postgres.internal;

import io.maintenance.datastore.postgres.internal.Model.Column;
import io.maintenance.datastore.postgres.internal.Model.TableRef;
import io.maintenance.spi.support.Digests;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.stream.Collectors;
import java.sql.ResultSet;
import java.sql.Statement;

/**
 * Per-table fingerprint components: {@code rows=<exact count>,xmin=<sum>,columns=<signature>}, where
 * the sum adds a 64-bit hash of every row version's {@code xmin} exactly (as {@code numeric}, no
 * wrap-around). Any committed insert, update or delete adds or removes a row version whose xmin the
 * multiset did not hold in that multiplicity, so the component changes; reads, VACUUM, freezing and
 * rolled-back writes leave it alone. One scan per table on the server; nothing but two numbers comes back.
 */
public final class Fingerprints {
  public static final String ABSENT = "absent";
  /** The resource (and fingerprint component) that stands for every schema object of the backup. */
  public static final String SCHEMA = "schema";
  public static final String SCHEMA_KIND = "schema";

  private Fingerprints() {}

  public static String columnSignature(List<Column> columns) {
    return Digests.sha256Hex(columns.stream().map(Column::signature).collect(Collectors.joining("\n")))
        .substring(0, 16);
  }

  /** The schema component: a digest of every object's statements, so any change of definition shows. */
  public static String schemaComponent(DatabaseSchema schema) {
    StringBuilder sb = new StringBuilder();
    for (SchemaObject o : schema.objects()) {
      sb.append(o.id()).append('\n').append(o.definition()).append('\n');
    }
    return "objects=" + schema.objects().size() + ",sha256=" + Digests.sha256Hex(sb.toString());
  }

  /** The component of one live table (run inside a snapshot for consistency across tables). */
  public static String component(Connection c, TableRef t) throws SQLException {
    String rows;
    try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(
        "SELECT count(*), coalesce(sum(hashint8extended(xmin::text::bigint, 0)), 0) FROM ONLY " + t.qualified())) {
      rs.next();
      rows = "rows=" + rs.getLong(1) + ",xmin=" + rs.getBigDecimal(2).toPlainString();
    }
    return rows + ",columns=" + columnSignature(Catalog.columns(c, t.oid()));
  }
}
