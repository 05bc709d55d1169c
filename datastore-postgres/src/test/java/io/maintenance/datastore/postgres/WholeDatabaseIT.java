package io.maintenance.datastore.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import io.maintenance.api.ChangeKind;
import io.maintenance.api.DatastoreManifest;
import io.maintenance.api.DatastorePlan;
import io.maintenance.api.ResourceDiff;
import io.maintenance.tck.DatastoreHarness;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The whole application corpus ({@code corpus/app.sql}: every kind of object issue 9 lists) backed up and
 * restored into an empty database and over a wrecked one, compared with pg_dump's own output: the
 * {@code pg_dump --schema-only} text of source and target must be identical, and every table's ordered
 * COPY must have the same md5. pg_dump comes from {@code MAINTENANCE_IT_PG_DUMP} (scripts/test.sh
 * installs one); without it the test fails.
 */
class WholeDatabaseIT {
  static DataSource source;

  @BeforeAll
  static void corpus() throws Exception {
    Pg.exec(Pg.server().getPostgresDatabase(), """
        DO $$ BEGIN
          IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'app_owner') THEN CREATE ROLE app_owner; END IF;
          IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'app_reader') THEN CREATE ROLE app_reader; END IF;
        END $$""");
    source = Pg.freshDatabase("whole_src");
    try (InputStream in = WholeDatabaseIT.class.getResourceAsStream("/corpus/app.sql");
        Connection c = java.sql.DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + Pg.server().getPort()
            + "/whole_src?user=postgres&preferQueryMode=simple");
        Statement st = c.createStatement()) {
      // Simple query mode runs the script as psql would (SQL-standard function bodies hold semicolons).
      st.execute(new String(in.readAllBytes(), StandardCharsets.UTF_8));
    }
  }

  private static PostgresDatastore datastore(DataSource ds, int jobs) {
    return PostgresDatastore.builder().id("app").dataSource(ds).jobs(jobs).build();
  }

  @Test
  void intoAnEmptyDatabaseEverythingComesBackAsPgDumpSeesIt() throws Exception {
    DatastoreHarness from = new DatastoreHarness(datastore(source, 2));
    DatastoreManifest m = from.backup();
    DataSource target = Pg.freshDatabase("whole_dst_empty");
    DatastoreHarness into = new DatastoreHarness(datastore(target, 1), from.storage());

    DatastorePlan plan = into.plan(m);
    assertThat(dumpSchema("whole_dst_empty")).as("the preview wrote nothing").doesNotContain("app.customers");
    assertThat(plan.resources()).filteredOn(d -> d.kind().equals("table"))
        .allSatisfy(d -> assertThat(d.change()).isEqualTo(ChangeKind.CREATE));
    into.restore(m, plan);

    assertSameSchema("whole_dst_empty", "whole_src");
    assertThat(tableDigests(target)).isEqualTo(tableDigests(source)).hasSizeGreaterThan(10);
    assertThat(Pg.copyOut(target, "SELECT last_value, is_called FROM app.invoice_no"))
        .isEqualTo(Pg.copyOut(source, "SELECT last_value, is_called FROM app.invoice_no"));
    assertThat(Pg.copyOut(target, "SELECT * FROM app.order_totals ORDER BY 1"))
        .isEqualTo(Pg.copyOut(source, "SELECT * FROM app.order_totals ORDER BY 1"));
  }

  @Test
  void overAWreckedDatabaseThePreviewListsEachObjectAndTheRestoreUndoesIt() throws Exception {
    DatastoreHarness from = new DatastoreHarness(datastore(source, 1));
    DatastoreManifest m = from.backup();
    DataSource target = Pg.freshDatabase("whole_dst_wrecked");
    DatastoreHarness into = new DatastoreHarness(datastore(target, 1), from.storage());
    into.restore(m, into.plan(m));
    Pg.exec(target, """
        UPDATE app.customers SET first_name = 'Changed' WHERE id < 100;
        DELETE FROM app.line_items WHERE order_id > 100;
        DROP VIEW app.recent_orders;
        CREATE OR REPLACE FUNCTION app.full_name(first text, last text) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE
          AS $$ SELECT last || ', ' || first $$;
        DROP POLICY documents_own ON app.documents;
        CREATE POLICY documents_own ON app.documents FOR SELECT TO app_reader USING (true);
        CREATE VIEW app.extra AS SELECT 1 AS one;
        """);
    assertThat(dumpSchema("whole_dst_wrecked")).isNotEqualTo(dumpSchema("whole_src"));

    DatastorePlan plan = into.plan(m);

    ResourceDiff schema = plan.resources().stream().filter(d -> d.kind().equals("schema")).findFirst().orElseThrow();
    assertThat(schema.change()).isEqualTo(ChangeKind.REPLACE);
    assertThat(schema.schemaChanges()).contains("create view app.recent_orders", "drop view app.extra")
        .anySatisfy(l -> assertThat(l).startsWith("change function app.full_name(first text, last text): now "))
        .anySatisfy(l -> assertThat(l).startsWith("change policy documents_own on app.documents: now "));
    Map<String, ResourceDiff> tables = new LinkedHashMap<>();
    plan.resources().forEach(d -> tables.put(d.name(), d));
    assertThat(tables.get("app.customers").itemsLost()).isEqualTo(9);
    assertThat(tables.get("app.line_items").counts().get(0).before()).isEqualTo(200);
    assertThat(tables.get("app.documents").change()).isEqualTo(ChangeKind.UNCHANGED);
    into.restore(m, plan);

    assertSameSchema("whole_dst_wrecked", "whole_src");
    assertThat(tableDigests(target)).isEqualTo(tableDigests(source));
    assertThat(into.plan(m).resources()).allSatisfy(d -> assertThat(d.change()).as(d.name()).isEqualTo(ChangeKind.UNCHANGED));
  }

  /** Both dumps are kept under target/pg-dump/ to diff by hand when they differ. */
  static void assertSameSchema(String actual, String expected) throws Exception {
    java.nio.file.Path dir = java.nio.file.Path.of("target", "pg-dump");
    java.nio.file.Files.createDirectories(dir);
    String a = dumpSchema(actual);
    String e = dumpSchema(expected);
    java.nio.file.Files.writeString(dir.resolve(actual + ".sql"), a);
    java.nio.file.Files.writeString(dir.resolve(expected + ".sql"), e);
    assertThat(a).as("pg_dump --schema-only of %s and %s (see %s)", actual, expected, dir.toAbsolutePath()).isEqualTo(e);
  }

  /** md5 of each table's rows as COPY prints them, in a total order. */
  static Map<String, String> tableDigests(DataSource ds) throws Exception {
    List<String> tables = new ArrayList<>();
    try (Connection c = ds.getConnection(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(
        "SELECT format('%I.%I', n.nspname, c.relname) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
            + " WHERE c.relkind = 'r' AND n.nspname NOT IN ('pg_catalog', 'information_schema') ORDER BY 1")) {
      while (rs.next()) {
        tables.add(rs.getString(1));
      }
    }
    Map<String, String> out = new LinkedHashMap<>();
    for (String t : tables) {
      out.put(t, Pg.md5(Pg.copyOut(ds, "SELECT * FROM ONLY " + t + " x ORDER BY x::text")));
    }
    return out;
  }

  /** pg_dump --schema-only of a database of the embedded server, without the lines that differ on every run. */
  static String dumpSchema(String database) throws Exception {
    String pgDump = System.getenv("MAINTENANCE_IT_PG_DUMP");
    if (pgDump == null || pgDump.isBlank()) {
      throw new IllegalStateException("MAINTENANCE_IT_PG_DUMP is not set: run the tests with scripts/test.sh, which installs pg_dump");
    }
    Process p = new ProcessBuilder(pgDump, "--schema-only", "-h", "127.0.0.1", "-p", Integer.toString(Pg.server().getPort()),
        "-U", "postgres", database).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new IllegalStateException("pg_dump failed: " + out);
    }
    return out.lines().filter(l -> !l.startsWith("\\restrict ") && !l.startsWith("\\unrestrict ")
        && !l.startsWith("-- Dumped from") && !l.startsWith("-- Dumped by")).reduce("", (a, b) -> a + b + "\n");
  }
}
