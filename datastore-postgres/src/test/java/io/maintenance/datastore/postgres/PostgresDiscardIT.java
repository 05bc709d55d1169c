package io.maintenance.datastore.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import io.maintenance.api.ChangeKind;
import io.maintenance.api.DatastoreManifest;
import io.maintenance.api.ResourceSummary;
import io.maintenance.tck.DatastoreHarness;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import javax.sql.DataSource;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Discard of a whole database restore (the application corpus: schemas, types, functions, extensions, default
 * privileges, policies, ...): afterwards {@code pg_dump --schema-only} of the sandbox, and its schemas' owners,
 * grants and comments, equal those of a database just created, on PostgreSQL 15 and 17 (whose {@code public}
 * schemas differ); and the sandbox takes a second drill.
 */
class PostgresDiscardIT {
  static DataSource source;

  @BeforeAll
  static void corpus() throws Exception {
    WholeDatabaseIT.roles(Pg.server());
    source = Pg.freshDatabase("discard_src");
    PgTools.loadCorpus(Pg.server(), "discard_src");
  }

  /** pg_dump's schema and what it leaves out for a fresh database: every schema's owner, grants and comment, the extensions. */
  static String contents(EmbeddedPostgres server, String database) throws Exception {
    DataSource ds = server.getDatabase("postgres", database);
    return PgTools.dumpSchema(server, database)
        + Pg.copyOut(ds, "SELECT n.nspname, pg_get_userbyid(n.nspowner), n.nspacl::text, obj_description(n.oid, 'pg_namespace')"
            + " FROM pg_namespace n ORDER BY 1")
        + Pg.copyOut(ds, "SELECT extname, extversion, extnamespace::regnamespace FROM pg_extension ORDER BY 1")
        + Pg.copyOut(ds, "SELECT defaclrole::regrole, defaclnamespace, defaclobjtype, defaclacl::text FROM pg_default_acl ORDER BY 1, 2, 3");
  }

  @ParameterizedTest(name = "PostgreSQL 15 -> {0}")
  @ValueSource(ints = {15, 17})
  void afterDiscardTheSandboxIsAsAFreshDatabase(int major) throws Exception {
    EmbeddedPostgres server = Pg.server(major);
    WholeDatabaseIT.roles(server);
    DatastoreHarness from = new DatastoreHarness(PostgresDatastore.builder("app").dataSource(source).build());
    DatastoreManifest m = from.backup();
    Pg.freshDatabase(server, "discard_fresh");
    String fresh = contents(server, "discard_fresh");
    DataSource sandboxDs = Pg.freshDatabase(server, "discard_sandbox");
    PostgresDatastore sandbox = PostgresDatastore.builder("app").dataSource(sandboxDs).build();
    DatastoreHarness into = new DatastoreHarness(sandbox, from.storage());
    Set<String> names = m.resources().stream().map(ResourceSummary::name).collect(Collectors.toCollection(TreeSet::new));

    for (int drill = 1; drill <= 2; drill++) {
      var plan = into.plan(m);
      assertThat(plan.resources()).as("drill %d plan", drill).allSatisfy(d -> assertThat(d.change()).isEqualTo(ChangeKind.CREATE));
      into.restore(m, plan);
      assertThat(PgTools.tableDigests(sandboxDs)).isEqualTo(PgTools.tableDigests(source));
      assertThat(contents(server, "discard_sandbox")).contains("app.customers");

      sandbox.discard(names);

      assertThat(contents(server, "discard_sandbox")).as("after drill %d", drill).isEqualTo(fresh);
    }
  }
}
