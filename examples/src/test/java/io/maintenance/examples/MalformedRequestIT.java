package io.maintenance.examples;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.maintenance.api.BackupRecord;
import io.maintenance.api.BackupRequest;
import io.maintenance.api.Principal;
import io.maintenance.api.RestorePreview;
import io.maintenance.api.RestoreRequest;
import io.maintenance.api.Scope;
import io.maintenance.core.MaintenanceEngine;
import io.maintenance.core.http.AdminRoutes;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Malformed and unauthorised requests over real HTTP (the JDK server of {@link AdminServer}, the real
 * PostgreSQL datastore and local storage): each one gets its status and stable code, and nothing changes
 * in the catalog or in storage. Refusals of authenticated callers are audited; requests without valid
 * credentials are only counted.
 */
class MalformedRequestIT {
  private static final Principal ALICE = Principal.of("alice", Scope.READ, Scope.BACKUP, Scope.RESTORE_PREVIEW, Scope.RESTORE_APPLY);
  private static final Principal BOB = Principal.of("bob", Scope.READ, Scope.RESTORE_APPROVE);
  private static final Principal READER = Principal.of("reader", Scope.READ);
  private static final Principal OPS = Principal.system("ops");
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String[] TABLES = {"maintenance_backups", "maintenance_restore_requests", "maintenance_restore_approvals",
      "maintenance_tasks", "maintenance_upload_sessions", "maintenance_operations"};

  @TempDir
  static Path storageDir;

  private static EmbeddedPostgres pg;
  private static DataSource catalog;
  private static MaintenanceEngine engine;
  private static AdminServer server;
  private static HttpClient http;
  private static String base;
  private static String backupId;
  private static String requestId;
  private static int unauthenticated;

  @BeforeAll
  static void start() throws Exception {
    pg = ShopServer.start();
    catalog = pg.getDatabase("postgres", "catalog");
    engine = MaintenanceEngine.builder()
        .dataSource(catalog)
        .configure(Map.of("storage.type", "local", "storage.path", storageDir.toString(),
            "datastores.shop.type", "postgres", "datastores.shop.url", pg.getJdbcUrl("postgres", "shop"),
            "datastores.shop.user", "postgres", "restore.approvals-required", "1"))
        .build();
    BackupRecord b = engine.backup(BackupRequest.all(), ALICE);
    backupId = b.id();
    RestorePreview p = engine.previewRestore(RestoreRequest.of(backupId), ALICE);
    requestId = p.requestId();
    Map<String, Principal> tokens = Map.of("alice-token", ALICE, "bob-token", BOB, "reader-token", READER, "ops-token", OPS);
    server = AdminServer.start(new AdminRoutes(engine), new InetSocketAddress("127.0.0.1", 0), t -> Optional.ofNullable(tokens.get(t)));
    http = HttpClient.newHttpClient();
    base = "http://127.0.0.1:" + server.port() + "/maintenance";
  }

  @AfterAll
  static void stop() throws Exception {
    server.close();
    engine.close();
    pg.close();
  }

  /** One malformed request and what it must get. {@code auth} is the whole Authorization header, or null for none. */
  record Case(String name, String method, String path, String auth, byte[] body, int status, String code, String pointer) {
    Case(String name, String method, String path, String auth, String body, int status, String code) {
      this(name, method, path, auth, body.getBytes(StandardCharsets.UTF_8), status, code, null);
    }

    Case at(String jsonPointer) {
      return new Case(name, method, path, auth, body, status, code, jsonPointer);
    }

    @Override
    public String toString() {
      return name;
    }
  }

  private static final String A = "Bearer alice-token";
  private static final String B = "Bearer bob-token";
  private static final String R = "Bearer reader-token";
  private static final String O = "Bearer ops-token";

  static Stream<Case> cases() {
    String big = "{\"labels\":{\"x\":\"" + "a".repeat(AdminRoutes.MAX_BODY_BYTES) + "\"}}";
    List<Case> c = new ArrayList<>();
    // credentials: 401 with a challenge, before anything else, never audited
    c.add(new Case("no credentials", "POST", "/backups", null, "{}", 401, "UNAUTHENTICATED"));
    c.add(new Case("unknown token", "POST", "/backups", "Bearer nope", "{}", 401, "UNAUTHENTICATED"));
    c.add(new Case("basic auth", "POST", "/backups", "Basic YWxpY2U6eA==", "{}", 401, "UNAUTHENTICATED"));
    c.add(new Case("empty bearer", "GET", "/backups", "Bearer ", "", 401, "UNAUTHENTICATED"));
    c.add(new Case("anonymous malformed body", "POST", "/backups", null, "{not json", 401, "UNAUTHENTICATED"));
    c.add(new Case("anonymous oversized body", "POST", "/backups", null, big, 401, "UNAUTHENTICATED"));
    // scope: 403 before the body is read
    c.add(new Case("reader with a malformed backup body", "POST", "/backups", R, "{not json", 403, "FORBIDDEN"));
    c.add(new Case("alice deletes a backup", "DELETE", "/backups/" + backupId, A, "", 403, "FORBIDDEN"));
    c.add(new Case("bob confirms with garbage", "POST", "/restores/confirm", B, "garbage", 403, "FORBIDDEN"));
    c.add(new Case("alice runs a task", "POST", "/tasks", A, "{\"type\":\"ORPHAN_SWEEP\"}", 403, "FORBIDDEN"));
    c.add(new Case("reader with an oversized body", "POST", "/backups", R, big, 403, "FORBIDDEN"));
    // routes and methods
    c.add(new Case("PUT on backups", "PUT", "/backups", A, "{}", 405, "METHOD_NOT_ALLOWED"));
    c.add(new Case("PATCH on a backup", "PATCH", "/backups/" + backupId, O, "{}", 405, "METHOD_NOT_ALLOWED"));
    c.add(new Case("GET on confirm", "GET", "/restores/confirm", A, "", 405, "METHOD_NOT_ALLOWED"));
    c.add(new Case("DELETE on tasks", "DELETE", "/tasks", O, "", 405, "METHOD_NOT_ALLOWED"));
    c.add(new Case("POST on readiness", "POST", "/readiness", R, "", 405, "METHOD_NOT_ALLOWED"));
    c.add(new Case("no such route", "GET", "/nope", R, "", 404, "NOT_FOUND"));
    c.add(new Case("empty path segment", "GET", "//backups", R, "", 404, "NOT_FOUND"));
    // size
    c.add(new Case("body one byte over the limit", "POST", "/backups", A,
        "{\"labels\":{\"x\":\"" + "a".repeat(AdminRoutes.MAX_BODY_BYTES - 18) + "\"}}", 413, "PAYLOAD_TOO_LARGE"));
    c.add(new Case("body of 2 MiB", "POST", "/backups", A, big + big, 413, "PAYLOAD_TOO_LARGE"));
    // strict bodies
    c.add(new Case("misspelled field", "POST", "/backups", A, "{\"datastore\":[\"shop\"]}", 400, "INVALID_REQUEST").at("/datastore"));
    c.add(new Case("duplicate key", "POST", "/backups", A, "{\"type\":\"FULL\",\"type\":\"INCREMENTAL\"}", 400, "INVALID_REQUEST")
        .at("/type"));
    c.add(new Case("duplicate task type", "POST", "/tasks", O, "{\"type\":\"VERIFY\",\"type\":\"ORPHAN_SWEEP\"}", 400,
        "INVALID_REQUEST").at("/type"));
    c.add(new Case("second JSON value after the object", "POST", "/backups", A, "{} {\"type\":\"FULL\"}", 400, "INVALID_REQUEST"));
    c.add(new Case("text after the object", "POST", "/backups", A, "{}garbage", 400, "INVALID_REQUEST"));
    c.add(new Case("null in a list", "POST", "/backups", A, "{\"datastores\":[null]}", 400, "INVALID_REQUEST").at("/datastores/0"));
    c.add(new Case("null list", "POST", "/backups", A, "{\"datastores\":null}", 400, "INVALID_REQUEST").at("/datastores"));
    c.add(new Case("null label value", "POST", "/backups", A, "{\"labels\":{\"a\":null}}", 400, "INVALID_REQUEST").at("/labels/a"));
    c.add(new Case("NUL in a label", "POST", "/backups", A, "{\"labels\":{\"reason\":\"a\\u0000b\"}}", 400, "INVALID_REQUEST")
        .at("/labels/reason"));
    c.add(new Case("control character in a label key", "POST", "/backups", A, "{\"labels\":{\"re\\u0001ason\":\"x\"}}", 400,
        "INVALID_REQUEST").at("/labels"));
    c.add(new Case("string for a boolean", "POST", "/backups", A, "{\"pinned\":\"yes\"}", 400, "INVALID_REQUEST").at("/pinned"));
    c.add(new Case("string for a list", "POST", "/backups", A, "{\"datastores\":\"shop\"}", 400, "INVALID_REQUEST").at("/datastores"));
    c.add(new Case("number for a name", "POST", "/backups", A, "{\"datastores\":[1]}", 400, "INVALID_REQUEST").at("/datastores/0"));
    c.add(new Case("unknown backup type", "POST", "/backups", A, "{\"type\":\"SOMETIMES\"}", 400, "INVALID_REQUEST").at("/type"));
    c.add(new Case("array body", "POST", "/backups", A, "[]", 400, "INVALID_REQUEST"));
    c.add(new Case("null body", "POST", "/backups", A, "null", 400, "INVALID_REQUEST"));
    c.add(new Case("unknown datastore", "POST", "/backups", A, "{\"datastores\":[\"nope\"]}", 400, "INVALID_REQUEST").at("/datastores"));
    c.add(new Case("repeated datastore", "POST", "/backups", A, "{\"datastores\":[\"shop\",\"shop\"]}", 400, "INVALID_REQUEST")
        .at("/datastores/1"));
    c.add(new Case("invalid UTF-8", "POST", "/backups", A, new byte[] {'{', '"', 'a', '"', ':', '"', (byte) 0xC3, (byte) 0x28, '"', '}'},
        400, "INVALID_REQUEST", null));
    c.add(new Case("preview without a backup id", "POST", "/restores/preview", A, "{}", 400, "INVALID_REQUEST").at("/backupId"));
    c.add(new Case("NUL in a backup id", "POST", "/restores/preview", A, "{\"backupId\":\"bk-1\\u0000\"}", 400, "INVALID_REQUEST")
        .at("/backupId"));
    c.add(new Case("number as an option value", "POST", "/restores/preview", A, "{\"backupId\":\"" + backupId
        + "\",\"options\":{\"k\":1}}", 400, "INVALID_REQUEST").at("/options/k"));
    c.add(new Case("empty token", "POST", "/restores/confirm", A, "{\"token\":\"\"}", 400, "INVALID_REQUEST").at("/token"));
    c.add(new Case("numeric token", "POST", "/restores/confirm", A, "{\"token\":123}", 400, "INVALID_REQUEST").at("/token"));
    c.add(new Case("extra field next to the token", "POST", "/restores/confirm", A, "{\"token\":\"mrt_x\",\"extra\":1}", 400,
        "INVALID_REQUEST").at("/extra"));
    c.add(new Case("duplicate comment", "POST", "/restores/" + requestId + "/approvals", B,
        "{\"comment\":\"ok\",\"comment\":\"again\"}", 400, "INVALID_REQUEST").at("/comment"));
    c.add(new Case("bell in a comment", "POST", "/restores/" + requestId + "/approvals", B, "{\"comment\":\"a\\u0007b\"}", 400,
        "INVALID_REQUEST").at("/comment"));
    c.add(new Case("backup ids for retention", "POST", "/tasks", O, "{\"type\":\"RETENTION\",\"backupIds\":[\"" + backupId + "\"]}",
        400, "INVALID_REQUEST").at("/backupIds"));
    c.add(new Case("string for dryRun", "POST", "/tasks", O, "{\"type\":\"VERIFY\",\"dryRun\":\"true\"}", 400, "INVALID_REQUEST")
        .at("/dryRun"));
    c.add(new Case("null among backup ids", "POST", "/tasks", O, "{\"type\":\"VERIFY\",\"backupIds\":[\"" + backupId + "\",null]}",
        400, "INVALID_REQUEST").at("/backupIds/1"));
    // query strings and path ids
    c.add(new Case("limit not a number", "GET", "/backups?limit=lots", R, "", 400, "INVALID_REQUEST").at("?limit"));
    c.add(new Case("limit zero", "GET", "/backups?limit=0", R, "", 400, "INVALID_REQUEST"));
    c.add(new Case("repeated query parameter", "GET", "/backups?limit=5&limit=6", R, "", 400, "INVALID_REQUEST").at("?limit"));
    c.add(new Case("unknown query parameter", "GET", "/backups?statuz=FAILED", R, "", 400, "INVALID_REQUEST").at("?statuz"));
    c.add(new Case("forged cursor", "GET", "/backups?cursor=OTIyMzM3MjAzNjg1NDc3NXxiay14", R, "", 400, "INVALID_REQUEST")
        .at("/cursor"));
    c.add(new Case("query parameter without a name", "GET", "/backups?=1", R, "", 400, "INVALID_REQUEST"));
    c.add(new Case("control character in a query value", "GET", "/backups?status=%07", R, "", 400, "INVALID_REQUEST")
        .at("?status"));
    c.add(new Case("NUL in a path id", "GET", "/backups/bk-%00x", R, "", 400, "INVALID_REQUEST").at("/path/id"));
    c.add(new Case("body on a GET", "GET", "/backups", R, "{}", 400, "INVALID_REQUEST"));
    c.add(new Case("audit before not a number", "GET", "/audit?before=abc", R, "", 400, "INVALID_REQUEST").at("?before"));
    c.add(new Case("query on a route without parameters", "GET", "/readiness?verbose=1", R, "", 400, "INVALID_REQUEST"));
    return c.stream();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void isRefusedWithItsCodeAndChangesNothing(Case c) throws Exception {
    Map<String, Long> before = counts();
    long auditBefore = count("maintenance_audit_log");
    List<String> filesBefore = files();

    HttpRequest.Builder req = HttpRequest.newBuilder(URI.create(base + c.path()))
        .method(c.method(), c.body().length == 0 ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(c.body()));
    if (c.auth() != null) {
      req.header("Authorization", c.auth());
    }
    HttpResponse<String> r = http.send(req.build(), HttpResponse.BodyHandlers.ofString());

    assertThat(r.statusCode()).as(r.body()).isEqualTo(c.status());
    assertThat(r.headers().firstValue("Content-Type")).contains("application/problem+json");
    JsonNode problem = JSON.readTree(r.body());
    assertThat(problem.get("code").asText()).isEqualTo(c.code());
    if (c.pointer() != null) {
      assertThat(problem.at("/details/pointer").asText()).as(r.body()).isEqualTo(c.pointer());
    }
    if (c.status() == 401) {
      assertThat(r.headers().firstValue("WWW-Authenticate")).contains(AdminRoutes.CHALLENGE);
      unauthenticated++;
    }
    if (c.status() == 405) {
      assertThat(r.headers().firstValue("Allow")).isPresent();
    }
    assertThat(counts()).as("catalog rows").isEqualTo(before);
    assertThat(files()).as("stored objects").isEqualTo(filesBefore);
    assertThat(count("maintenance_audit_log") - auditBefore).as("audit rows").isEqualTo(c.status() == 401 ? 0 : 1);
  }

  @Test
  void theCasesCoverAtLeastFortyRequests() {
    assertThat(cases().count()).isGreaterThanOrEqualTo(40);
  }

  @Test
  void theAuditChainHoldsAndUnauthenticatedRequestsAreCountedInAMetric() throws Exception {
    HttpResponse<String> anonymous = http.send(HttpRequest.newBuilder(URI.create(base + "/readiness")).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(anonymous.statusCode()).isEqualTo(401);
    unauthenticated++;
    HttpResponse<String> metrics = http.send(HttpRequest.newBuilder(URI.create(base + "/metrics/prometheus"))
        .header("Authorization", R).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(metrics.body()).contains("maintenance_requests_refused_total{code=\"UNAUTHENTICATED\"} " + unauthenticated + ".0");
    HttpResponse<String> verify = http.send(HttpRequest.newBuilder(URI.create(base + "/audit/verify"))
        .header("Authorization", R).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(JSON.readTree(verify.body()).get("intact").asBoolean()).isTrue();
  }

  private static Map<String, Long> counts() throws Exception {
    Map<String, Long> out = new LinkedHashMap<>();
    for (String t : TABLES) {
      out.put(t, count(t));
    }
    return out;
  }

  private static long count(String table) throws Exception {
    try (Connection c = catalog.getConnection(); Statement st = c.createStatement();
        ResultSet rs = st.executeQuery("SELECT count(*) FROM " + table)) {
      rs.next();
      return rs.getLong(1);
    }
  }

  private static List<String> files() throws Exception {
    try (Stream<Path> s = Files.walk(storageDir)) {
      return s.filter(Files::isRegularFile).map(p -> storageDir.relativize(p).toString()).sorted().toList();
    }
  }
}
