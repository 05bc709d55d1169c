package io.maintenance.core;

import static io.maintenance.core.testing.EngineFixture.ADMIN;
import static io.maintenance.core.testing.EngineFixture.ALICE;
import static io.maintenance.core.testing.EngineFixture.BOB;
import static io.maintenance.core.testing.EngineFixture.READER;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.maintenance.api.Principal;
import io.maintenance.api.RestorePolicy;
import io.maintenance.core.http.AdminRequest;
import io.maintenance.core.http.AdminResponse;
import io.maintenance.core.http.AdminRoutes;
import io.maintenance.core.internal.Json;
import io.maintenance.core.testing.EngineFixture;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class AdminRoutesIT {
  private final EngineFixture f = new EngineFixture(b -> b.restorePolicy(new RestorePolicy(1, Duration.ofMinutes(15), false)));
  private final AdminRoutes routes = new AdminRoutes(f.engine);

  @AfterEach
  void close() {
    f.close();
  }

  private AdminResponse call(String method, String path, String body, Principal who) {
    return call(method, path, Map.of(), body, who);
  }

  private AdminResponse call(String method, String path, Map<String, String> query, String body, Principal who) {
    return routes.handle(new AdminRequest(method, path, query, body, who));
  }

  private static JsonNode json(AdminResponse r) throws Exception {
    return Json.MAPPER.readTree(r.body());
  }

  @Test
  void fullRestoreFlowOverHttp() throws Exception {
    AdminResponse created = call("POST", "/maintenance/backups", Map.of("wait", "true"), "{\"labels\":{\"reason\":\"test\"}}", ALICE);
    assertThat(created.status()).isEqualTo(201);
    String backupId = json(created).get("id").asText();
    assertThat(json(call("GET", "/maintenance/backups/" + backupId, "", READER)).get("status").asText()).isEqualTo("SUCCEEDED");
    assertThat(json(call("GET", "/maintenance/backups", Map.of("limit", "5"), "", READER)).get("items")).hasSize(1);
    assertThat(json(call("GET", "/maintenance/backups/" + backupId + "/manifest", "", READER)).get("datastores")).hasSize(1);

    AdminResponse preview = call("POST", "/maintenance/restores/preview", "{\"backupId\":\"" + backupId + "\"}", ALICE);
    assertThat(preview.status()).isEqualTo(201);
    String requestId = json(preview).get("requestId").asText();
    String token = json(preview).get("token").asText();

    AdminResponse early = call("POST", "/maintenance/restores/confirm", "{\"token\":\"" + token + "\"}", ALICE);
    assertThat(early.status()).isEqualTo(428);
    assertThat(early.contentType()).isEqualTo("application/problem+json");
    assertThat(json(early).get("code").asText()).isEqualTo("APPROVAL_REQUIRED");

    assertThat(call("POST", "/maintenance/restores/" + requestId + "/approvals", "{\"comment\":\"ok\"}", BOB).status()).isEqualTo(200);
    AdminResponse applied = call("POST", "/maintenance/restores/confirm", Map.of("wait", "true"), "{\"token\":\"" + token + "\"}", ALICE);
    assertThat(applied.status()).isEqualTo(200);
    assertThat(json(applied).get("status").asText()).isEqualTo("APPLIED");
    assertThat(json(call("GET", "/maintenance/restores/" + requestId, "", READER)).get("status").asText()).isEqualTo("APPLIED");

    assertThat(call("DELETE", "/maintenance/backups/" + backupId, "", ADMIN).status()).isEqualTo(204);
    assertThat(call("GET", "/maintenance/backups/" + backupId, "", READER).status()).isEqualTo(404);
  }

  @Test
  void everyRouteChecksItsScope() throws Exception {
    Principal nobody = Principal.of("nobody");
    List<String[]> routesToTry = List.of(
        new String[] {"POST", "/maintenance/backups", "{}"},
        new String[] {"GET", "/maintenance/backups", ""},
        new String[] {"GET", "/maintenance/backups/bk-x", ""},
        new String[] {"GET", "/maintenance/backups/bk-x/manifest", ""},
        new String[] {"DELETE", "/maintenance/backups/bk-x", ""},
        new String[] {"POST", "/maintenance/restores/preview", "{\"backupId\":\"bk-x\"}"},
        new String[] {"POST", "/maintenance/restores/rr-x/approvals", "{}"},
        new String[] {"POST", "/maintenance/restores/confirm", "{\"token\":\"mrt_x\"}"},
        new String[] {"GET", "/maintenance/restores/rr-x", ""},
        new String[] {"POST", "/maintenance/tasks", "{\"type\":\"VERIFY\"}"},
        new String[] {"GET", "/maintenance/readiness", ""},
        new String[] {"GET", "/maintenance/metrics", ""},
        new String[] {"GET", "/maintenance/metrics/prometheus", ""},
        new String[] {"GET", "/maintenance/audit", ""},
        new String[] {"GET", "/maintenance/audit/verify", ""},
        new String[] {"GET", "/maintenance/operations", ""},
        new String[] {"GET", "/maintenance/operations/op-x", ""},
        new String[] {"POST", "/maintenance/operations/op-x/cancel", ""},
        new String[] {"GET", "/maintenance/tasks/tk-x", ""},
        new String[] {"GET", "/maintenance/schedules", ""});
    for (String[] r : routesToTry) {
      AdminResponse resp = call(r[0], r[1], r[2], nobody);
      assertThat(resp.status()).as(r[0] + " " + r[1]).isEqualTo(403);
      assertThat(json(resp).get("code").asText()).isEqualTo("FORBIDDEN");
    }
    assertThat(f.count("maintenance_backups", "")).isZero();
  }

  @Test
  void badRequestsGetProblemDetails() throws Exception {
    AdminResponse badJson = call("POST", "/maintenance/backups", "{not json", ALICE);
    assertThat(badJson.status()).isEqualTo(400);
    assertThat(json(badJson).get("code").asText()).isEqualTo("INVALID_REQUEST");
    assertThat(json(badJson).get("type").asText()).isEqualTo("urn:maintenance:error:INVALID_REQUEST");

    assertThat(json(call("POST", "/maintenance/backups", "{\"type\":\"SOMETIMES\"}", ALICE)).get("detail").asText())
        .contains("FULL, INCREMENTAL");
    assertThat(call("GET", "/maintenance/nothing-here", "", READER).status()).isEqualTo(404);
    AdminResponse put = call("PUT", "/maintenance/backups", "", ALICE);
    assertThat(put.status()).isEqualTo(405);
    assertThat(put.headers()).containsEntry("Allow", "GET, POST");
    assertThat(call("POST", "/maintenance/restores/preview", "{}", ALICE).status()).isEqualTo(400);
    assertThat(call("GET", "/maintenance/backups", Map.of("limit", "lots"), "", READER).status()).isEqualTo(400);
    AdminResponse busy = AdminRoutes.problem(new io.maintenance.api.MaintenanceException(
        io.maintenance.api.ErrorCode.OPERATION_IN_PROGRESS, "busy"));
    assertThat(busy.headers()).containsEntry("Retry-After", "30");
  }

  @Test
  void readinessAndMetricsEndpoints() throws Exception {
    AdminResponse ready = call("GET", "/maintenance/readiness", "", READER);
    assertThat(ready.status()).isEqualTo(200);
    assertThat(json(ready).get("status").asText()).isEqualTo("UP");
    f.orders.setDown(true);
    assertThat(call("GET", "/maintenance/readiness", "", READER).status()).isEqualTo(503);

    AdminResponse prom = call("GET", "/maintenance/metrics/prometheus", "", READER);
    assertThat(prom.contentType()).startsWith("text/plain; version=0.0.4");
    assertThat(prom.body()).contains("maintenance_metrics_age_seconds");
    assertThat(json(call("GET", "/maintenance/metrics", "", READER)).has("backupsByStatus")).isTrue();
    assertThat(json(call("GET", "/maintenance/audit/verify", "", READER)).get("intact").asBoolean()).isTrue();
  }
}
