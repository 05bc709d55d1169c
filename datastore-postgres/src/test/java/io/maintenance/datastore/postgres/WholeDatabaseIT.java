package io.maintenance.datastore.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import io.maintenance.api.ChangeKind;
import io.maintenance.api.DatastoreManifest;
import io.maintenance.api.DatastorePlan;
import io.maintenance.api.ResourceDiff;
import io.maintenance.tck.DatastoreHarness;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.util.LinkedHashMap;
import java.util.Map;
import javax.sql.DataSource;
import org.junit.jupiter.api.BeforeAll;
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
    PgTools.loadCorpus(Pg.server(), "whole_src");
  }

  private static PostgresDatastore datastore(DataSource ds, int jobs) {
    return PostgresDatastore.builder("app").dataSource(ds).jobs(jobs).build();
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
    assertThat(PgTools.dumpSchema(server, "whole_dst_empty")).as("the preview wrote nothing").doesNotContain("app.customers");
    assertThat(plan.resources()).allSatisfy(d -> assertThat(d.change()).as(d.name()).isEqualTo(ChangeKind.CREATE));
    into.restore(m, plan);

    Pg.freshDatabase(server, "whole_ref");
    PgTools.pgRestore(Pg.server(), "whole_src", server, "whole_ref");
    PgTools.assertSameSchema(server, "whole_dst_empty", "whole_ref");
    if (major == 15) {
      PgTools.assertSameSchema(server, "whole_dst_empty", Pg.server(), "whole_src");
    }
    assertThat(PgTools.tableDigests(target)).isEqualTo(PgTools.tableDigests(source)).hasSizeGreaterThan(10);
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
        INSERT INTO app.customers (first_name, last_name) VALUES ('Not', 'Backed-up');
        DELETE FROM app.line_items WHERE order_id > 100;
        DROP VIEW app.recent_orders;
        CREATE OR REPLACE FUNCTION app.full_name(first text, last text) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE
          AS $$ SELECT last || ', ' || first $$;
        DROP POLICY documents_own ON app.documents;
        CREATE POLICY documents_own ON app.documents FOR SELECT TO app_reader USING (true);
        CREATE VIEW app.extra AS SELECT 1 AS one;
        """);
    assertThat(PgTools.dumpSchema(Pg.server(), "whole_dst_wrecked")).isNotEqualTo(PgTools.dumpSchema(Pg.server(), "whole_src"));

    DatastorePlan plan = into.plan(m);

    ResourceDiff schema = plan.resources().stream().filter(d -> d.kind().equals("schema")).findFirst().orElseThrow();
    assertThat(schema.change()).isEqualTo(ChangeKind.REPLACE);
    assertThat(schema.schemaChanges()).contains("create view app.recent_orders", "drop view app.extra")
        .anySatisfy(l -> assertThat(l).startsWith("change function app.full_name(first text, last text): now "))
        .anySatisfy(l -> assertThat(l).startsWith("change policy documents_own on app.documents: now "))
        // The view on the changed function is the same, but goes and comes back with it.
        .contains("recreate view app.customer_names (unchanged)");
    Map<String, ResourceDiff> tables = new LinkedHashMap<>();
    plan.resources().forEach(d -> tables.put(d.name(), d));
    // By primary key: the changed rows come back, the new one is lost.
    assertThat(tables.get("app.customers").itemsLost()).isEqualTo(1);
    assertThat(tables.get("app.customers").change()).isEqualTo(ChangeKind.REPLACE);
    assertThat(tables.get("app.line_items").counts().get(0).before()).isEqualTo(200);
    assertThat(tables.get("app.documents").change()).isEqualTo(ChangeKind.UNCHANGED);
    into.restore(m, plan);

    PgTools.assertSameSchema(Pg.server(), "whole_dst_wrecked", "whole_src");
    assertThat(PgTools.tableDigests(target)).isEqualTo(PgTools.tableDigests(source));
    assertThat(into.plan(m).resources()).allSatisfy(d -> assertThat(d.change()).as(d.name()).isEqualTo(ChangeKind.UNCHANGED));
  }

}
