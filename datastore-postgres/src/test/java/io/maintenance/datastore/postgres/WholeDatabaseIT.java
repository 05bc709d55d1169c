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
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The whole application corpus ({@code corpus/app.sql}: every kind of object issue 9 lists) backed up and
 * restored into an empty database and over a wrecked one, compared with pg_dump's own output: the
 * {@code pg_dump --schema-only} text of source and target must be identical, and every table's ordered
 * COPY must have the same md5. pg_dump and pg_restore (17) come from {@code MAINTENANCE_IT_PG_BIN}
 * (scripts/test.sh installs them); without them the test fails.
 */
class WholeDatabaseIT {
  static DataSource source;

  static void roles(EmbeddedPostgres server) throws Exception {
    Pg.exec(server.getPostgresDatabase(), """
        DO $$ BEGIN
          IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'app_owner') THEN CREATE ROLE app_owner; END IF;
          IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'app_reader') THEN CREATE ROLE app_reader; END IF;
        END $$""");
  }

  @BeforeAll
  static void corpus() throws Exception {
    roles(Pg.server());
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

  /**
   * PostgreSQL 15 into an empty database of 15, 16 and 17. On each target the reference is pg_restore of
   * pg_dump's own archive of the source into another empty database of the same server: the two
   * {@code pg_dump --schema-only} texts must be identical (on 15 also equal to the source's), and every
   * table's rows must have the source's md5.
   */
  @ParameterizedTest(name = "15 -> {0}")
  @ValueSource(ints = {15, 16, 17})
  void intoAnEmptyDatabaseEverythingComesBackAsPgRestoreBringsIt(int major) throws Exception {
    EmbeddedPostgres server = Pg.server(major);
    roles(server);
    DatastoreHarness from = new DatastoreHarness(datastore(source, 2));
    DatastoreManifest m = from.backup();
    DataSource target = Pg.freshDatabase(server, "whole_dst_empty");
    DatastoreHarness into = new DatastoreHarness(datastore(target, 1), from.storage());

    DatastorePlan plan = into.plan(m);
    assertThat(dumpSchema(server, "whole_dst_empty")).as("the preview wrote nothing").doesNotContain("app.customers");
    assertThat(plan.resources()).allSatisfy(d -> assertThat(d.change()).as(d.name()).isEqualTo(ChangeKind.CREATE));
    into.restore(m, plan);

    Pg.freshDatabase(server, "whole_ref");
    pgRestore(server, "whole_ref");
    assertSameSchema(server, "whole_dst_empty", "whole_ref");
    if (major == 15) {
      assertSameSchema(server, "whole_dst_empty", "whole_src");
    }
    assertThat(tableDigests(target)).isEqualTo(tableDigests(source)).hasSizeGreaterThan(10);
    assertThat(Pg.copyOut(target, "SELECT last_value, is_called FROM app.invoice_no"))
        .isEqualTo(Pg.copyOut(source, "SELECT last_value, is_called FROM app.invoice_no"));
    assertThat(Pg.copyOut(target, "SELECT * FROM app.order_totals ORDER BY 1"))
        .isEqualTo(Pg.copyOut(source, "SELECT * FROM app.order_totals ORDER BY 1"));
  }

  /**
   * pg_dump -Fc of the source (on 15) restored with pg_restore into a database of {@code server}. The 17
   * tools set {@code transaction_timeout}, which older servers do not know: pg_restore writes its script,
   * that one setting is left out, and psql runs the rest (stopping at the first error).
   */
  static void pgRestore(EmbeddedPostgres server, String database) throws Exception {
    java.nio.file.Path archive = java.nio.file.Files.createTempFile("whole", ".dump");
    java.nio.file.Path script = java.nio.file.Files.createTempFile("whole", ".sql");
    try {
      run(Pg.tools().resolve("pg_dump").toString(), "-Fc", "-f", archive.toString(), "-h", "127.0.0.1",
          "-p", Integer.toString(Pg.server().getPort()), "-U", "postgres", "whole_src");
      run(Pg.tools().resolve("pg_restore").toString(), "-f", script.toString(), archive.toString());
      java.nio.file.Files.write(script, java.nio.file.Files.readAllLines(script).stream()
          .filter(l -> !l.startsWith("SET transaction_timeout")).toList());
      run(Pg.tools().resolve("psql").toString(), "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1",
          "-p", Integer.toString(server.getPort()), "-U", "postgres", "-d", database, "-f", script.toString());
    } finally {
      java.nio.file.Files.deleteIfExists(archive);
      java.nio.file.Files.deleteIfExists(script);
    }
  }

  private static String run(String... command) throws Exception {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new IllegalStateException(String.join(" ", command) + " failed: " + out);
    }
    return out;
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
        INSERT INTO app.customers (first_name, last_name) VALUES ('Not', 'Backed-up');
        DELETE FROM app.line_items WHERE order_id > 100;
        DROP VIEW app.recent_orders;
        CREATE OR REPLACE FUNCTION app.full_name(first text, last text) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE
          AS $$ SELECT last || ', ' || first $$;
        DROP POLICY documents_own ON app.documents;
        CREATE POLICY documents_own ON app.documents FOR SELECT TO app_reader USING (true);
        CREATE VIEW app.extra AS SELECT 1 AS one;
        """);
    assertThat(dumpSchema(Pg.server(), "whole_dst_wrecked")).isNotEqualTo(dumpSchema(Pg.server(), "whole_src"));

    DatastorePlan plan = into.plan(m);

    ResourceDiff schema = plan.resources().stream().filter(d -> d.kind().equals("schema")).findFirst().orElseThrow();
    assertThat(schema.change()).isEqualTo(ChangeKind.REPLACE);
    assertThat(schema.schemaChanges()).contains("create view app.recent_orders", "drop view app.extra")
        .anySatisfy(l -> assertThat(l).startsWith("change function app.full_name(first text, last text): now "))
        .anySatisfy(l -> assertThat(l).startsWith("change policy documents_own on app.documents: now "));
    Map<String, ResourceDiff> tables = new LinkedHashMap<>();
    plan.resources().forEach(d -> tables.put(d.name(), d));
    // By primary key: the changed rows come back, the new one is lost.
    assertThat(tables.get("app.customers").itemsLost()).isEqualTo(1);
    assertThat(tables.get("app.customers").change()).isEqualTo(ChangeKind.REPLACE);
    assertThat(tables.get("app.line_items").counts().get(0).before()).isEqualTo(200);
    assertThat(tables.get("app.documents").change()).isEqualTo(ChangeKind.UNCHANGED);
    into.restore(m, plan);

    assertSameSchema(Pg.server(), "whole_dst_wrecked", "whole_src");
    assertThat(tableDigests(target)).isEqualTo(tableDigests(source));
    assertThat(into.plan(m).resources()).allSatisfy(d -> assertThat(d.change()).as(d.name()).isEqualTo(ChangeKind.UNCHANGED));
  }

  /** Both dumps are kept under target/pg-dump/ to diff by hand when they differ. */
  static void assertSameSchema(EmbeddedPostgres server, String actual, String expected) throws Exception {
    java.nio.file.Path dir = java.nio.file.Path.of("target", "pg-dump");
    java.nio.file.Files.createDirectories(dir);
    EmbeddedPostgres expectedServer = expected.equals("whole_src") ? Pg.server() : server;
    String a = dumpSchema(server, actual);
    String e = dumpSchema(expectedServer, expected);
    java.nio.file.Files.writeString(dir.resolve(actual + "-" + server.getPort() + ".sql"), a);
    java.nio.file.Files.writeString(dir.resolve(expected + "-" + expectedServer.getPort() + ".sql"), e);
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

  /** pg_dump --schema-only of a database, without the lines that differ on every run. */
  static String dumpSchema(EmbeddedPostgres server, String database) throws Exception {
    String out = run(Pg.tools().resolve("pg_dump").toString(), "--schema-only", "-h", "127.0.0.1",
        "-p", Integer.toString(server.getPort()), "-U", "postgres", database);
    return out.lines().filter(l -> !l.startsWith("\\restrict ") && !l.startsWith("\\unrestrict ")
        && !l.startsWith("-- Dumped from") && !l.startsWith("-- Dumped by")).reduce("", (a, b) -> a + b + "\n");
  }
}
