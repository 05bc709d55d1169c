package io.maintenance.datastore.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.maintenance.api.DatastoreManifest;
import io.maintenance.api.DatastorePlan;
import io.maintenance.api.ErrorCode;
import io.maintenance.api.MaintenanceException;
import io.maintenance.tck.DatastoreHarness;
import java.util.function.UnaryOperator;
import javax.sql.DataSource;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Hostile or broken artifacts: names are identifiers (quoted, never executed), rows of the wrong arity,
 * values that do not parse and truncated JSON fail the preview with INCOMPATIBLE_ARTIFACT naming table
 * and row, and neither preview nor confirm changes anything.
 */
class BadInputIT {
  static final String WEIRD_TABLE = "weird\"; DROP TABLE bad.canary; --";
  static final String WEIRD_COLUMN = "col'\"; DROP TABLE bad.canary;";
  static final String ITEMS = "bad.items_postgres.json";
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
    datastore = PostgresDatastore.builder().id("bad").dataSource(ds).include("bad.*").exclude("bad.canary").build();
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
    assertRejected(ITEMS, s -> s.replace("[2,\"two\",20,\"2024-01-02\"]", "[2,\"two\",20]"),
        ErrorCode.INCOMPATIBLE_ARTIFACT, "bad.items", "2");
  }

  @Test
  void rowWithTooManyValuesIsRejectedNamingTableAndRow() throws Exception {
    assertRejected(ITEMS, s -> s.replace("[3,\"three\",30,\"2024-01-03\"]", "[3,\"three\",30,\"2024-01-03\",5]"),
        ErrorCode.INCOMPATIBLE_ARTIFACT, "bad.items", "3");
  }

  @Test
  void valueOfTheWrongJsonTypeIsRejectedNamingTableAndRow() throws Exception {
    assertRejected(ITEMS, s -> s.replace("[3,\"three\",30,", "[3,\"three\",\"many\","),
        ErrorCode.INCOMPATIBLE_ARTIFACT, "bad.items", "3");
  }

  @Test
  void valueThatDoesNotParseForItsColumnTypeIsRejectedNamingTableAndRow() throws Exception {
    assertRejected(ITEMS, s -> s.replace("\"2024-01-04\"", "\"2024-02-30\""),
        ErrorCode.INCOMPATIBLE_ARTIFACT, "bad.items", "4");
  }

  @Test
  void integerOutOfRangeForItsColumnIsRejectedNamingTableAndRow() throws Exception {
    assertRejected(ITEMS, s -> s.replace("[1,\"one\",10,", "[1,\"one\",99999999999,"),
        ErrorCode.INCOMPATIBLE_ARTIFACT, "bad.items", "1");
  }

  @Test
  void duplicatePrimaryKeyIsRejectedAtConfirmAndRolledBack() throws Exception {
    DatastoreManifest m = Artifacts.edit(harness, harness.backup(), ITEMS, s -> s.replace("[2,\"two\"", "[1,\"two\""));
    mutate();
    String before = live();
    // The dry run does not build indexes; the restore's unique index catches it, and nothing changes.
    DatastorePlan plan = harness.plan(m);
    assertFails(() -> harness.restore(m, plan), ErrorCode.INCOMPATIBLE_ARTIFACT, "bad.items", null);
    assertThat(live()).isEqualTo(before);
  }

  @Test
  void jsonTruncatedInTheMiddleOfARowIsRejected() throws Exception {
    assertRejected(ITEMS, s -> s.substring(0, s.indexOf("[3,\"three\"") + 5),
        ErrorCode.INCOMPATIBLE_ARTIFACT, "bad.items", "3");
  }

  @Test
  void rowCountThatDoesNotMatchTheRowsIsRejected() throws Exception {
    assertRejected(ITEMS, s -> s.replace("\"rowCount\":4", "\"rowCount\":5"), ErrorCode.INCOMPATIBLE_ARTIFACT,
        "bad.items", null);
  }

  @Test
  void tableNameInjectedIntoTheHeaderIsNeverExecuted() throws Exception {
    assertRejected(ITEMS, s -> s.replace("\"table\":\"items\"", "\"table\":\"items\\\"; DROP TABLE bad.canary; --\""),
        ErrorCode.INCOMPATIBLE_ARTIFACT, "bad.items\"; DROP TABLE bad.canary; --", null);
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
    assertRejected(ITEMS, s -> s.replace("\"added\\\" date\\n)\"", "\"added\\\" date\\n); DROP TABLE bad.canary\""),
        ErrorCode.INCOMPATIBLE_ARTIFACT, "bad.items", null, () -> Pg.exec(ds, "DROP TABLE bad.items"));
  }

  @Test
  void schemaStatementOfAnotherKindIsRejected() throws Exception {
    assertRejected(ITEMS, s -> {
      int start = s.indexOf("\"sql\":\"CREATE TABLE");
      return s.substring(0, start) + "\"sql\":\"DROP TABLE bad.canary" + s.substring(s.indexOf("\"}", start));
    }, ErrorCode.INCOMPATIBLE_ARTIFACT, "bad.items", null, () -> Pg.exec(ds, "DROP TABLE bad.items"));
  }

  @Test
  void replacingATableOthersDependOnIsRefusedAtPreview() throws Exception {
    assertRejected(ITEMS, null, ErrorCode.INCOMPATIBLE_ARTIFACT, "bad.items", null, () -> Pg.exec(ds,
        "ALTER TABLE bad.items ADD COLUMN extra int; CREATE VIEW bad.v AS SELECT * FROM bad.items"));
  }

  @Test
  void unsupportedFormatVersionIsRejected() throws Exception {
    assertRejected(ITEMS, s -> s.replace("\"version\":1", "\"version\":99"), ErrorCode.INCOMPATIBLE_ARTIFACT, ITEMS, null);
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
