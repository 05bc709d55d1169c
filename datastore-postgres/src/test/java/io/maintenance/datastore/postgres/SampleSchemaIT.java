package io.maintenance.datastore.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import io.maintenance.api.ChangeKind;
import io.maintenance.api.DatastoreManifest;
import io.maintenance.api.DatastorePlan;
import io.maintenance.api.ResourceDiff;
import io.maintenance.tck.DatastoreHarness;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.sql.DataSource;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A public application schema the tests did not design: LedgerSMB's (Debian package ledgersmb, fetched by
 * scripts/test.sh; {@code MAINTENANCE_IT_PG_SAMPLE}): about 160 tables with their data, 340 PL/pgSQL
 * functions, 230 composite types, views, triggers, comments and sequences. Loaded with psql as its
 * installer does (the base script, then each module in its own transaction; the modules this version's
 * base schema cannot take are left out, the same every run), then backed up on 15 and restored into
 * empty databases of 15, 16 and 17 and over a changed database: each result must equal what pg_restore
 * makes of pg_dump's own archive on the same server, and every table's rows the source's.
 */
class SampleSchemaIT {
  static DataSource source;
  /** One backup (and the source's row digests) shared by every test: the corpus is large. */
  static DatastoreHarness from;
  static DatastoreManifest backup;
  static java.util.Map<String, String> sourceRows;

  @BeforeAll
  static void load() throws Exception {
    String dir = System.getenv("MAINTENANCE_IT_PG_SAMPLE");
    if (dir == null || !Files.isRegularFile(Path.of(dir, "Pg-database.sql"))) {
      throw new IllegalStateException("MAINTENANCE_IT_PG_SAMPLE must name LedgerSMB's sql directory: run the tests with"
          + " scripts/test.sh, which fetches it");
    }
    Path sql = Path.of(dir);
    source = Pg.freshDatabase("sample_src");
    psql(Pg.server(), "sample_src", sql.resolve("Pg-database.sql"), false);
    int loaded = 0;
    for (String module : Files.readAllLines(sql.resolve("modules/LOADORDER"))) {
      if (!module.isBlank() && !module.startsWith("#")) {
        loaded += psql(Pg.server(), "sample_src", sql.resolve("modules").resolve(module.trim()), true) ? 1 : 0;
      }
    }
    assertThat(loaded).as("LedgerSMB modules that load").isGreaterThanOrEqualTo(30);
    psql(Pg.server(), "sample_src", sql.resolve("coa/us/chart/General.sql"), false);
    Pg.exec(source, "ANALYZE");
    from = new DatastoreHarness(datastore(source));
    backup = from.backup();
    sourceRows = PgTools.tableDigests(source);
  }

  /** Runs a script as LedgerSMB's installer does; a module ({@code optional}) that fails leaves nothing behind. */
  private static boolean psql(EmbeddedPostgres server, String database, Path script, boolean optional) throws Exception {
    List<String> command = new java.util.ArrayList<>(List.of(PgTools.tools("psql"), "-X", "-q", "-v", "ON_ERROR_STOP=1",
        "-h", "127.0.0.1", "-p", Integer.toString(server.getPort()), "-U", "postgres", "-d", database, "-f", script.toString()));
    if (optional) {
      command.add(1, "--single-transaction");
    }
    Process p = new ProcessBuilder(command).directory(script.getParent().toFile()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    boolean ok = p.waitFor() == 0;
    if (!ok && !optional) {
      throw new IllegalStateException("psql -f " + script + " failed: " + out);
    }
    return ok;
  }

  private static PostgresDatastore datastore(DataSource ds) {
    return PostgresDatastore.builder("ledger").dataSource(ds).jobs(2).build();
  }

  @ParameterizedTest(name = "15 -> {0}")
  @ValueSource(ints = {15, 16, 17})
  void intoAnEmptyDatabaseItEqualsWhatPgRestoreMakes(int major) throws Exception {
    EmbeddedPostgres server = Pg.server(major);
    DatastoreManifest m = backup;
    assertThat(m.resources()).hasSizeGreaterThan(150);
    DataSource target = Pg.freshDatabase(server, "sample_dst");
    DatastoreHarness into = new DatastoreHarness(datastore(target), from.storage());

    into.restore(m, into.plan(m));

    Pg.freshDatabase(server, "sample_ref");
    PgTools.pgRestore(Pg.server(), "sample_src", server, "sample_ref");
    PgTools.assertSameSchema(server, "sample_dst", "sample_ref");
    assertThat(PgTools.tableDigests(target)).isEqualTo(sourceRows).hasSizeGreaterThan(150);
  }

  @Test
  void overAChangedDatabaseThePreviewListsTheObjectsAndTheRestoreUndoesThem() throws Exception {
    DatastoreManifest m = backup;
    DataSource target = Pg.freshDatabase("sample_changed");
    DatastoreHarness into = new DatastoreHarness(datastore(target), from.storage());
    into.restore(m, into.plan(m));
    Pg.exec(target, """
        UPDATE account SET description = 'renamed' WHERE id % 3 = 0;
        DELETE FROM mime_type WHERE id > 600;
        DROP VIEW chart;
        CREATE OR REPLACE FUNCTION concat_colon(text, text) RETURNS text LANGUAGE sql AS $$ SELECT $1 || '::' || $2 $$;
        INSERT INTO country (id, short_name, name) VALUES (999, 'ZZ', 'Nowhere');
        COMMENT ON TABLE lsmb_module IS 'edited';
        """);

    DatastorePlan plan = into.plan(m);

    ResourceDiff schema = plan.resources().stream().filter(d -> d.kind().equals("schema")).findFirst().orElseThrow();
    assertThat(schema.schemaChanges()).contains("create view public.chart")
        .anySatisfy(l -> assertThat(l).startsWith("change function public.concat_colon(text, text): now "))
        .anySatisfy(l -> assertThat(l).startsWith("change comment on table public.lsmb_module: now "));
    assertThat(plan.resources()).filteredOn(d -> d.name().equals("public.mime_type")).singleElement()
        .satisfies(d -> assertThat(d.counts().get(0).after()).isEqualTo(684));
    assertThat(plan.resources()).filteredOn(d -> d.name().equals("public.country")).singleElement().satisfies(d -> {
      assertThat(d.change()).isEqualTo(ChangeKind.REPLACE);
      assertThat(d.itemsLost()).isEqualTo(1);
    });
    into.restore(m, plan);

    // pg_get_viewdef does not always print what it reads back the same way (EXTRACT('YEAR' ...) comes back as
    // EXTRACT(year ...)), for pg_restore as for this plugin: the reference is pg_restore's result on the same server.
    Pg.freshDatabase("sample_changed_ref");
    PgTools.pgRestore(Pg.server(), "sample_src", Pg.server(), "sample_changed_ref");
    PgTools.assertSameSchema(Pg.server(), "sample_changed", "sample_changed_ref");
    assertThat(PgTools.tableDigests(target)).isEqualTo(sourceRows);
  }
}
