package io.maintenance.datastore.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.maintenance.api.DatastoreManifest;
import io.maintenance.api.DatastorePlan;
import io.maintenance.api.MaintenanceException;
import io.maintenance.spi.RestoreOutcome;
import io.maintenance.spi.internal.Contexts;
import io.maintenance.tck.DatastoreHarness;
import java.sql.Connection;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import javax.sql.DataSource;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code jobs = 2}: a backup copies tables, and block ranges of large tables, on two connections in one
 * snapshot (a writer that keeps two tables in step while the backup runs never shows half of a transaction), and a restore loads tables on
 * two connections and still has one outcome: the same database as with one connection, or, when a table
 * loaded on a worker or one loaded by the restore's own transaction is bad, nothing changed and no
 * staging schema left behind (also none of an earlier restore that died).
 */
class ParallelIT {
  static DataSource source;

  @BeforeAll
  static void corpus() throws Exception {
    WholeDatabaseIT.roles(Pg.server());
    source = Pg.freshDatabase("parallel_src");
    PgTools.loadCorpus(Pg.server(), "parallel_src");
  }

  private static PostgresDatastore datastore(DataSource ds, int jobs) {
    return PostgresDatastore.builder("app").dataSource(ds).jobs(jobs).build();
  }

  @Test
  void aParallelBackupSplittingItsTablesSeesOneSnapshotWhileAWriterKeepsTwoTablesInStep() throws Exception {
    DataSource ds = Pg.freshDatabase("parallel_snapshot");
    Pg.exec(ds, """
        CREATE TABLE debit (id bigint PRIMARY KEY, amount bigint NOT NULL);
        CREATE TABLE credit (id bigint PRIMARY KEY, amount bigint NOT NULL);
        INSERT INTO debit SELECT g, 1 FROM generate_series(1, 200000) g;
        INSERT INTO credit SELECT g, -1 FROM generate_series(1, 200000) g;
        """);
    AtomicBoolean stop = new AtomicBoolean();
    AtomicLong commits = new AtomicLong();
    Thread writer = new Thread(() -> {
      try (Connection c = ds.getConnection(); Statement st = c.createStatement()) {
        for (long i = 200001; !stop.get(); i++) {
          st.execute("BEGIN; INSERT INTO debit VALUES (" + i + ", " + i + "); INSERT INTO credit VALUES (" + i + ", -" + i + "); COMMIT");
          commits.incrementAndGet();
        }
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    });
    writer.start();
    while (commits.get() < 20) {
      Thread.sleep(10);
    }
    long before = commits.get();
    // Every table is split (by block ranges, both connections copying it): the parts must share the snapshot too.
    DatastoreHarness h = new DatastoreHarness(PostgresDatastore.builder("s").dataSource(ds).jobs(2).splitTablesFrom(1).build());
    DatastoreManifest m = h.backup();
    assertThat(m.artifacts()).extracting(a -> a.name()).contains("public.debit_postgres.copy", "public.debit_postgres.2.copy",
        "public.credit_postgres.copy", "public.credit_postgres.2.copy");
    long during = commits.get() - before;
    stop.set(true);
    writer.join();
    assertThat(during).as("the writer committed while the backup ran").isPositive();

    DataSource target = Pg.freshDatabase("parallel_snapshot_dst");
    DatastoreHarness into = new DatastoreHarness(PostgresDatastore.builder("s").dataSource(target).jobs(2).build(), h.storage());
    into.restore(m, into.plan(m));
    assertThat(Pg.copyOut(target, "SELECT (SELECT count(*) FROM debit) = (SELECT count(*) FROM credit),"
        + " (SELECT sum(amount) FROM debit) + (SELECT sum(amount) FROM credit)")).isEqualTo("t\t0\n");
  }

  @Test
  void aParallelRestoreGivesTheSameDatabaseAsPgRestore() throws Exception {
    DatastoreHarness from = new DatastoreHarness(datastore(source, 2));
    DatastoreManifest m = from.backup();
    DataSource target = Pg.freshDatabase("parallel_dst");
    DatastoreHarness into = new DatastoreHarness(datastore(target, 2), from.storage());
    DatastorePlan plan = into.plan(m);
    Set<String> staged = ConcurrentHashMap.newKeySet();

    RestoreOutcome outcome = datastore(target, 2).restore(new Contexts.Restore("r", "b", m, into.artifacts(m), Set.of(), Map.of(),
        Optional.of(plan), (stage, done, total) -> {
          if (stage.endsWith("(staged)")) {
            staged.add(stage);
          }
        }));

    assertThat(staged).as("tables loaded on worker connections").contains("table billing.audit (staged)",
        "table app.documents (staged)", "table public.Weird \"Schema\" Table (staged)");
    assertThat(outcome.resources()).hasSize(plan.resources().size());
    Pg.freshDatabase("parallel_ref");
    PgTools.pgRestore(Pg.server(), "parallel_src", Pg.server(), "parallel_ref");
    PgTools.assertSameSchema(Pg.server(), "parallel_dst", "parallel_ref");
    assertThat(PgTools.tableDigests(target)).isEqualTo(PgTools.tableDigests(source));
    assertThat(Pg.copyOut(target, "SELECT count(*) FROM pg_namespace WHERE nspname LIKE 'maintenance_stage%'")).isEqualTo("0\n");
  }

  @Test
  void aBadTableOnAWorkerOrInTheMainTransactionLeavesNothingBehind() throws Exception {
    DatastoreHarness from = new DatastoreHarness(datastore(source, 2));
    DatastoreManifest good = from.backup();
    DataSource target = Pg.freshDatabase("parallel_fail");
    DatastoreHarness into = new DatastoreHarness(datastore(target, 2), from.storage());
    DatastorePlan plan = into.plan(good);
    // A restore that died earlier left its staging schema.
    Pg.exec(target, "CREATE SCHEMA maintenance_stage_deadbeef_0; CREATE TABLE maintenance_stage_deadbeef_0.t (x int)");
    String before = Pg.copyOut(target, "SELECT nspname FROM pg_namespace WHERE nspname NOT LIKE 'pg\\_%'"
        + " AND nspname NOT LIKE 'maintenance\\_stage%' ORDER BY 1");

    // billing.audit loads on a worker; app.customers (its types come with the restore) in the main transaction.
    for (String artifact : List.of("billing.audit_postgres.copy", "app.customers_postgres.copy")) {
      DatastoreManifest bad = Artifacts.edit(from, good, artifact, s -> s.substring(0, s.indexOf('\n') + 1) + "not a row\n"
          + s.substring(s.indexOf('\n') + 1));
      assertThatThrownBy(() -> into.restore(bad, plan)).as(artifact).isInstanceOf(MaintenanceException.class);
      assertThat(Pg.copyOut(target, "SELECT nspname FROM pg_namespace WHERE nspname NOT LIKE 'pg\\_%' ORDER BY 1"))
          .as("after a bad %s nothing changed and nothing is staged", artifact).isEqualTo(before);
    }
  }
}
