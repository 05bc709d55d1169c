package io.maintenance.datastore.postgres.internal;

import io.maintenance.datastore.postgres.internal.Model.Column;
import io.maintenance.datastore.postgres.internal.Model.TableRef;
import io.maintenance.spi.support.Digests;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.stream.Collectors;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyOut;

/**
 * Per-table fingerprint components: exact row count, the {@link XminDigest} of all row versions and the
 * column signature. Costs one streamed scan of the xmin column per table (no data leaves the server
 * except xids), which is what makes it exact: any committed write changes it.
 */
public final class Fingerprints {
  private Fingerprints() {}

  public static String columnSignature(List<Column> columns) {
    return Digests.sha256Hex(columns.stream().map(Column::signature).collect(Collectors.joining("\n")))
        .substring(0, 16);
  }

  public static String component(XminDigest digest, List<Column> columns) {
    return digest.value() + ",columns=" + columnSignature(columns);
  }

  /** The component of one live table (run inside a snapshot for consistency across tables). */
  public static String component(Connection c, TableRef t) throws SQLException {
    return component(scan(c, t), Catalog.columns(c, t.oid()));
  }

  static XminDigest scan(Connection c, TableRef t) throws SQLException {
    XminDigest digest = new XminDigest();
    CopyOut out = c.unwrap(PGConnection.class).getCopyAPI()
        .copyOut("COPY (SELECT xmin FROM ONLY " + t.qualified() + ") TO STDOUT");
    byte[] row;
    while ((row = out.readFromCopy()) != null) {
      digest.add(XminDigest.parseXid(row, CopyText.rowEnd(row)));
    }
    return digest;
  }

  public static final String ABSENT = "absent";
}
