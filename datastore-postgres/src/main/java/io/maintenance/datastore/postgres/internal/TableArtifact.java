package io.maintenance.datastore.postgres.internal;

/**
 * The names of a table's artifacts, shared by every format: {@code <schema>.<table>_postgres.json} (format
 * {@value #FORMAT}; version 1 holds the rows itself, see {@link FormatOneReader}; version 2 is a header
 * whose rows are in COPY artifacts, see {@link TableData}) and {@code <schema>.<table>_postgres.sql}, the
 * table's statements for people and other tools.
 */
public final class TableArtifact {
  public static final String FORMAT = "maintenance.postgres.table";
  public static final String JSON_SUFFIX = "_postgres.json";
  public static final String SQL_SUFFIX = "_postgres.sql";

  private TableArtifact() {}
}
