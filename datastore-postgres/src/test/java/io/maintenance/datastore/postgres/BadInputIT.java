package io.maintenance.datastore.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.maintenance.api.DatastoreManifest;
import io.maintenance.api.DatastorePlan;
import io.maintenance.api.ErrorCode;
import io.maintenance.api.MaintenanceException;
import io.maintenance.tck.DatastoreHarness;
import java.util.List;
import java.util.function.UnaryOperator;
import javax.sql.DataSource;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Hostile or broken artifacts: names are identifiers (quoted, never executed); rows of the wrong arity,
 * values that do not parse, duplicate keys and truncated data fail the preview with INCOMPATIBLE_ARTIFACT
 * naming table and row; a database artifact that is altered, truncated, of another version or carrying a
 * second statement is refused before anything runs; neither preview nor confirm changes anything.
 */
class BadInputIT {
  static final String WEIRD_TABLE = "weird\"; DROP TABLE bad.canary; --";
  static final String WEIRD_COLUMN = "col'\"; DROP TABLE bad.canary;";
  static final String ITEMS = "bad.items_postgres.json";
  static final String DATA = "bad.items_postgres.copy";
  static final String SCHEMA = "database_postgres.json";
  static DataSource ds;
  PostgresDatastore datastore;
  DatastoreHarness harness;

  @BeforeAll
  static void database() {
    ds = Pg.freshDatabase("badinput");
  }

  @BeforeEach
  void seed() throws Exception {
    Pg.exec(ds, """
        DROP SCHEMA IF EXISTS bad CASCADE;
        CREATE SCHEMA bad;
        CREATE TABLE bad.canary (id int PRIMARY KEY);
        INSERT INTO bad.canary VALUES (1);
        CREATE TABLE bad.items (id int PRIMARY KEY, name text, qty int, added date);
        INSERT INTO bad.items VALUES (1, 'one', 10, '2024-01-01'), (2, 'two', 20, '2024-01-02'),
                                     (3, 'three', 30, '2024-01-03'), (4, 'four', 40, '2024-01-04');
        """);
    Pg.exec(ds, "CREATE TABLE bad.\"" + WEIRD_TABLE.replace("\"", "\"\"") + "\" (\"" + WEIRD_COLUMN.replace("\"", "\"\"")
        + "\" text); INSERT INTO bad.\"" + WEIRD_TABLE.replace("\"", "\"\"") + "\" VALUES ('x''); DROP TABLE bad.canary; --')");
    datastore = PostgresDatastore.builder("bad").dataSource(ds).include("bad.*").exclude("bad.canary").build();
    harness = new DatastoreHarness(datastore);
  }

  private String live() throws Exception {
    String tables = Pg.copyOut(ds, "SELECT relname FROM pg_class WHERE relnamespace = 'bad'::regnamespace ORDER BY 1");
    return (tables.contains("items\n") ? Pg.copyOut(ds, "SELECT * FROM bad.items ORDER BY id") : "")
        + Pg.copyOut(ds, "SELECT * FROM bad.canary")
        + Pg.copyOut(ds, "SELECT relname FROM pg_class WHERE relnamespace = 'bad'::regnamespace ORDER BY 1");
  }

  @Test
  void namesWithQuotesAndSemicolonsAreQuotedIdentifiersNeverExecuted() throws Exception {
    String before = live();
    DatastoreManifest m = harness.backup();
    assertThat(m.resources()).extracting(r -> r.name()).contains("bad." + WEIRD_TABLE);
    assertThat(m.artifacts()).extracting(a -> a.name()).contains("bad.weird%22%3B%20DROP%20TABLE%20bad%2Ecanary%3B%20--_postgres.json");
    Pg.exec(ds, "DROP TABLE bad.\"" + WEIRD_TABLE.replace("\"", "\"\"") + "\"");

    harness.restore(m, harness.plan(m));

    assertThat(live()).isEqualTo(before);
    assertThat(Pg.copyOut(ds, "SELECT * FROM bad.\"" + WEIRD_TABLE.replace("\"", "\"\"") + "\""))
        .isEqualTo("x'); DROP TABLE bad.canary; --\n");
  }

  @Test
  void rowWithTooFewValuesIsRejectedNamingTableAndRow() throws Exception {
    assertRejected(DATA, s -> s.replace("2\ttwo\t20\t2024-01-02\n", "2\ttwo\t20\n"), ErrorCode.INCOMPATIBLE_ARTIFACT, "bad.items", "2");
  }

  @Test
  void rowWithTooManyValuesIsRejectedNamingTableAndRow() throws Exception {
    assertRejected(DATA, s -> s.replace("3\tthree\t30\t2024-01-03\n", "3\tthree\t30\t2024-01-03\t5\n"),
        ErrorCode.INCOMPATIBLE_ARTIFACT, "bad.items", "3");
  }

  @Test
  void valueThatDoesNotParseForItsColumnTypeIsRejectedNamingTableAndRow() throws Exception {
    assertRejected(DATA, s -> s.replace("3\tthree\t30\t", "3\tthree\tmany\t"), ErrorCode.INCOMPATIBLE_ARTIFACT, "bad.items", "3");
  }

  @Test
  void dateThatDoesNotExistIsRejectedNamingTableAndRow() throws Exception {
    assertRejected(DATA, s -> s.replace("2024-01-04", "2024-02-30"), ErrorCode.INCOMPATIBLE_ARTIFACT, "bad.items", "4");
  }

  @Test
  void integerOutOfRangeForItsColumnIsRejectedNamingTableAndRow() throws Exception {
    assertRejected(DATA, s -> s.replace("1\tone\t10\t", "1\tone\t99999999999\t"), ErrorCode.INCOMPATIBLE_ARTIFACT,
        "bad.items", "1");
  }

  @Test
  void duplicatePrimaryKeyIsRejectedAtPreview() throws Exception {
    assertRejected(DATA, s -> s.replace("2\ttwo\t", "1\ttwo\t"), ErrorCode.INCOMPATIBLE_ARTIFACT, "bad.items", null);
  }

  @Test
  void dataTruncatedInTheMiddleOfARowIsRejected() throws Exception {
    assertRejected(DATA, s -> s.substring(0, s.indexOf("3\tthree") + 5), ErrorCode.INCOMPATIBLE_ARTIFACT, "bad.items", "3");
  }

  @Test
  void rowCountThatDoesNotMatchTheRowsIsRejected() throws Exception {
    assertRejected(ITEMS, s -> s.replace("\"rowCount\":4", "\"rowCount\":5"), ErrorCode.INCOMPATIBLE_ARTIFACT, "bad.items", null);
  }

  @Test
  void tableNameInjectedIntoTheHeaderIsNeverExecuted() throws Exception {
    assertRejected(ITEMS, s -> s.replace("\"table\":\"items\"", "\"table\":\"items\\\"; DROP TABLE bad.canary; --\""),
        ErrorCode.INCOMPATIBLE_ARTIFACT, "bad.items", null);
  }

  @Test
  void columnNameInjectedIntoTheHeaderIsNeverExecuted() throws Exception {
    assertRejected(ITEMS, s -> s.replace("{\"name\":\"qty\"", "{\"name\":\"qty\\\"); DROP TABLE bad.canary; --\""),
        ErrorCode.INCOMPATIBLE_ARTIFACT, "bad.items", null);
  }

  @Test
  void columnTypeInjectedIntoTheHeaderIsRejected() throws Exception {
    assertRejected(ITEMS, s -> s.replace("\"type\":\"date\"", "\"type\":\"date); DROP TABLE bad.canary; --\""),
        ErrorCode.INCOMPATIBLE_ARTIFACT, "bad.items", null);
  }

  @Test
  void schemaStatementWithASecondStatementIsRejected() throws Exception {
    assertSchemaRejected(s -> s.replace("    added date\\n)\"", "    added date\\n); DROP TABLE bad.canary\""),
        () -> Pg.exec(ds, "DROP TABLE bad.items"));
  }

  @Test
  void schemaStatementOfAnotherKindIsRejected() throws Exception {
    assertSchemaRejected(s -> s.replace("\"CREATE TABLE bad.items (", "\"DROP TABLE bad.canary; CREATE TABLE bad.items ("),
        () -> Pg.exec(ds, "DROP TABLE bad.items"));
  }

  @Test
  void schemaEntryWithAStatementOfAnotherKindIsRejected() throws Exception {
    assertSchemaRejected(s -> s.replace("\"sql\":[\"CREATE TABLE bad.items (", "\"sql\":[\"DROP TABLE bad.canary\",\"CREATE TABLE bad.items ("),
        () -> Pg.exec(ds, "DROP TABLE bad.items"));
  }

  @Test
  void truncatedSchemaArtifactIsRejected() throws Exception {
    assertSchemaRejected(s -> s.substring(0, s.length() / 2), this::mutate);
  }

  @Test
  void schemaStatementTheServerRejectsFailsThePreviewNamingTheObject() throws Exception {
    DatastoreManifest bad = Artifacts.edit(harness, harness.backup(), SCHEMA,
        s -> s.replace("CREATE TABLE bad.items (", "CREATE TABLE bad.items (nonsense no_such_type, "));
    Pg.exec(ds, "DROP TABLE bad.items");
    String before = live();
    assertThatThrownBy(() -> harness.plan(bad)).isInstanceOfSatisfying(MaintenanceException.class, e -> {
      assertThat(e.code()).isEqualTo(ErrorCode.INCOMPATIBLE_ARTIFACT);
      assertThat(e.details()).containsEntry("reason", "STATEMENT_FAILED").containsEntry("object", "table bad.items");
    });
    assertThat(live()).isEqualTo(before);
  }

  @Test
  void replacingATableOthersDependOnIsRefusedAtPreview() throws Exception {
    DatastoreManifest good = harness.backup();
    Pg.exec(ds, "ALTER TABLE bad.items ADD COLUMN extra int; CREATE VIEW bad.v AS SELECT * FROM bad.items");
    String before = live();
    assertThatThrownBy(() -> harness.plan(good)).isInstanceOfSatisfying(MaintenanceException.class, e -> {
      assertThat(e.code()).isEqualTo(ErrorCode.INCOMPATIBLE_ARTIFACT);
      assertThat(e.details()).containsEntry("reason", "OUTSIDE_DEPENDENCY").containsEntry("object", "view bad.v");
    });
    assertThat(live()).isEqualTo(before);
  }

  @Test
  void unsupportedFormatVersionIsRejected() throws Exception {
    assertSchemaRejected(s -> s.replace("\"version\":2", "\"version\":99"), this::mutate);
  }

  private void mutate() throws Exception {
    Pg.exec(ds, "UPDATE bad.items SET qty = qty + 1; INSERT INTO bad.items VALUES (9, 'nine', 90, '2024-09-09')");
  }

  /**
   * Preview fails with the code (naming table and row), then a forced confirm fails too; nothing changes.
   * A null {@code edit} uses the backup as it is.
   */
  private void assertRejected(String artifact, UnaryOperator<String> edit, ErrorCode code, String table, String row)
      throws Exception {
    assertRejected(artifact, edit, code, table, row, this::mutate);
  }

  interface Change {
    void run() throws Exception;
  }

  private void assertRejected(
      String artifact, UnaryOperator<String> edit, ErrorCode code, String table, String row, Change change)
      throws Exception {
    DatastoreManifest good = harness.backup();
    DatastorePlan goodPlan = harness.plan(good);
    DatastoreManifest bad = edit == null ? good : Artifacts.edit(harness, good, artifact, edit);
    change.run();
    String before = live();

    assertFails(() -> harness.plan(bad), code, table, row);
    assertThat(live()).as("preview changed nothing").isEqualTo(before);
    assertFails(() -> harness.restore(bad, goodPlan), code, table, row);
    assertThat(live()).as("confirm changed nothing").isEqualTo(before);
  }

  /** The database artifact edited: refused before anything runs, by preview and by a forced confirm. */
  private void assertSchemaRejected(UnaryOperator<String> edit, Change change) throws Exception {
    DatastoreManifest good = harness.backup();
    DatastorePlan goodPlan = harness.plan(good);
    DatastoreManifest bad = Artifacts.edit(harness, good, SCHEMA, edit);
    change.run();
    String before = live();
    for (ThrowingCallable call : List.<ThrowingCallable>of(() -> harness.plan(bad), () -> harness.restore(bad, goodPlan))) {
      assertThatThrownBy(call).isInstanceOfSatisfying(MaintenanceException.class,
          e -> assertThat(e.code()).as(e.toString()).isEqualTo(ErrorCode.INCOMPATIBLE_ARTIFACT));
      assertThat(live()).isEqualTo(before);
    }
  }

  private static void assertFails(ThrowingCallable call, ErrorCode code, String table, String row) {
    assertThatThrownBy(call).isInstanceOfSatisfying(MaintenanceException.class, e -> {
      assertThat(e.code()).as(e.toString()).isEqualTo(code);
      assertThat(e.details()).as(e.toString()).containsEntry("table", table);
      if (row != null) {
        assertThat(e.details()).as(e.toString()).containsEntry("row", row);
        assertThat(e.getMessage()).contains("row " + row);
      }
    });
  }
}
