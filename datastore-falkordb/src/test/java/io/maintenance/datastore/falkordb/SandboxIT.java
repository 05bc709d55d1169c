package io.maintenance.datastore.falkordb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.maintenance.api.ChangeKind;
import io.maintenance.api.DatastoreManifest;
import io.maintenance.api.DatastorePlan;
import io.maintenance.api.ErrorCode;
import io.maintenance.api.MaintenanceException;
import io.maintenance.api.ResourceDiff;
import io.maintenance.api.ResourceSummary;
import io.maintenance.datastore.falkordb.internal.FalkorConnection;
import io.maintenance.spi.RestoreOutcome;
import io.maintenance.tck.DatastoreHarness;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A FalkorDB datastore as the sandbox of a restore drill: a backup of the live server restored into a
 * second server equals the source graph by graph (FalkorDB's own query results), and {@code discard}
 * leaves the sandbox as it was, graphs and keys of others untouched. A sandbox in another logical
 * database of the live server is refused, because FalkorDB resolves graphs by name across databases
 * (shown on the server itself).
 */
class SandboxIT {
  private static final Set<String> GRAPHS = Set.of("sbx_corpus", "sbx_social");
  private static FalkorConnection live;
  private static FalkorConnection sandbox;

  @BeforeAll
  static void connect() {
    live = TestServer.connect();
    sandbox = TestServer.connect(TestServer.targetUrl());
  }

  @AfterAll
  static void disconnect() {
    TestServer.dropGraphs(live, "sbx_");
    TestServer.dropGraphs(sandbox, "sbx_");
    sandbox.delete("sbx_plain");
    live.close();
    sandbox.close();
  }

  private static void seedLive() {
    TestServer.dropGraphs(live, "sbx_");
    Corpus.seed(live, "sbx_corpus");
    TestServer.query(live, "sbx_social", "CREATE (a:Person {uid: 1, name: 'Ada'}), (b:Person {uid: 2, name: 'Bob'}), "
        + "(a)-[:KNOWS {since: 2020}]->(b)");
    TestServer.query(live, "sbx_social", "CREATE INDEX FOR (p:Person) ON (p.uid)");
  }

  /** What the sandbox holds besides the drill's graphs: a graph of the same prefix and a plain key. */
  private static String seedUnrelated() {
    TestServer.dropGraphs(sandbox, "sbx_");
    TestServer.query(sandbox, "sbx_unrelated", "CREATE (:Keep {v: 1})-[:TO]->(:Keep {v: 2})");
    sandbox.raw("SET", "sbx_plain", "untouched");
    return sandboxState();
  }

  private static String sandboxState() {
    List<String> graphs = sandbox.graphList().stream().filter(g -> g.startsWith("sbx_") || g.startsWith("__maintenance__:"))
        .sorted().toList();
    return "graphs " + graphs + "\nkeys " + new TreeSet<>(TestServer.keys(sandbox, "*").stream()
        .filter(k -> k.startsWith("sbx_") || k.startsWith("__maintenance__:") || k.startsWith("telemetry{sbx_"))
        .filter(k -> !k.equals("telemetry{sbx_unrelated}")) // FalkorDB's log of this test's queries on that graph
        .toList())
        + "\nplain " + FalkorConnection.text(sandbox.raw("GET", "sbx_plain")) + "\n" + Canonical.of(sandbox, "sbx_unrelated");
  }

  private static FalkorDbDatastore.Builder sandboxDatastore() {
    // The drill names the sandbox after the source datastore, whose manifest it restores.
    return FalkorDbDatastore.builder("graphs").uri(TestServer.targetUrl());
  }

  @ParameterizedTest
  @ValueSource(strings = {"physical", "logical"})
  void aBackupRestoredIntoTheSandboxEqualsTheSourceAndDiscardLeavesTheSandboxAsItWas(String format) throws Exception {
    seedLive();
    String before = seedUnrelated();
    DatastoreManifest manifest;
    DatastoreHarness backups;
    try (FalkorDbDatastore source = TestServer.datastore("graphs").include("sbx_*").format(format).build()) {
      backups = new DatastoreHarness(source);
      manifest = backups.backup();
    }
    assertThat(manifest.resources()).extracting(ResourceSummary::name).containsExactlyInAnyOrderElementsOf(GRAPHS);
    try (FalkorDbDatastore sb = sandboxDatastore().build()) {
      assertThat(sb.supportsDiscard()).isTrue();
      for (int drill = 1; drill <= 2; drill++) {
        // The same sandbox serves every drill: each finds it empty of the backup's graphs.
        DatastoreHarness h = new DatastoreHarness(sb, backups.storage());
        DatastorePlan plan = h.plan(manifest);
        assertThat(plan.resources()).extracting(ResourceDiff::change).containsOnly(ChangeKind.CREATE);
        RestoreOutcome outcome = h.restore(manifest, plan);
        assertThat(counts(outcome.resources())).isEqualTo(counts(manifest.resources()));
        for (String g : GRAPHS) {
          assertThat(Canonical.of(sandbox, g)).as(g).isEqualTo(Canonical.of(live, g)).doesNotContain("<absent>");
          assertThat(TestServer.render(sandbox, g)).as(g).isEqualTo(TestServer.render(live, g));
        }

        sb.discard(GRAPHS);
        assertThat(sandboxState()).as("drill " + drill).isEqualTo(before);
        sb.discard(GRAPHS); // absent graphs are skipped
        assertThat(sandboxState()).isEqualTo(before);
      }
    }
  }

  private static Map<String, Map<String, Long>> counts(List<ResourceSummary> resources) {
    return resources.stream().collect(Collectors.toMap(ResourceSummary::name, r -> new TreeMap<>(r.counts())));
  }

  @Test
  void discardRemovesOnlyTheNamedGraphsAndThisPluginsKeysForThem() throws Exception {
    String before = seedUnrelated();
    TestServer.query(sandbox, "sbx_social", "CREATE (:Person {uid: 1})");
    TestServer.query(sandbox, "__maintenance__:safety:r-1:sbx_social", "CREATE (:Person {uid: 0})");
    sandbox.raw("SET", "__maintenance__:staging:r-1:sbx_social", "payload");
    // Keys of ours for other graphs, and a graph whose name merely ends like one of ours.
    TestServer.query(sandbox, "__maintenance__:safety:r-1:sbx_socialite", "CREATE ()");
    TestServer.query(sandbox, "sbx_x:sbx_social", "CREATE ()");
    String others = sandboxState();

    try (FalkorDbDatastore sb = sandboxDatastore().build()) {
      sb.discard(Set.of("sbx_social", "sbx_absent"));
    }

    assertThat(sandbox.exists("sbx_social")).isFalse();
    assertThat(TestServer.keys(sandbox, "__maintenance__:*")).containsExactly("__maintenance__:safety:r-1:sbx_socialite");
    assertThat(sandbox.exists("sbx_x:sbx_social")).isTrue();
    assertThat(others).contains("sbx_x:sbx_social");
    sandbox.delete("__maintenance__:safety:r-1:sbx_socialite", "sbx_x:sbx_social");
    assertThat(sandboxState()).isEqualTo(before);
  }

  @Test
  void falkorDbResolvesAGraphByNameAcrossDatabasesSoARestoreIntoDatabaseOneWritesIntoDatabaseZero() {
    TestServer.dropGraphs(live, "sbx_");
    TestServer.query(live, "sbx_shared", "CREATE (:A {v: 1}), (:A {v: 2})");
    try (FalkorConnection db1 = TestServer.connect(TestServer.url(), 1)) {
      assertThat(db1.exists("sbx_shared")).isFalse();
      // DUMP in database 0, RESTORE under the same name in database 1 (which holds no such key).
      live.eval("sbx_shared", "copy", "local p = redis.call('DUMP', KEYS[1]) redis.call('SELECT', 1) "
          + "return redis.call('RESTORE', KEYS[1], '0', p)", List.of("sbx_shared"), List.of());
      assertThat(db1.exists("sbx_shared")).isTrue();
      // The payload was decoded into database 0's graph of that name: it doubled.
      long live0 = live.readOnly("sbx_shared", "MATCH (n) RETURN count(n)", Map.of()).singleLong();
      assertThat(live0).as("database 0 after a RESTORE into database 1").isEqualTo(4);
      // ... and both keys now hold that one graph.
      assertThat(db1.readOnly("sbx_shared", "MATCH (n) RETURN count(n)", Map.of()).singleLong()).isEqualTo(4);
      db1.delete("sbx_shared");
    } finally {
      live.delete("sbx_shared");
    }
  }

  @Test
  void aSandboxInAnotherDatabaseOfTheLiveServerIsRefusedAndNothingChanges() throws Exception {
    seedLive();
    Map<String, String> liveBefore = new TreeMap<>();
    GRAPHS.forEach(g -> liveBefore.put(g, Canonical.of(live, g)));
    DatastoreManifest manifest;
    DatastoreHarness h;
    try (FalkorDbDatastore source = TestServer.datastore("graphs").include("sbx_*").build()) {
      h = new DatastoreHarness(source);
      manifest = h.backup();
    }
    try (FalkorDbDatastore sb = FalkorDbDatastore.builder("graphs").uri(TestServer.url() + "/1").build();
        FalkorConnection db1 = TestServer.connect(TestServer.url(), 1)) {
      DatastoreHarness sh = new DatastoreHarness(sb, h.storage());
      assertThatThrownBy(() -> sh.plan(manifest)).isInstanceOfSatisfying(MaintenanceException.class, e -> {
        assertThat(e.code()).isEqualTo(ErrorCode.CONFIG_INVALID);
        assertThat(e.details()).containsEntry("reason", "GRAPH_NAME_SHARED_ACROSS_DATABASES").containsEntry("database", "1");
        assertThat(e.details().get("graphs").split(",")).containsExactlyInAnyOrderElementsOf(GRAPHS);
        assertThat(e.getMessage()).contains("separate FalkorDB server");
      });
      // A restore without a preview (the engine never does this) is refused the same way, before it touches anything.
      DatastorePlan forged = new DatastorePlan("graphs", FalkorDbDatastore.TYPE, List.of(), List.of());
      assertThatThrownBy(() -> sh.restore(manifest, forged)).isInstanceOfSatisfying(MaintenanceException.class,
          e -> assertThat(e.code()).isEqualTo(ErrorCode.CONFIG_INVALID));
      assertThatThrownBy(() -> sb.discard(GRAPHS)).isInstanceOfSatisfying(MaintenanceException.class,
          e -> assertThat(e.code()).isEqualTo(ErrorCode.CONFIG_INVALID));
      assertThat(TestServer.keys(db1, "*")).isEmpty();
      GRAPHS.forEach(g -> assertThat(Canonical.of(live, g)).isEqualTo(liveBefore.get(g)));
    }
  }
}
