package io.maintenance.datastore.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.maintenance.api.ArtifactInfo;
import io.maintenance.api.BackupType;
import io.maintenance.api.DatastoreManifest;
import io.maintenance.api.ErrorCode;
import io.maintenance.api.MaintenanceException;
import io.maintenance.api.ProbeResult;
import io.maintenance.api.ProbeStatus;
import io.maintenance.api.TaskItem;
import io.maintenance.api.TaskType;
import io.maintenance.spi.Datastore;
import io.maintenance.spi.DatastoreFactory;
import io.maintenance.spi.Fingerprint;
import io.maintenance.spi.PluginConfig;
import io.maintenance.spi.ProgressListener;
import io.maintenance.spi.TaskContext;
import io.maintenance.spi.TaskOutcome;
import io.maintenance.spi.internal.Contexts;
import io.maintenance.tck.DatastoreHarness;
import java.net.ServerSocket;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.stream.Collectors;
import javax.sql.DataSource;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Fingerprints (drift detection), readiness probes, scope selection, incremental backups, housekeeping. */
class OperationsIT {
  static DataSource ds;
  PostgresDatastore datastore;
  DatastoreHarness harness;

  @BeforeAll
  static void database() throws Exception {
    ds = Pg.freshDatabase("operations");
  }

  @BeforeEach
  void seed() throws Exception {
    Pg.exec(ds, """
        DROP SCHEMA IF EXISTS ops CASCADE; DROP SCHEMA IF EXISTS other CASCADE;
        CREATE SCHEMA ops; CREATE SCHEMA other;
        CREATE TABLE ops.accounts (id serial PRIMARY KEY, balance int NOT NULL);
        CREATE TABLE ops.audit_log (id bigserial PRIMARY KEY, note text);
        CREATE TABLE ops.settings (k text PRIMARY KEY, v text);
        CREATE TABLE other.t (x int);
        INSERT INTO ops.accounts (balance) SELECT g FROM generate_series(1, 1000) g;
        INSERT INTO ops.audit_log (note) VALUES ('a'), ('b');
        INSERT INTO ops.settings VALUES ('mode', 'on');
        INSERT INTO other.t VALUES (1);
        """);
    datastore = PostgresDatastore.builder("ops").dataSource(ds).include("ops.*").exclude("ops.audit_*").build();
    harness = new DatastoreHarness(datastore);
  }

  // ------------------------------------------------------------ scope

  @Test
  void includeAndExcludeGlobsChooseTheTables() throws Exception {
    DatastoreManifest m = harness.backup();

    assertThat(m.resources()).extracting(r -> r.name()).containsExactly("schema", "ops.accounts", "ops.settings");
    assertThat(m.artifacts()).extracting(ArtifactInfo::name).containsExactlyInAnyOrder("database_postgres.json",
        "database_postgres.sql", "ops.accounts_postgres.copy", "ops.accounts_postgres.json", "ops.accounts_postgres.sql",
        "ops.settings_postgres.copy", "ops.settings_postgres.json", "ops.settings_postgres.sql");
    assertThat(m.resources().get(1).counts()).containsEntry("rows", 1000L);
    // Only what the selected tables need: not the excluded table's sequence, not the other schema.
    String schema = new String(harness.storage().backing().bytes(harness.artifactKey(m, "database_postgres.json")).orElseThrow(),
        java.nio.charset.StandardCharsets.UTF_8);
    assertThat(schema).contains("table ops.accounts", "sequence ops.accounts_id_seq").doesNotContain("audit_log", "other.t");
  }

  @Test
  void includeAndExcludeCallsAddUpAsInEveryPlugin() throws Exception {
    PostgresDatastore twice = PostgresDatastore.builder("ops").dataSource(ds).include("ops.accounts").include(List.of("other"))
        .exclude("ops.audit_*").exclude("other.none").build();

    assertThat(new DatastoreHarness(twice).backup().resources()).extracting(r -> r.name())
        .containsExactlyInAnyOrder("schema", "ops.accounts", "other.t");
  }

  @Test
  void aBuilderWithoutIdOrDataSourceNamesTheMissingSetting() {
    assertThatThrownBy(() -> PostgresDatastore.builder(" ").dataSource(ds).build())
        .isInstanceOfSatisfying(MaintenanceException.class, e -> {
          assertThat(e.code()).isEqualTo(ErrorCode.CONFIG_INVALID);
          assertThat(e.getMessage()).contains("id");
        });
    assertThatThrownBy(() -> PostgresDatastore.builder("ops").build())
        .isInstanceOfSatisfying(MaintenanceException.class, e -> {
          assertThat(e.code()).isEqualTo(ErrorCode.CONFIG_INVALID);
          assertThat(e.getMessage()).contains("dataSource");
        });
  }

  @Test
  void aRestoreOfChosenTablesTouchesOnlyThoseTablesAndTheirSequences() throws Exception {
    DatastoreManifest m = harness.backup();
    Pg.exec(ds, "UPDATE ops.settings SET v = 'off'; INSERT INTO ops.accounts (balance) SELECT 0 FROM generate_series(1, 5);"
        + " CREATE VIEW ops.extra AS SELECT 1 AS one");
    String accounts = Pg.copyOut(ds, "SELECT * FROM ops.accounts ORDER BY id") + Pg.copyOut(ds, "SELECT last_value FROM ops.accounts_id_seq");
    io.maintenance.spi.RestoreContext chosen = new Contexts.Restore("r", "b", m, harness.artifacts(m), Set.of("ops.settings"),
        Map.of(), Optional.empty(), ProgressListener.NONE);

    io.maintenance.api.DatastorePlan plan = datastore.plan(chosen);
    assertThat(plan.resources()).extracting(d -> d.name()).containsExactly("schema", "ops.settings");
    datastore.restore(new Contexts.Restore("r", "b", m, harness.artifacts(m), Set.of("ops.settings"), Map.of(), Optional.of(plan),
        ProgressListener.NONE));

    assertThat(Pg.copyOut(ds, "SELECT v FROM ops.settings")).isEqualTo("on\n");
    assertThat(Pg.copyOut(ds, "SELECT * FROM ops.accounts ORDER BY id") + Pg.copyOut(ds, "SELECT last_value FROM ops.accounts_id_seq"))
        .isEqualTo(accounts);
    assertThat(Pg.copyOut(ds, "SELECT count(*) FROM pg_views WHERE viewname = 'extra'")).isEqualTo("1\n");
  }

  @Test
  void sequencesAreRestoredToTheirBackedUpValues() throws Exception {
    DatastoreManifest m = harness.backup();
    Pg.exec(ds, "INSERT INTO ops.accounts (balance) SELECT 0 FROM generate_series(1, 50)");

    harness.restore(m, harness.plan(m));

    assertThat(Pg.copyOut(ds, "SELECT last_value, is_called FROM ops.accounts_id_seq")).isEqualTo("1000\tt\n");
    Pg.exec(ds, "INSERT INTO ops.accounts (balance) VALUES (7)");
    assertThat(Pg.copyOut(ds, "SELECT id FROM ops.accounts WHERE balance = 7 AND id > 1000")).isEqualTo("1001\n");
  }

  @Test
  void parseOnlyPlansCountRowsWithoutLoadingThem() throws Exception {
    PostgresDatastore cheap = PostgresDatastore.builder("ops").dataSource(ds).include("ops.accounts")
        .validateRowsOnPlan(false).build();
    DatastoreHarness h = new DatastoreHarness(cheap);
    DatastoreManifest m = h.backup();
    Pg.exec(ds, "DELETE FROM ops.accounts WHERE id > 900");

    io.maintenance.api.DatastorePlan plan = h.plan(m);

    assertThat(plan.resources()).filteredOn(d -> d.kind().equals("table")).singleElement().satisfies(d -> {
      assertThat(d.counts()).containsExactly(new io.maintenance.api.CountChange("rows", 900, 1000));
      assertThat(d.itemsLost()).isZero();
    });
    h.restore(m, plan);
    assertThat(Pg.copyOut(ds, "SELECT count(*) FROM ops.accounts")).isEqualTo("1000\n");
  }

  @Test
  void restoreWorksFromAManifestThatListsNoResources() throws Exception {
    DatastoreManifest m = harness.backup();
    DatastoreManifest bare = new DatastoreManifest(m.id(), m.type(), m.pluginVersion(), m.sourceFingerprint(),
        m.artifacts(), List.of(), m.metadata());
    Pg.exec(ds, "UPDATE ops.settings SET v = 'off'; INSERT INTO ops.accounts (balance) VALUES (-1)");

    harness.restore(bare, harness.plan(bare));

    assertThat(Pg.copyOut(ds, "SELECT count(*), min(balance) FROM ops.accounts") + Pg.copyOut(ds, "SELECT v FROM ops.settings"))
        .isEqualTo("1000\t1\non\n");
  }

  @Test
  void replacingRowsKeepsEveryIndexAndKeyAsItWas() throws Exception {
    Pg.exec(ds, """
        CREATE INDEX accounts_rich ON ops.accounts (balance DESC) WHERE balance > 10;
        ALTER TABLE ops.settings ADD CONSTRAINT settings_v_key UNIQUE (v);
        CREATE TABLE ops.child (id int PRIMARY KEY, account int REFERENCES ops.accounts(id));
        INSERT INTO ops.child VALUES (1, 5), (2, 6);
        """);
    String schema = "SELECT indexdef FROM pg_indexes WHERE schemaname = 'ops' ORDER BY 1";
    String keys = "SELECT conrelid::regclass, conname, pg_get_constraintdef(oid) FROM pg_constraint"
        + " WHERE connamespace = 'ops'::regnamespace ORDER BY 1, 2";
    String before = Pg.copyOut(ds, schema) + Pg.copyOut(ds, keys);
    DatastoreManifest m = harness.backup();
    Pg.exec(ds, "DELETE FROM ops.child; UPDATE ops.accounts SET balance = 0; UPDATE ops.settings SET v = 'off'");

    harness.restore(m, harness.plan(m));

    assertThat(Pg.copyOut(ds, schema) + Pg.copyOut(ds, keys)).isEqualTo(before);
    assertThat(before).contains("accounts_rich", "settings_v_key", "child_account_fkey", "accounts_pkey");
    assertThat(Pg.copyOut(ds, "SELECT count(*) FROM ops.accounts WHERE balance > 10")).isEqualTo("990\n");
    assertThat(Pg.copyOut(ds, "SELECT * FROM ops.child ORDER BY id")).isEqualTo("1\t5\n2\t6\n");
  }

  @Test
  void backupIgnoresTheRolesStatementTimeoutAndWaitsForLocksOnlyUpToTheLockTimeout() throws Exception {
    Pg.exec(ds, "ALTER DATABASE operations SET statement_timeout = '1ms'");
    try {
      assertThat(harness.backup().resources()).hasSize(3);
    } finally {
      Pg.exec(ds, "ALTER DATABASE operations RESET statement_timeout");
    }
    PostgresDatastore impatient = PostgresDatastore.builder("ops").dataSource(ds).include("ops.*")
        .exclude("ops.audit_*").lockTimeout(java.time.Duration.ofMillis(200)).build();
    try (java.sql.Connection holder = ds.getConnection(); java.sql.Statement st = holder.createStatement()) {
      holder.setAutoCommit(false);
      st.execute("LOCK TABLE ops.settings IN ACCESS EXCLUSIVE MODE");
      org.assertj.core.api.Assertions.assertThatThrownBy(() -> new DatastoreHarness(impatient).backup())
          .isInstanceOfSatisfying(io.maintenance.api.MaintenanceException.class, e -> {
            assertThat(e.code()).isEqualTo(io.maintenance.api.ErrorCode.DATASTORE_FAILURE);
            assertThat(e.details()).containsEntry("sqlState", "55P03");
          });
      holder.rollback();
    }
  }

  @Test
  void restoreIntoAnEmptyDatabaseCreatesParentsBeforeChildren() throws Exception {
    Pg.exec(ds, """
        CREATE SCHEMA fk;
        CREATE TABLE fk.z_parent (id int PRIMARY KEY, name text);
        CREATE TABLE fk.a_child (id int PRIMARY KEY, parent int NOT NULL REFERENCES fk.z_parent(id));
        INSERT INTO fk.z_parent VALUES (1, 'one'), (2, 'two');
        INSERT INTO fk.a_child VALUES (10, 1), (11, 2), (12, 2);
        """);
    try {
      DatastoreHarness source = new DatastoreHarness(PostgresDatastore.builder("fk").dataSource(ds).include("fk").build());
      DatastoreManifest m = source.backup();
      assertThat(m.resources()).extracting(r -> r.name()).containsExactlyInAnyOrder("schema", "fk.z_parent", "fk.a_child");
      DataSource empty = Pg.freshDatabase("operations_target");
      DatastoreHarness target = new DatastoreHarness(PostgresDatastore.builder("fk").dataSource(empty).build(),
          source.storage());

      target.restore(m, target.plan(m));

      assertThat(Pg.copyOut(empty, "SELECT * FROM fk.a_child ORDER BY id")).isEqualTo("10\t1\n11\t2\n12\t2\n");
      assertThat(Pg.copyOut(empty, "SELECT conname FROM pg_constraint WHERE contype = 'f'")).isEqualTo("a_child_parent_fkey\n");
    } finally {
      Pg.exec(ds, "DROP SCHEMA fk CASCADE");
    }
  }

  // ------------------------------------------------------------ fingerprint

  @Test
  void anUpdateThatKeepsTheRowCountChangesTheFingerprint() throws Exception {
    Fingerprint before = datastore.fingerprint(Set.of());

    Pg.exec(ds, "UPDATE ops.accounts SET balance = balance WHERE id = 500");

    Fingerprint after = datastore.fingerprint(Set.of());
    assertThat(after.value()).isNotEqualTo(before.value());
    assertThat(after.components().get("ops.accounts")).isNotEqualTo(before.components().get("ops.accounts"));
    assertThat(after.components().get("ops.settings")).isEqualTo(before.components().get("ops.settings"));
  }

  @Test
  void deleteThenReinsertOfTheSameRowChangesTheFingerprint() throws Exception {
    Fingerprint before = datastore.fingerprint(Set.of());

    Pg.exec(ds, "DELETE FROM ops.settings; INSERT INTO ops.settings VALUES ('mode', 'on')");

    assertThat(datastore.fingerprint(Set.of()).value()).isNotEqualTo(before.value());
  }

  @Test
  void readsVacuumAndRolledBackWritesDoNotChangeTheFingerprint() throws Exception {
    Fingerprint before = datastore.fingerprint(Set.of());

    Pg.exec(ds, "SELECT count(*) FROM ops.accounts");
    Pg.exec(ds, "VACUUM (FREEZE, ANALYZE) ops.accounts");
    Pg.exec(ds, "BEGIN; UPDATE ops.accounts SET balance = 0; ROLLBACK");
    Pg.exec(ds, "INSERT INTO other.t VALUES (2)");

    assertThat(datastore.fingerprint(Set.of())).isEqualTo(before);
  }

  @Test
  void aWriteBetweenPreviewAndConfirmChangesTheFingerprintOfTheBackedUpTables() throws Exception {
    DatastoreManifest m = harness.backup();
    Set<String> names = m.resources().stream().map(r -> r.name()).collect(Collectors.toSet());
    Fingerprint atPreview = datastore.fingerprint(names);
    harness.plan(m);
    assertThat(datastore.fingerprint(names)).as("a plan writes nothing").isEqualTo(atPreview);

    Pg.exec(ds, "UPDATE ops.settings SET v = 'off'");

    Fingerprint atConfirm = datastore.fingerprint(names);
    assertThat(atConfirm.value()).isNotEqualTo(atPreview.value());
    assertThat(atConfirm.components()).containsOnlyKeys("schema", "ops.accounts", "ops.settings");
    assertThat(atConfirm.components().get("schema")).isEqualTo(atPreview.components().get("schema"));
    Pg.exec(ds, "CREATE INDEX accounts_balance ON ops.accounts (balance)");
    assertThat(datastore.fingerprint(names).components().get("schema")).as("a new index is drift too")
        .isNotEqualTo(atPreview.components().get("schema"));
  }

  @Test
  void fingerprintNamesTablesThatDoNotExist() throws Exception {
    Fingerprint f = datastore.fingerprint(Set.of("ops.accounts", "ops.gone"));

    assertThat(f.components()).containsEntry("ops.gone", "absent");
    assertThat(f.components().get("ops.accounts")).startsWith("rows=1000,");
  }

  // ------------------------------------------------------------ incremental

  @Test
  void incrementalBackupReusesUnchangedTablesAndRestoresTheSame() throws Exception {
    DatastoreManifest full = harness.backup();
    Pg.exec(ds, "UPDATE ops.settings SET v = 'off'");
    String expected = Pg.copyOut(ds, "SELECT * FROM ops.accounts ORDER BY id") + Pg.copyOut(ds, "SELECT * FROM ops.settings");

    DatastoreManifest incremental = harness.backup(BackupType.INCREMENTAL, Optional.of(full));

    Map<String, Optional<String>> heldBy = incremental.artifacts().stream()
        .collect(Collectors.toMap(ArtifactInfo::name, ArtifactInfo::heldBy));
    String fullId = full.metadata().get(DatastoreHarness.BACKUP_ID);
    assertThat(heldBy.get("ops.accounts_postgres.json")).contains(fullId);
    assertThat(heldBy.get("ops.accounts_postgres.sql")).contains(fullId);
    assertThat(heldBy.get("ops.settings_postgres.json")).isEmpty();
    assertThat(incremental.sourceFingerprint()).isEqualTo(datastore.fingerprint(Set.of()).value());

    Pg.exec(ds, "DELETE FROM ops.accounts WHERE id < 100; UPDATE ops.settings SET v = 'x'");
    harness.restore(incremental, harness.plan(incremental));
    assertThat(Pg.copyOut(ds, "SELECT * FROM ops.accounts ORDER BY id") + Pg.copyOut(ds, "SELECT * FROM ops.settings"))
        .isEqualTo(expected);
  }

  @Test
  void incrementalBackupKeepsUnchangedRowsButRecordsTheSequenceThatMoved() throws Exception {
    DatastoreManifest full = harness.backup();
    Pg.exec(ds, "SELECT nextval('ops.accounts_id_seq')");

    DatastoreManifest incremental = harness.backup(BackupType.INCREMENTAL, Optional.of(full));

    // Sequence states live in the database artifact, which every backup writes afresh; the rows did not change.
    assertThat(incremental.artifacts()).filteredOn(a -> a.name().startsWith("ops.accounts"))
        .allSatisfy(a -> assertThat(a.heldBy()).isPresent());
    assertThat(incremental.artifacts()).filteredOn(a -> a.name().startsWith("database_"))
        .allSatisfy(a -> assertThat(a.heldBy()).isEmpty());
    Pg.exec(ds, "SELECT setval('ops.accounts_id_seq', 5)");
    harness.restore(incremental, harness.plan(incremental));
    assertThat(Pg.copyOut(ds, "SELECT last_value FROM ops.accounts_id_seq")).isEqualTo("1001\n");
  }

  // ------------------------------------------------------------ housekeeping

  @Test
  void reindexTaskVacuumsAndReindexesTheSelectedTables() throws Exception {
    TaskOutcome outcome = datastore.housekeeping(task(TaskType.REINDEX, false));

    assertThat(outcome.items()).extracting(TaskItem::target, TaskItem::action, TaskItem::outcome).containsExactly(
        org.assertj.core.groups.Tuple.tuple("ops.accounts", "vacuum-analyze", "done"),
        org.assertj.core.groups.Tuple.tuple("ops.accounts", "reindex", "done"),
        org.assertj.core.groups.Tuple.tuple("ops.settings", "vacuum-analyze", "done"),
        org.assertj.core.groups.Tuple.tuple("ops.settings", "reindex", "done"));
    assertThat(Pg.copyOut(ds, "SELECT last_analyze IS NOT NULL FROM pg_stat_user_tables WHERE relid = 'ops.accounts'::regclass"))
        .isEqualTo("t\n");
  }

  @Test
  void reindexDryRunOnlyListsWhatItWouldDo() throws Exception {
    TaskOutcome outcome = datastore.housekeeping(task(TaskType.REINDEX, true));

    assertThat(outcome.items()).hasSize(4).allSatisfy(i -> assertThat(i.outcome()).isEqualTo("would-do"));
    assertThat(Pg.copyOut(ds, "SELECT last_analyze IS NULL FROM pg_stat_user_tables WHERE relid = 'ops.settings'::regclass"))
        .isEqualTo("t\n");
  }

  @Test
  void otherTasksAreNotThisPluginsBusiness() throws Exception {
    assertThat(datastore.housekeeping(task(TaskType.RETENTION, false)).items()).isEmpty();
  }

  private static TaskContext task(TaskType type, boolean dryRun) {
    return new Contexts.Task("t-1", type, dryRun, ProgressListener.NONE);
  }

  // ------------------------------------------------------------ probes and factory

  private static Datastore fromConfig(Map<String, String> values) {
    DatastoreFactory factory = ServiceLoader.load(DatastoreFactory.class).stream().map(ServiceLoader.Provider::get)
        .filter(f -> f.type().equals("postgres")).findFirst().orElseThrow();
    return factory.create("cfg", PluginConfig.of("datastore postgres", values));
  }

  private static Map<String, String> config(String user, String password, String database) {
    Map<String, String> values = new HashMap<>();
    values.put("url", "jdbc:postgresql://127.0.0.1:" + Pg.server().getPort() + "/" + database);
    values.put("user", user);
    values.put("password", password);
    values.put("include", "ops.*");
    values.put("connect-timeout", "3s");
    return values;
  }

  @Test
  void probeThroughTheFactoryReportsUpWithTheServerVersion() throws Exception {
    Pg.exec(ds, "GRANT USAGE ON SCHEMA ops TO app; GRANT SELECT ON ALL TABLES IN SCHEMA ops TO app");
    try (Datastore d = fromConfig(config(Pg.APP_USER, Pg.APP_PASSWORD, "operations"))) {
      ProbeResult r = d.probe();

      assertThat(r.status()).as(r.toString()).isEqualTo(ProbeStatus.UP);
      assertThat(r.attributes()).containsEntry("tables", "3").hasEntrySatisfying("version", v -> assertThat(v).startsWith("15."));
    } finally {
      Pg.exec(ds, "REVOKE ALL ON ALL TABLES IN SCHEMA ops FROM app; REVOKE USAGE ON SCHEMA ops FROM app");
    }
  }

  @Test
  void probeOfAClosedPortIsUnreachable() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    Map<String, String> values = config(Pg.APP_USER, Pg.APP_PASSWORD, "operations");
    values.put("url", "jdbc:postgresql://127.0.0.1:" + port + "/operations");
    try (Datastore d = fromConfig(values)) {
      ProbeResult r = d.probe();

      assertThat(r.status()).isEqualTo(ProbeStatus.DOWN);
      assertThat(r.code()).isEqualTo("POSTGRES_UNREACHABLE");
    }
  }

  @Test
  void probeWithAWrongPasswordIsAuthFailedAndDoesNotShowThePassword() throws Exception {
    try (Datastore d = fromConfig(config(Pg.APP_USER, "not-the-password-42", "operations"))) {
      ProbeResult r = d.probe();

      assertThat(r.code()).as(r.toString()).isEqualTo("POSTGRES_AUTH_FAILED");
      assertThat(r.detail()).doesNotContain("not-the-password-42");
    }
  }

  @Test
  void probeOfARoleThatCannotReadTheTablesIsPermissionDenied() throws Exception {
    try (Datastore d = fromConfig(config(Pg.APP_USER, Pg.APP_PASSWORD, "operations"))) {
      ProbeResult r = d.probe();

      assertThat(r.code()).as(r.toString()).isEqualTo("POSTGRES_PERMISSION_DENIED");
      assertThat(r.status()).isEqualTo(ProbeStatus.DOWN);
    }
  }

  @Test
  void probeOfADatabaseTheRoleMayNotConnectToIsPermissionDenied() throws Exception {
    Pg.exec(ds, "REVOKE CONNECT ON DATABASE operations FROM PUBLIC");
    try (Datastore d = fromConfig(config(Pg.APP_USER, Pg.APP_PASSWORD, "operations"))) {
      assertThat(d.probe().code()).isEqualTo("POSTGRES_PERMISSION_DENIED");
    } finally {
      Pg.exec(ds, "GRANT CONNECT ON DATABASE operations TO PUBLIC");
    }
  }

  @Test
  void configWithoutAJdbcUrlIsInvalid() {
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> fromConfig(Map.of("url", "http://example.org")))
        .isInstanceOfSatisfying(io.maintenance.api.MaintenanceException.class, e -> {
          assertThat(e.code()).isEqualTo(io.maintenance.api.ErrorCode.CONFIG_INVALID);
          assertThat(e.details()).containsEntry("key", "url");
        });
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> fromConfig(Map.of()))
        .isInstanceOfSatisfying(io.maintenance.api.MaintenanceException.class,
            e -> assertThat(e.code()).isEqualTo(io.maintenance.api.ErrorCode.CONFIG_INVALID));
  }
}
