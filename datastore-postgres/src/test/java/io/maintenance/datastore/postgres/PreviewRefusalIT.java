package io.maintenance.datastore.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.maintenance.api.DatastoreManifest;
import io.maintenance.api.DatastorePlan;
import io.maintenance.api.ErrorCode;
import io.maintenance.api.MaintenanceException;
import io.maintenance.tck.DatastoreHarness;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;

/**
 * When a restore cannot work, the preview says so with INCOMPATIBLE_ARTIFACT and a stable
 * {@code details.reason}, writes nothing and (the engine) issues no token: a role or an extension missing
 * on the target, a backup from a newer major that uses what the target lacks, an outside table whose rows
 * would dangle. And what can work does: a partitioned table outside the backup whose foreign key points
 * into a restored table no longer blocks an in-place restore.
 */
class PreviewRefusalIT {

  private static void refused(DatastoreHarness h, DatastoreManifest m, String reason, String detailKey, String detail) {
    assertThatThrownBy(() -> h.plan(m)).isInstanceOfSatisfying(MaintenanceException.class, e -> {
      assertThat(e.code()).as(e.toString()).isEqualTo(ErrorCode.INCOMPATIBLE_ARTIFACT);
      assertThat(e.details()).as(e.toString()).containsEntry("reason", reason);
      if (detailKey != null) {
        assertThat(e.details().get(detailKey)).as(e.toString()).contains(detail);
      }
    });
  }

  @Test
  void aRoleMissingOnTheTargetIsNamed() throws Exception {
    DataSource source = Pg.freshDatabase("refuse_role_src");
    Pg.exec(source, """
        DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'only_on_15') THEN CREATE ROLE only_on_15; END IF; END $$;
        CREATE TABLE t (id int PRIMARY KEY); GRANT SELECT ON t TO only_on_15;""");
    DatastoreHarness from = new DatastoreHarness(PostgresDatastore.builder("r").dataSource(source).build());
    DatastoreManifest m = from.backup();
    DataSource target = Pg.freshDatabase(Pg.server(17), "refuse_role_dst");
    DatastoreHarness into = new DatastoreHarness(PostgresDatastore.builder("r").dataSource(target).build(), from.storage());

    refused(into, m, "ROLE_MISSING", "roles", "only_on_15");
    assertThat(Pg.copyOut(target, "SELECT count(*) FROM pg_class WHERE relname = 't'")).isEqualTo("0\n");
  }

  @Test
  void anExtensionTheTargetCannotInstallIsNamed() throws Exception {
    // An extension that only the source server has: its control file is written into the source's own share directory.
    DataSource source = Pg.freshDatabase("refuse_ext_src");
    Path share = Path.of(Pg.copyOut(source, "SELECT setting FROM pg_config WHERE name = 'SHAREDIR'").trim(), "extension");
    Files.writeString(share.resolve("maint_only_here.control"), "default_version = '1.0'\nrelocatable = true\n");
    Files.writeString(share.resolve("maint_only_here--1.0.sql"), "CREATE FUNCTION maint_only_here() RETURNS int LANGUAGE sql AS 'SELECT 1';\n");
    Pg.exec(source, "CREATE EXTENSION maint_only_here; CREATE TABLE t (id int DEFAULT maint_only_here())");
    DatastoreHarness from = new DatastoreHarness(PostgresDatastore.builder("e").dataSource(source).build());
    DatastoreManifest m = from.backup();
    DataSource target = Pg.freshDatabase(Pg.server(17), "refuse_ext_dst");
    DatastoreHarness into = new DatastoreHarness(PostgresDatastore.builder("e").dataSource(target).build(), from.storage());

    refused(into, m, "EXTENSION_MISSING", "extensions", "maint_only_here");
  }

  @Test
  void aBackupFromANewerMajorRestoresIntoAnOlderOneUnlessItUsesWhatThatOneLacks() throws Exception {
    EmbeddedPostgres seventeen = Pg.server(17);
    DataSource source = Pg.freshDatabase(seventeen, "downgrade_src");
    Pg.exec(source, "CREATE TABLE plain (id int PRIMARY KEY, doc jsonb); INSERT INTO plain VALUES (1, '{\"a\": 7}')");
    DatastoreHarness from = new DatastoreHarness(PostgresDatastore.builder("d").dataSource(source).build());
    DatastoreManifest simple = from.backup();
    DataSource target = Pg.freshDatabase("downgrade_dst");
    DatastoreHarness into = new DatastoreHarness(PostgresDatastore.builder("d").dataSource(target).build(), from.storage());
    into.restore(simple, into.plan(simple));
    assertThat(Pg.copyOut(target, "SELECT * FROM plain")).isEqualTo("1\t{\"a\": 7}\n");

    // JSON_VALUE is new in 17: the view's definition cannot be created on 15.
    Pg.exec(source, "CREATE VIEW uses_17 AS SELECT id, JSON_VALUE(doc, '$.a' RETURNING int) AS a FROM plain");
    DatastoreManifest newer = from.backup();
    DataSource older = Pg.freshDatabase("downgrade_dst2");
    DatastoreHarness intoOlder = new DatastoreHarness(PostgresDatastore.builder("d").dataSource(older).build(), from.storage());

    refused(intoOlder, newer, "SERVER_TOO_OLD", "sourceVersion", "17.");
    assertThat(Pg.copyOut(older, "SELECT count(*) FROM pg_class WHERE relname IN ('plain', 'uses_17')")).isEqualTo("0\n");
  }

  @Test
  void aPartitionedTableOutsideTheBackupNoLongerBlocksButItsDanglingRowsDo() throws Exception {
    DataSource ds = Pg.freshDatabase("outside_fk");
    Pg.exec(ds, """
        CREATE TABLE customers (id int PRIMARY KEY, name text);
        CREATE TABLE orders (id int, customer_id int NOT NULL REFERENCES customers (id), placed date NOT NULL,
          PRIMARY KEY (id, placed)) PARTITION BY RANGE (placed);
        CREATE TABLE orders_2024 PARTITION OF orders FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
        INSERT INTO customers VALUES (1, 'one'), (2, 'two');
        INSERT INTO orders VALUES (1, 1, '2024-03-01');
        """);
    DatastoreHarness h = new DatastoreHarness(PostgresDatastore.builder("c").dataSource(ds).include("public.customers").build());
    DatastoreManifest m = h.backup();
    Pg.exec(ds, "UPDATE customers SET name = 'changed'; INSERT INTO customers VALUES (3, 'three')");

    DatastorePlan plan = h.plan(m);
    assertThat(plan.resources()).filteredOn(d -> d.name().equals("schema")).singleElement()
        .satisfies(d -> assertThat(d.schemaChanges()).anySatisfy(l -> assertThat(l).contains("orders_customer_id_fkey")));
    h.restore(m, plan);
    assertThat(Pg.copyOut(ds, "SELECT * FROM customers ORDER BY id")).isEqualTo("1\tone\n2\ttwo\n");
    assertThat(Pg.copyOut(ds, "SELECT conname FROM pg_constraint WHERE contype = 'f' AND conparentid = 0"))
        .isEqualTo("orders_customer_id_fkey\n");

    Pg.exec(ds, "INSERT INTO customers VALUES (3, 'three'); INSERT INTO orders VALUES (2, 3, '2024-04-01')");
    String before = Pg.copyOut(ds, "SELECT * FROM customers ORDER BY id") + Pg.copyOut(ds, "SELECT * FROM orders ORDER BY id");
    refused(h, m, "OUTSIDE_REFERENCE", "constraint", "orders_customer_id_fkey");
    assertThat(Pg.copyOut(ds, "SELECT * FROM customers ORDER BY id") + Pg.copyOut(ds, "SELECT * FROM orders ORDER BY id"))
        .isEqualTo(before);
  }
}
