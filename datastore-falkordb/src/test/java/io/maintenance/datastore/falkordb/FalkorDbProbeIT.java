package io.maintenance.datastore.falkordb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.maintenance.api.ErrorCode;
import io.maintenance.api.MaintenanceException;
import io.maintenance.api.ProbeResult;
import io.maintenance.api.ProbeStatus;
import io.maintenance.spi.PluginConfig;
import java.net.ServerSocket;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Readiness codes against real servers: FalkorDB, FalkorDB with an ACL user, plain Redis, nothing. */
class FalkorDbProbeIT {

  @Test
  void reportsUpWithTheServerVersion() throws Exception {
    try (FalkorDbDatastore ds = TestServer.datastore("graphs").build()) {
      ProbeResult p = ds.probe();
      assertThat(p.status()).isEqualTo(ProbeStatus.UP);
      assertThat(p.code()).isEqualTo("OK");
      assertThat(p.attributes().get("version")).matches("\\d+\\.\\d+\\.\\d+");
      assertThat(p.attributes()).containsKeys("redisVersion", "graphs");
    }
  }

  @Test
  void aclUserWithTheRightPasswordIsUp() throws Exception {
    PluginConfig config = PluginConfig.of("datastore falkordb", Map.of("uri", TestServer.url(),
        "user", TestServer.env("MAINTENANCE_IT_FALKORDB_USER"), "password", TestServer.env("MAINTENANCE_IT_FALKORDB_PASSWORD")));
    try (var ds = new FalkorDbDatastoreFactory().create("graphs", config)) {
      assertThat(ds.probe().status()).isEqualTo(ProbeStatus.UP);
    }
  }

  @Test
  void wrongPasswordIsAuthFailedAndNeverShown() throws Exception {
    try (FalkorDbDatastore ds = TestServer.datastore("graphs").user(TestServer.env("MAINTENANCE_IT_FALKORDB_USER"))
        .password("not-the-password-123").build()) {
      ProbeResult p = ds.probe();
      assertThat(p.status()).isEqualTo(ProbeStatus.DOWN);
      assertThat(p.code()).isEqualTo(FalkorDbDatastore.AUTH_FAILED);
      assertThat(p.detail()).doesNotContain("not-the-password-123");
      assertThat(ds.toString()).doesNotContain("not-the-password-123");
      assertThatThrownBy(() -> ds.fingerprint(Set.of())).isInstanceOfSatisfying(MaintenanceException.class, e -> {
        assertThat(e.code()).isEqualTo(ErrorCode.DATASTORE_FAILURE);
        assertThat(e.getMessage()).contains("authentication").doesNotContain("not-the-password-123");
      });
    }
  }

  @Test
  void plainRedisWithoutTheGraphModuleIsModuleMissing() throws Exception {
    try (FalkorDbDatastore ds = FalkorDbDatastore.builder("graphs").uri(TestServer.env("MAINTENANCE_IT_REDIS_PLAIN_URL")).build()) {
      ProbeResult p = ds.probe();
      assertThat(p.status()).isEqualTo(ProbeStatus.DOWN);
      assertThat(p.code()).isEqualTo(FalkorDbDatastore.MODULE_MISSING);
      assertThat(p.detail()).contains("module");
    }
  }

  @Test
  void nothingListeningIsUnreachable() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    try (FalkorDbDatastore ds = FalkorDbDatastore.builder("graphs").host("127.0.0.1").port(port).build()) {
      ProbeResult p = ds.probe();
      assertThat(p.status()).isEqualTo(ProbeStatus.DOWN);
      assertThat(p.code()).isEqualTo(FalkorDbDatastore.UNREACHABLE);
      assertThat(p.detail()).contains("127.0.0.1:" + port);
      assertThatThrownBy(() -> ds.fingerprint(Set.of())).isInstanceOfSatisfying(MaintenanceException.class,
          e -> assertThat(e.code()).isEqualTo(ErrorCode.DEPENDENCY_UNAVAILABLE));
    }
  }
}
