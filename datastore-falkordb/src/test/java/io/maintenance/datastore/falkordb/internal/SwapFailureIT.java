package io.maintenance.datastore.falkordb.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.maintenance.api.DatastoreManifest;
import io.maintenance.api.DatastorePlan;
import io.maintenance.api.ErrorCode;
import io.maintenance.api.MaintenanceException;
import io.maintenance.api.ProbeResult;
import io.maintenance.datastore.falkordb.FalkorDbDatastore;
import io.maintenance.datastore.falkordb.Canonical;
import io.maintenance.datastore.falkordb.TestServer;
import io.maintenance.spi.BackupContext;
import io.maintenance.spi.Datastore;
import io.maintenance.spi.DatastoreBackup;
import io.maintenance.spi.Fingerprint;
import io.maintenance.spi.RestoreContext;
import io.maintenance.spi.RestoreOutcome;
import io.maintenance.tck.DatastoreHarness;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Failures after graphs were swapped in: every original must be put back, and nothing of ours left. */
class SwapFailureIT {
  private static FalkorConnection conn;

  @BeforeAll
  static void connect() {
    conn = TestServer.connect();
  }

  @AfterAll
  static void disconnect() {
    TestServer.dropGraphs(conn, "sw_");
    conn.close();
  }

  @BeforeEach
  void seed() {
    TestServer.dropGraphs(conn, "sw_");
    TestServer.query(conn, "sw_a", "UNWIND range(1, 20) AS i CREATE (:A {i: i})-[:E]->(:B {i: i})");
    TestServer.query(conn, "sw_a", "CREATE INDEX FOR (a:A) ON (a.i)");
    TestServer.query(conn, "sw_b", "CREATE (:X {v: 0.1})");
  }

  /** A datastore whose restore runs with test hooks. */
  private static Datastore withHooks(Server server, RestoreHooks hooks) {
    return new Datastore() {
      @Override
      public String id() {
        return "graphs";
      }

      @Override
      public String type() {
        return Server.TYPE;
      }

      @Override
      public ProbeResult probe() {
        return new Probe(server).probe();
      }

      @Override
      public Fingerprint fingerprint(Set<String> resources) {
        return new Fingerprints(server).fingerprint(resources);
      }

      @Override
      public DatastoreBackup backup(BackupContext context) throws IOException {
        return new Backup(server).backup(context);
      }

      @Override
      public DatastorePlan plan(RestoreContext context) throws IOException {
        return new Plan(server).plan(context);
      }

      @Override
      public RestoreOutcome restore(RestoreContext context) throws IOException {
        return new Restore(server).restore(context, hooks);
      }
    };
  }

  private static Server server(Settings.Format format) {
    URI u = URI.create(TestServer.url());
    return new Server("graphs", new Settings(u.getHost(), u.getPort(), false, 0, Optional.empty(), Optional.empty(),
        List.of("sw_*"), List.of(), 5, 5, Duration.ofSeconds(5), Duration.ofMinutes(5), Duration.ofMinutes(1), true, false,
        "__maintenance__:", Path.of(System.getProperty("java.io.tmpdir")), format, Long.MAX_VALUE, Settings.DumpSource.COPY));
  }

  @ParameterizedTest
  @EnumSource(Settings.Format.class)
  void failureAfterTheSecondSwapPutsEveryOriginalBack(Settings.Format format) throws Exception {
    AtomicInteger swaps = new AtomicInteger();
    DatastoreHarness harness = new DatastoreHarness(withHooks(server(format), new RestoreHooks() {
      @Override
      public void afterSwap(String graph) {
        if (swaps.incrementAndGet() == 2) {
          throw new IllegalStateException("injected failure after swapping " + graph);
        }
      }
    }));
    DatastoreManifest m = harness.backup();
    TestServer.query(conn, "sw_a", "MATCH (a:A {i: 1}) DETACH DELETE a");
    TestServer.query(conn, "sw_b", "CREATE (:Y)");
    String a = Canonical.of(conn, "sw_a");
    String b = Canonical.of(conn, "sw_b");
    DatastorePlan plan = harness.plan(m);

    assertThatThrownBy(() -> harness.restore(m, plan)).isInstanceOfSatisfying(MaintenanceException.class, e -> {
      assertThat(e.code()).isEqualTo(ErrorCode.DATASTORE_FAILURE);
      assertThat(e.getMessage()).contains("rolled back");
    });

    assertThat(swaps.get()).isEqualTo(2);
    assertThat(Canonical.of(conn, "sw_a")).isEqualTo(a);
    assertThat(Canonical.of(conn, "sw_b")).isEqualTo(b);
    assertThat(conn.graphList()).noneMatch(g -> g.startsWith("__maintenance__:"));
    assertThat(TestServer.keys(conn, "__maintenance__:*")).isEmpty();
    // The graphs that were put back take writes under their names.
    TestServer.query(conn, "sw_a", "CREATE (:AfterPutBack)");
    assertThat(TestServer.query(conn, "sw_a", "MATCH (n:AfterPutBack) RETURN count(n)").singleLong()).isEqualTo(1);
  }

  @ParameterizedTest
  @EnumSource(Settings.Format.class)
  void failedRestoreOfAGraphThatDidNotExistLeavesItAbsent(Settings.Format format) throws Exception {
    DatastoreHarness harness = new DatastoreHarness(withHooks(server(format), new RestoreHooks() {
      @Override
      public void afterSwap(String graph) {
        throw new IllegalStateException("injected");
      }
    }));
    DatastoreManifest m = harness.backup();
    conn.delete("sw_a");
    DatastorePlan plan = harness.plan(m);

    assertThatThrownBy(() -> harness.restore(m, plan)).isInstanceOf(MaintenanceException.class);

    assertThat(conn.exists("sw_a")).isFalse();
    assertThat(conn.graphList()).noneMatch(g -> g.startsWith("__maintenance__:"));
    assertThat(TestServer.keys(conn, "__maintenance__:*")).isEmpty();
  }

  @ParameterizedTest
  @EnumSource(Settings.Format.class)
  void keepSafetyCopyLeavesTheReplacedGraphUnderAReservedName(Settings.Format format) throws Exception {
    try (FalkorDbDatastore ds = TestServer.datastore("graphs").include("sw_*").keepSafetyCopy(true).format(format.name()).build()) {
      DatastoreHarness harness = new DatastoreHarness(ds);
      DatastoreManifest m = harness.backup();
      TestServer.query(conn, "sw_b", "CREATE (:Changed)");
      String changed = Canonical.of(conn, "sw_b");
      harness.restore(m, harness.plan(m));
      List<String> safety = conn.graphList().stream().filter(g -> g.startsWith("__maintenance__:safety:") && g.endsWith(":sw_b")).toList();
      assertThat(safety).hasSize(1);
      assertThat(Canonical.of(conn, safety.get(0))).isEqualTo(changed);
    }
  }
}
