package io.maintenance.core.http;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import io.maintenance.api.AuditQuery;
import io.maintenance.api.BackupQuery;
import io.maintenance.api.BackupRequest;
import io.maintenance.api.BackupStatus;
import io.maintenance.api.BackupType;
import io.maintenance.api.ErrorCode;
import io.maintenance.api.Inputs;
import io.maintenance.api.Maintenance;
import io.maintenance.api.MaintenanceException;
import io.maintenance.api.Operation;
import io.maintenance.api.OperationKind;
import io.maintenance.api.OperationQuery;
import io.maintenance.api.OperationStatus;
import io.maintenance.api.Principal;
import io.maintenance.api.ReadinessReport;
import io.maintenance.api.RestoreRequest;
import io.maintenance.api.Scope;
import io.maintenance.api.TaskRequest;
import io.maintenance.api.TaskType;
import io.maintenance.core.internal.Json;
import java.io.IOException;
import java.net.URLDecoder;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The admin HTTP API, independent of any web framework: hand it an {@link AdminRequest}, write back the
 * {@link AdminResponse}. Successes are JSON; failures are {@code application/problem+json} with the
 * stable error code.
 *
 * <p>Requests are checked in this order, and nothing runs before all checks passed: the route (404)
 * and its method (405 with {@code Allow}), the principal's scope (403), the query parameters and path
 * ids, the body's size (413) and its strict parsing (400: unknown fields, duplicate keys, trailing
 * content, {@code null}s, wrong types and control characters are refused, with a {@code pointer} detail
 * naming the field). Every refusal is audited through {@link Maintenance#recordRefusal}; requests
 * without valid credentials are answered by {@link #unauthenticated} (401, counted, not audited).
 *
 * <pre>
 * POST   /maintenance/backups                 GET /maintenance/backups[/{id}[/manifest]]   DELETE /maintenance/backups/{id}
 * POST   /maintenance/restores/preview        POST /maintenance/restores/{id}/approvals
 * POST   /maintenance/restores/confirm        GET  /maintenance/restores/{id}
 * POST   /maintenance/tasks                   GET  /maintenance/tasks/{id}
 * GET    /maintenance/operations[/{id}]       POST /maintenance/operations/{id}/cancel
 * GET    /maintenance/schedules               GET  /maintenance/readiness
 * GET    /maintenance/metrics                 GET  /maintenance/metrics/prometheus
 * GET    /maintenance/audit                   GET  /maintenance/audit/verify
 * </pre>
 *
 * <p>{@code POST backups}, {@code restores/confirm} and {@code tasks} start an operation and answer {@code 202}
 * with it and a {@code Location} ({@code /maintenance/operations/{id}}) to poll; refusals (bad input, the
 * operation lock busy, an expired token) are still answered at once. With {@code ?wait=true} they run in the
 * request and answer as before: 201 with the backup, 200 with the restore or the task's result.
 */
public final class AdminRoutes {
  public static final String BASE = "/maintenance";
  /** The largest request body accepted (413 above). */
  public static final int MAX_BODY_BYTES = 1024 * 1024;
  /** The challenge a 401 carries. */
  public static final String CHALLENGE = "Bearer realm=\"maintenance\"";

  /** The query parameter that makes POST backups, restores/confirm and tasks block until the operation finished. */
  public static final String WAIT = "wait";

  private static final Logger LOG = LoggerFactory.getLogger(AdminRoutes.class);

  private final Maintenance engine;
  private final List<Route> routes;

  public AdminRoutes(Maintenance engine) {
    this.engine = engine;
    this.routes = List.of(
        new Route("GET", "backups", Scope.READ, "backup.list", Set.of("status", "limit", "cursor"), false, c -> json(200,
            engine.listBackups(refusing(() -> new BackupQuery(c.query("status").map(s -> parseEnum(BackupStatus.class, "?status", s)),
                c.intQuery("limit", 100), c.query("cursor"))), c.principal))),
        new Route("POST", "backups", Scope.BACKUP, "backup", Set.of(WAIT), true, c -> {
          BackupRequest r = c.body.isBlank() ? BackupRequest.all() : backupRequest(c.parse(BackupBody.class));
          return c.waits() ? json(201, engine.backup(r, c.principal)) : accepted(engine.submitBackup(r, c.principal));
        }),
        new Route("GET", "backups/{id}", Scope.READ, "backup.get", Set.of(), false, c -> json(200,
            engine.findBackup(c.id, c.principal).orElseThrow(() -> notFound("backup", c.id)))),
        new Route("DELETE", "backups/{id}", Scope.HOUSEKEEPING, "backup.delete", Set.of(), false, c -> {
          engine.deleteBackup(c.id, c.principal);
          return new AdminResponse(204, AdminResponse.JSON, "", Map.of());
        }),
        new Route("GET", "backups/{id}/manifest", Scope.READ, "backup.manifest", Set.of(), false, c -> json(200,
            engine.manifest(c.id, c.principal))),
        new Route("POST", "restores/preview", Scope.RESTORE_PREVIEW, "restore.preview", Set.of(), true, c -> json(201,
            engine.previewRestore(restoreRequest(c.parse(PreviewBody.class)), c.principal))),
        new Route("POST", "restores/confirm", Scope.RESTORE_APPLY, "restore.confirm", Set.of(WAIT), true, c -> {
          ConfirmBody b = c.parse(ConfirmBody.class);
          String token = refusing(() -> required("/token", b.token()));
          return c.waits() ? json(200, engine.confirmRestore(token, c.principal)) : accepted(engine.submitRestore(token, c.principal));
        }),
        new Route("GET", "restores/{id}", Scope.READ, "restore.get", Set.of(), false, c -> json(200,
            engine.findRestore(c.id, c.principal).orElseThrow(() -> notFound("restore request", c.id)))),
        new Route("POST", "restores/{id}/approvals", Scope.RESTORE_APPROVE, "restore.approve", Set.of(), true, c -> {
          ApprovalBody b = c.body.isBlank() ? new ApprovalBody(null) : c.parse(ApprovalBody.class);
          String comment = refusing(() -> b.comment() == null ? "" : Inputs.comment("/comment", b.comment()));
          return json(200, engine.approveRestore(c.id, comment, c.principal));
        }),
        new Route("POST", "tasks", Scope.HOUSEKEEPING, "task", Set.of(WAIT), true, c -> {
          TaskRequest r = taskRequest(c.parse(TaskBody.class));
          return c.waits() ? json(200, engine.runTask(r, c.principal)) : accepted(engine.submitTask(r, c.principal));
        }),
        new Route("GET", "tasks/{id}", Scope.READ, "task.get", Set.of(), false, c -> json(200,
            engine.findTask(c.id, c.principal).orElseThrow(() -> notFound("task", c.id)))),
        new Route("GET", "operations", Scope.READ, "operation.list", Set.of("status", "kind", "limit", "cursor"), false, c -> json(200,
            engine.listOperations(refusing(() -> new OperationQuery(
                c.query("status").map(s -> parseEnum(OperationStatus.class, "?status", s)),
                c.query("kind").map(k -> parseEnum(OperationKind.class, "?kind", k)), c.intQuery("limit", 100), c.query("cursor"))),
                c.principal))),
        new Route("GET", "operations/{id}", Scope.READ, "operation.get", Set.of(), false, c -> json(200,
            engine.findOperation(c.id, c.principal).orElseThrow(() -> notFound("operation", c.id)))),
        // READ here; the engine checks the scope that starts operations of the cancelled one's kind.
        new Route("POST", "operations/{id}/cancel", Scope.READ, "operation.cancel", Set.of(), false, c -> json(202,
            engine.cancelOperation(c.id, c.principal))),
        new Route("GET", "schedules", Scope.READ, "schedule.list", Set.of(), false, c -> json(200, engine.schedules(c.principal))),
        new Route("GET", "readiness", Scope.READ, "readiness", Set.of(), false, c -> {
          ReadinessReport report = engine.readiness(c.principal);
          return json(report.ready() ? 200 : 503, report);
        }),
        new Route("GET", "metrics", Scope.READ, "metrics", Set.of(), false, c -> json(200, engine.metrics(c.principal))),
        new Route("GET", "metrics/prometheus", Scope.READ, "metrics", Set.of(), false, c ->
            new AdminResponse(200, AdminResponse.PROMETHEUS_TEXT, engine.prometheusText(c.principal), Map.of())),
        new Route("GET", "audit", Scope.READ, "audit.list", Set.of("limit", "before"), false, c -> json(200,
            engine.audit(refusing(() -> new AuditQuery(c.intQuery("limit", 100), c.query("before").map(s -> parseLong("?before", s)))),
                c.principal))),
        new Route("GET", "audit/verify", Scope.READ, "audit.verify", Set.of(), false, c -> json(200,
            engine.verifyAudit(c.principal))));
  }

  /** Handles a request whose body the host has already read (frameworks do). */
  public AdminResponse handle(AdminRequest request) {
    Call call = new Call(request.principal(), request.query(), request.body());
    return run(request.method(), request.path(), call, () -> {
      if (request.body().length() > MAX_BODY_BYTES) {
        throw tooLarge();
      }
    });
  }

  /** Reads at most {@code max} bytes of a request body. */
  @FunctionalInterface
  public interface BodyReader {
    byte[] read(int max) throws IOException;
  }

  /**
   * Handles a request straight off an HTTP server: {@code principal} is empty when the request carried
   * no or unknown credentials (answered 401 before anything else), the query is decoded strictly here,
   * and the body is read only after the route and scope checks, never more than {@link #MAX_BODY_BYTES} + 1.
   */
  public AdminResponse handle(String method, String path, String rawQuery, Optional<Principal> principal, BodyReader body) {
    if (principal.isEmpty()) {
      return unauthenticated(method, path);
    }
    Call call = new Call(principal.get(), Map.of(), "");
    return run(method, path, call, () -> {
      call.query = query(rawQuery);
      byte[] bytes;
      try {
        bytes = body.read(MAX_BODY_BYTES + 1);
      } catch (IOException e) {
        throw invalid("", "the body could not be read: " + e.getMessage());
      }
      if (bytes.length > MAX_BODY_BYTES) {
        throw tooLarge();
      }
      call.body = utf8(bytes);
    });
  }

  /**
   * The answer to a request without valid credentials: 401 with a {@code WWW-Authenticate} challenge.
   * Counted in {@code maintenance_requests_refused_total{code="UNAUTHENTICATED"}}, never audited:
   * anyone can send these.
   */
  public AdminResponse unauthenticated(String method, String path) {
    MaintenanceException e = new MaintenanceException(ErrorCode.UNAUTHENTICATED,
        "credentials are missing or unknown; send Authorization: Bearer <token>");
    engine.recordRefusal(Optional.empty(), "http", "-", e);
    return problem(e);
  }

  /** Strict decoding of a raw query string: malformed escapes and repeated names are refused. */
  public static Map<String, String> query(String raw) {
    Map<String, String> out = new LinkedHashMap<>();
    if (raw == null || raw.isEmpty()) {
      return out;
    }
    for (String pair : raw.split("&", -1)) {
      int eq = pair.indexOf('=');
      String k;
      String v;
      try {
        k = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
        v = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
      } catch (IllegalArgumentException e) {
        throw invalid("?", "the query string is not validly encoded");
      }
      if (k.isEmpty()) {
        throw invalid("?", "the query string has an empty parameter name");
      }
      if (out.putIfAbsent(k, v) != null) {
        throw invalid("?" + Inputs.escape(k), "query parameter '" + Inputs.escape(k) + "' is given more than once");
      }
    }
    return out;
  }

  // ---- dispatch ----------------------------------------------------------------------------------

  @FunctionalInterface
  private interface Handler {
    AdminResponse handle(Call call);
  }

  @FunctionalInterface
  private interface Check {
    void run();
  }

  /** One route: method, path pattern ({@code {id}} is a path id), scope, audit action, query parameters, whether it takes a body. */
  private record Route(String method, String pattern, Scope scope, String action, Set<String> queryNames, boolean takesBody,
      Handler handler) {
    List<String> segments() {
      return List.of(pattern.split("/"));
    }
  }

  /** What a handler gets. */
  private static final class Call {
    final Principal principal;
    Map<String, String> query;
    String body;
    String id;

    Call(Principal principal, Map<String, String> query, String body) {
      this.principal = principal;
      this.query = query;
      this.body = body;
    }

    Optional<String> query(String name) {
      return Optional.ofNullable(query.get(name));
    }

    int intQuery(String name, int defaultValue) {
      long v = query(name).map(s -> parseLong("?" + name, s)).orElse((long) defaultValue);
      if (v < 1 || v > BackupQuery.MAX_LIMIT) {
        throw invalid("?" + name, "must be between 1 and " + BackupQuery.MAX_LIMIT + ", was " + v);
      }
      return (int) v;
    }

    /** {@code ?wait=true}: run in the request; absent or {@code false}: submit and answer 202. */
    boolean waits() {
      return query(WAIT).map(v -> switch (v) {
        case "true" -> true;
        case "false" -> false;
        default -> throw invalid("?" + WAIT, "must be true or false, was '" + Inputs.escape(v) + "'");
      }).orElse(false);
    }

    <T> T parse(Class<T> type) {
      return body(body, type);
    }
  }

  private AdminResponse run(String method, String path, Call call, Check beforeParse) {
    Principal who = call.principal;
    String action = "http";
    String target = "-";
    Route route;
    try {
      route = match(method, path, call);
      action = route.action();
      target = call.id == null ? "-" : call.id;
      if (!who.has(route.scope())) {
        throw new MaintenanceException(ErrorCode.FORBIDDEN, who.name() + " lacks scope " + route.scope().value() + " for "
            + route.action(), Map.of("requiredScope", route.scope().value()));
      }
      beforeParse.run();
      for (String name : call.query.keySet()) {
        if (!route.queryNames().contains(name)) {
          throw invalid("?" + Inputs.escape(name), "unknown query parameter '" + Inputs.escape(name) + "'"
              + (route.queryNames().isEmpty() ? "; this route takes none" : "; known: " + new TreeSet<>(route.queryNames())));
        }
        Inputs.text("?" + name, call.query.get(name));
      }
      if (!route.takesBody() && !call.body.isEmpty()) {
        throw invalid("", "this route takes no body");
      }
      if (call.id != null) {
        Inputs.id("/path/id", call.id);
      }
    } catch (MaintenanceException e) {
      engine.recordRefusal(Optional.of(who), action, target, e);
      return problem(e);
    } catch (RuntimeException e) {
      LOG.error("Admin route {} {} failed unexpectedly", Inputs.escape(method), Inputs.escape(path), e);
      return problem(new MaintenanceException(ErrorCode.INTERNAL_ERROR, "unexpected failure: " + e.getClass().getSimpleName()));
    }
    try {
      return route.handler().handle(call);
    } catch (InputRefused e) {
      // Malformed input found while turning the body into a request: nothing ran, so it is a refusal.
      engine.recordRefusal(Optional.of(who), route.action(), target, e.problem);
      return problem(e.problem);
    } catch (MaintenanceException e) {
      return problem(e); // the engine audited what it did
    } catch (RuntimeException e) {
      LOG.error("Admin route {} {} failed unexpectedly", Inputs.escape(method), Inputs.escape(path), e);
      return problem(new MaintenanceException(ErrorCode.INTERNAL_ERROR, "unexpected failure: " + e.getClass().getSimpleName()));
    }
  }

  /** Finds the route; 404 if the path names none, 405 (with the methods it takes) if the method does not fit. */
  private Route match(String method, String path, Call call) {
    String p = path.endsWith("/") && path.length() > 1 ? path.substring(0, path.length() - 1) : path;
    if (!p.startsWith(BASE + "/")) {
      throw new MaintenanceException(ErrorCode.NOT_FOUND, "no route " + Inputs.escape(method) + " " + Inputs.escape(path));
    }
    String[] parts = p.substring(BASE.length() + 1).split("/", -1);
    Set<String> allowed = new TreeSet<>();
    Route found = null;
    for (Route r : routes) {
      List<String> segs = r.segments();
      if (segs.size() != parts.length) {
        continue;
      }
      String id = null;
      boolean fits = true;
      for (int i = 0; i < parts.length && fits; i++) {
        if (segs.get(i).equals("{id}")) {
          id = parts[i];
          // a literal route of the same shape wins (restores/preview is not a restore request id)
          fits = routes.stream().noneMatch(o -> o.segments().size() == parts.length && o.segments().get(0).equals(segs.get(0))
              && o.segments().get(1).equals(parts[1]) && !o.segments().get(1).equals("{id}"));
        } else {
          fits = segs.get(i).equals(parts[i]);
        }
      }
      if (!fits) {
        continue;
      }
      allowed.add(r.method());
      if (r.method().equals(method.toUpperCase(Locale.ROOT)) && found == null) {
        found = r;
        call.id = id;
      }
    }
    if (found != null) {
      return found;
    }
    if (allowed.isEmpty()) {
      throw new MaintenanceException(ErrorCode.NOT_FOUND, "no route " + Inputs.escape(method) + " " + Inputs.escape(path));
    }
    String allow = String.join(", ", allowed);
    throw new MaintenanceException(ErrorCode.METHOD_NOT_ALLOWED, Inputs.escape(method) + " is not allowed on "
        + Inputs.escape(path) + "; use " + allow, Map.of("allow", allow));
  }

  // ---- bodies ------------------------------------------------------------------------------------

  record BackupBody(List<String> datastores, String type, Boolean pinned, Map<String, String> labels) {}

  record PreviewBody(String backupId, List<String> datastores, Map<String, List<String>> resources, Boolean safetyBackup,
      Map<String, String> options) {}

  record ApprovalBody(String comment) {}

  record ConfirmBody(String token) {}

  record TaskBody(String type, Boolean dryRun, List<String> datastores, List<String> backupIds) {}

  private static BackupRequest backupRequest(BackupBody b) {
    return refusing(() -> {
      BackupRequest.Builder req = BackupRequest.builder()
          .type(b.type() == null ? BackupType.FULL : parseEnum(BackupType.class, "/type", b.type()))
          .pinned(Boolean.TRUE.equals(b.pinned()));
      if (b.datastores() != null) {
        req.datastores(distinct("/datastores", b.datastores()));
      }
      if (b.labels() != null) {
        Inputs.entries("/labels", b.labels()).forEach(req::label);
      }
      return req.build();
    });
  }

  private static RestoreRequest restoreRequest(PreviewBody b) {
    return refusing(() -> {
      RestoreRequest.Builder req = RestoreRequest.builder(Inputs.id("/backupId", required("/backupId", b.backupId())));
      if (b.datastores() != null) {
        req.datastores(distinct("/datastores", b.datastores()));
      }
      if (b.resources() != null) {
        b.resources().forEach((ds, names) -> {
          Inputs.name("/resources", ds);
          req.resources(ds, distinct("/resources/" + ds, names));
        });
      }
      if (b.safetyBackup() != null) {
        req.safetyBackup(b.safetyBackup());
      }
      if (b.options() != null) {
        Inputs.entries("/options", b.options()).forEach(req::option);
      }
      return req.build();
    });
  }

  private static TaskRequest taskRequest(TaskBody b) {
    return refusing(() -> {
      TaskType type = parseEnum(TaskType.class, "/type", required("/type", b.type()));
      TaskRequest.Builder req = TaskRequest.builder(type).dryRun(Boolean.TRUE.equals(b.dryRun()));
      if (b.datastores() != null) {
        if (type != TaskType.REINDEX && type != TaskType.DRILL) {
          throw invalid("/datastores", "only REINDEX and DRILL take datastores");
        }
        distinct("/datastores", b.datastores()).forEach(req::datastore);
      }
      if (b.backupIds() != null) {
        if (type != TaskType.VERIFY) {
          throw invalid("/backupIds", "only VERIFY takes backupIds");
        }
        distinct("/backupIds", b.backupIds()).forEach(id -> req.backup(Inputs.id("/backupIds", id)));
      }
      return req.build();
    });
  }

  /** The list's items as a set; a repeated item is refused rather than silently merged. */
  private static Set<String> distinct(String pointer, List<String> items) {
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < items.size(); i++) {
      Inputs.name(pointer + "/" + i, items.get(i));
      if (!seen.add(items.get(i))) {
        throw invalid(pointer + "/" + i, "'" + Inputs.escape(items.get(i)) + "' appears more than once");
      }
    }
    return new java.util.LinkedHashSet<>(items);
  }

  private static String required(String pointer, String value) {
    if (value == null || value.isBlank()) {
      throw invalid(pointer, "is required");
    }
    return value;
  }

  /** Input found malformed while a handler turned the body into a request: a refusal, not an operation's failure. */
  private static final class InputRefused extends RuntimeException {
    private static final long serialVersionUID = 1L;
    final transient MaintenanceException problem;

    InputRefused(MaintenanceException problem) {
      super(problem.getMessage(), null, false, false);
      this.problem = problem;
    }
  }

  private static <T> T refusing(java.util.function.Supplier<T> build) {
    try {
      return build.get();
    } catch (MaintenanceException e) {
      throw new InputRefused(e);
    }
  }

  private static <T> T body(String json, Class<T> type) {
    if (json.isBlank()) {
      throw new InputRefused(invalid("", "a JSON body is required"));
    }
    try {
      JsonNode tree = Json.STRICT.readTree(json);
      if (tree == null || !tree.isObject()) {
        throw new InputRefused(invalid("", "the body must be a JSON object"));
      }
      rejectNulls(tree, "");
      return Json.STRICT.treeToValue(tree, type);
    } catch (JsonMappingException e) {
      String pointer = e.getPath().stream()
          .map(r -> r.getFieldName() != null ? r.getFieldName() : Integer.toString(r.getIndex()))
          .map(s -> "/" + s.replace("~", "~0").replace("/", "~1"))
          .collect(Collectors.joining());
      throw new InputRefused(invalid(pointer, describe(e)));
    } catch (JsonProcessingException e) {
      String pointer = e.getProcessor() instanceof JsonParser p ? p.getParsingContext().pathAsPointer().toString() : "";
      throw new InputRefused(invalid(pointer, describe(e)));
    }
  }

  /** An explicit {@code null} anywhere is refused: absent means "the default", null means nothing. */
  private static void rejectNulls(JsonNode node, String pointer) {
    if (node.isNull()) {
      throw new InputRefused(invalid(pointer, "must not be null (leave the field out instead)"));
    }
    if (node.isObject()) {
      node.properties().forEach(f -> rejectNulls(f.getValue(), pointer + "/" + f.getKey().replace("~", "~0").replace("/", "~1")));
    } else if (node.isArray()) {
      for (int i = 0; i < node.size(); i++) {
        rejectNulls(node.get(i), pointer + "/" + i);
      }
    }
  }

  private static String describe(JsonProcessingException e) {
    String m = String.valueOf(e.getOriginalMessage());
    int cut = m.indexOf(" (class ");
    return "the body is not valid for this route: " + Inputs.escape(cut > 0 ? m.substring(0, cut) : m);
  }

  private static String utf8(byte[] bytes) {
    try {
      return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
    } catch (CharacterCodingException e) {
      throw invalid("", "the body is not valid UTF-8");
    }
  }

  private static <E extends Enum<E>> E parseEnum(Class<E> type, String pointer, String value) {
    try {
      return Enum.valueOf(type, value.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw invalid(pointer, "must be one of " + Arrays.toString(type.getEnumConstants()) + ", was '" + Inputs.escape(value) + "'");
    }
  }

  private static long parseLong(String pointer, String v) {
    try {
      return Long.parseLong(v);
    } catch (NumberFormatException e) {
      throw invalid(pointer, "must be a number, was '" + Inputs.escape(v) + "'");
    }
  }

  // ---- responses ---------------------------------------------------------------------------------

  private static AdminResponse json(int status, Object value) {
    return new AdminResponse(status, AdminResponse.JSON, Json.write(value), Map.of());
  }

  /** 202 with the operation and where to follow it. */
  private static AdminResponse accepted(Operation op) {
    return new AdminResponse(202, AdminResponse.JSON, Json.write(op), Map.of("Location", BASE + "/operations/" + op.id()));
  }

  /**
   * RFC 9457 problem details, with the stable code and whether a retry can help; a 405 carries
   * {@code Allow}, a 401 {@code WWW-Authenticate}, a retryable failure {@code Retry-After}.
   */
  public static AdminResponse problem(MaintenanceException e) {
    Map<String, Object> p = new LinkedHashMap<>();
    p.put("type", "urn:maintenance:error:" + e.code().code());
    p.put("title", title(e.code()));
    p.put("status", e.code().httpStatus());
    p.put("detail", e.getMessage());
    p.put("code", e.code().code());
    p.put("retryable", e.code().retryable());
    if (!e.details().isEmpty()) {
      p.put("details", e.details());
    }
    Map<String, String> headers = new LinkedHashMap<>();
    if (e.code().retryable()) {
      headers.put("Retry-After", "30");
    }
    if (e.code() == ErrorCode.METHOD_NOT_ALLOWED && e.details().containsKey("allow")) {
      headers.put("Allow", e.details().get("allow"));
    }
    if (e.code() == ErrorCode.UNAUTHENTICATED) {
      headers.put("WWW-Authenticate", CHALLENGE);
    }
    return new AdminResponse(e.code().httpStatus(), AdminResponse.PROBLEM_JSON, Json.write(p), headers);
  }

  private static String title(ErrorCode code) {
    String s = code.name().replace('_', ' ').toLowerCase(Locale.ROOT);
    return Character.toUpperCase(s.charAt(0)) + s.substring(1);
  }

  private static MaintenanceException invalid(String pointer, String problem) {
    return new MaintenanceException(ErrorCode.INVALID_REQUEST, (pointer.isEmpty() ? "" : "'" + pointer + "': ") + problem,
        Map.of("pointer", pointer));
  }

  private static MaintenanceException tooLarge() {
    return new MaintenanceException(ErrorCode.PAYLOAD_TOO_LARGE, "the body is larger than " + MAX_BODY_BYTES + " bytes",
        Map.of("limit", Integer.toString(MAX_BODY_BYTES)));
  }

  private static MaintenanceException notFound(String what, String id) {
    return new MaintenanceException(ErrorCode.NOT_FOUND, "no " + what + " with id '" + Inputs.escape(id) + "'");
  }
}
