package io.maintenance.examples.spring;

import static org.assertj.core.api.Assertions.assertThat;

import com.jayway.jsonpath.JsonPath;
import java.sql.Connection;
import java.sql.ResultSet;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.resttestclient.autoconfigure.AutoConfigureRestTestClient;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.servlet.client.RestTestClient;

/**
 * The example application started on an embedded PostgreSQL, driven over real HTTP as an operator would:
 * backup, an accident, preview, approval by a second person, confirm; health, meters, and refusals with
 * their stable codes.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@AutoConfigureRestTestClient
class ShopApplicationIT {
  @Autowired
  RestTestClient http;

  @DynamicPropertySource
  static void database(DynamicPropertyRegistry registry) {
    DemoPostgres.start().forEach((k, v) -> registry.add(k, () -> v));
  }

  @Test
  void backupAccidentPreviewApproveConfirmOverHttp() throws Exception {
    String before = ordersDigest();

    String backup = call("alice", "POST", "/maintenance/backups?wait=true", "{\"labels\":{\"reason\":\"before release\"}}", HttpStatus.CREATED);
    String backupId = JsonPath.read(backup, "$.id");
    assertThat((String) JsonPath.read(backup, "$.status")).isEqualTo("SUCCEEDED");
    assertThat((String) JsonPath.read(backup, "$.requestedBy")).isEqualTo("alice");

    DemoPostgres.sql("shop", "DELETE FROM orders WHERE id > 200");
    assertThat(ordersDigest()).isNotEqualTo(before);

    String preview = call("alice", "POST", "/maintenance/restores/preview", "{\"backupId\":\"" + backupId + "\"}", HttpStatus.CREATED);
    String requestId = JsonPath.read(preview, "$.requestId");
    String token = JsonPath.read(preview, "$.token");
    List<Map<String, Object>> orders = JsonPath.read(preview,
        "$.plan.datastores[0].resources[?(@.name == 'public.orders')].counts[0]");
    assertThat(orders).singleElement().satisfies(c -> {
      assertThat(((Number) c.get("before")).longValue()).isEqualTo(200);
      assertThat(((Number) c.get("after")).longValue()).isEqualTo(500);
    });

    // Neither the operator nor a viewer holds the approve scope, and confirm waits for an approval.
    String refused = call("alice", "POST", "/maintenance/restores/" + requestId + "/approvals", "{}", HttpStatus.FORBIDDEN);
    problem(refused, "FORBIDDEN");
    assertThat((String) JsonPath.read(refused, "$.details.requiredScope")).isEqualTo("maintenance:restore:approve");
    problem(call("carol", "POST", "/maintenance/restores/" + requestId + "/approvals", "{}", HttpStatus.FORBIDDEN), "FORBIDDEN");
    problem(call("alice", "POST", "/maintenance/restores/confirm", "{\"token\":\"" + token + "\"}", HttpStatus.PRECONDITION_REQUIRED),
        "APPROVAL_REQUIRED");

    String approved = call("bob", "POST", "/maintenance/restores/" + requestId + "/approvals", "{\"comment\":\"diff looks right\"}",
        HttpStatus.OK);
    assertThat((String) JsonPath.read(approved, "$.approvals[0].approver")).isEqualTo("bob");

    String applied = call("alice", "POST", "/maintenance/restores/confirm?wait=true", "{\"token\":\"" + token + "\"}", HttpStatus.OK);
    assertThat((String) JsonPath.read(applied, "$.status")).isEqualTo("APPLIED");
    // PostgreSQL's own rendering of every row is back to what it was before the accident.
    assertThat(ordersDigest()).isEqualTo(before);
    // A used token is refused with its code.
    problem(call("alice", "POST", "/maintenance/restores/confirm", "{\"token\":\"" + token + "\"}", HttpStatus.CONFLICT),
        "TOKEN_CONSUMED");

    // Health: the maintenance indicator with the probe codes, in the overall health and in its own group.
    String health = call(null, "GET", "/actuator/health", null, HttpStatus.OK);
    assertThat((String) JsonPath.read(health, "$.components.maintenance.status")).isEqualTo("UP");
    assertThat((String) JsonPath.read(health, "$.components.maintenance.details['datastore:shop'].code")).isEqualTo("OK");
    assertThat((String) JsonPath.read(health, "$.components.maintenance.details.catalog.code")).isEqualTo("OK");
    String group = call(null, "GET", "/actuator/health/maintenance-readiness", null, HttpStatus.OK);
    assertThat((String) JsonPath.read(group, "$.status")).isEqualTo("UP");

    // Meters: in the application's registry, under the engine's names.
    String prometheus = call(null, "GET", "/actuator/prometheus", null, HttpStatus.OK);
    assertThat(prometheus)
        .containsPattern("(?m)^maintenance_backup_total\\{.*status=\"SUCCEEDED\".*} 1\\.0$")
        .containsPattern("(?m)^maintenance_restore_total\\{.*mode=\"apply\".*status=\"SUCCEEDED\".*} 1\\.0$")
        .containsPattern("(?m)^maintenance_restore_approvals_total\\{.*status=\"accepted\".*} 1\\.0$")
        .containsPattern("(?m)^maintenance_ready\\{.*component=\"datastore:shop\".*} 1\\.0$")
        .containsPattern("(?m)^maintenance_last_successful_backup_timestamp_seconds\\{.*datastore=\"shop\".*} 1\\.[0-9]+E9$");
    String meter = call("carol", "GET", "/actuator/metrics/maintenance.backup?tag=status:SUCCEEDED", null, HttpStatus.OK);
    assertThat(((Number) JsonPath.read(meter, "$.measurements[0].value")).doubleValue()).isEqualTo(1.0);
  }

  @Test
  void refusedScopesAndMissingCredentials() {
    String refused = call("carol", "POST", "/maintenance/backups", "{}", HttpStatus.FORBIDDEN);
    problem(refused, "FORBIDDEN");
    assertThat((String) JsonPath.read(refused, "$.details.requiredScope")).isEqualTo("maintenance:backup");
    problem(call("bob", "POST", "/maintenance/tasks", "{\"type\":\"RETENTION\",\"dryRun\":true}", HttpStatus.FORBIDDEN), "FORBIDDEN");
    assertThat(http.get().uri("/maintenance/backups").exchange().returnResult().getStatus()).isEqualTo(HttpStatus.UNAUTHORIZED);
    String list = call("carol", "GET", "/maintenance/backups?limit=5", null, HttpStatus.OK);
    assertThat((List<?>) JsonPath.read(list, "$.items")).hasSizeLessThanOrEqualTo(5);
  }

  private String call(String user, String method, String path, String body, HttpStatus expected) {
    RestTestClient.RequestBodySpec spec = http.method(org.springframework.http.HttpMethod.valueOf(method)).uri(path);
    if (user != null) {
      spec.headers(h -> h.setBasicAuth(user, user + "-pw"));
    }
    var response = body == null ? spec.exchange() : spec.contentType(MediaType.APPLICATION_JSON).body(body).exchange();
    var result = response.expectBody(String.class).returnResult();
    assertThat(result.getStatus()).as(method + " " + path + " as " + user + ": " + result.getResponseBody()).isEqualTo(expected);
    return result.getResponseBody();
  }

  private static void problem(String body, String code) {
    assertThat((String) JsonPath.read(body, "$.code")).isEqualTo(code);
  }

  private static String ordersDigest() throws Exception {
    try (Connection c = java.sql.DriverManager.getConnection(
            DemoPostgres.start().get("maintenance.datastores.shop.url").toString(), "postgres", "");
        ResultSet rs = c.createStatement().executeQuery("SELECT count(*) || ':' || md5(string_agg(o::text, ',' ORDER BY id)) FROM orders o")) {
      rs.next();
      return rs.getString(1);
    }
  }
}
