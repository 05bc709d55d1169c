package io.maintenance.core.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.maintenance.api.AuditQuery;
import io.maintenance.api.BackupQuery;
import io.maintenance.api.BackupRequest;
import io.maintenance.api.BackupStatus;
import io.maintenance.api.BackupType;
import io.maintenance.api.ErrorCode;
import io.maintenance.api.Maintenance;
import io.maintenance.api.MaintenanceException;
import io.maintenance.api.ReadinessReport;
import io.maintenance.api.RestoreRequest;
import io.maintenance.api.TaskRequest;
import io.maintenance.api.TaskType;
import io.maintenance.core.internal.Json;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The admin HTTP API of DESIGN.md §8, independent of any web framework: hand it an
 * {@link AdminRequest}, write back the {@link AdminResponse}. Successes are JSON; failures are
 * {@code application/problem+json} with the stable error code. Every route checks its scope (in the engine).
 *
 * <pre>
 * POST   /maintenance/backups                 GET /maintenance/backups[/{id}[/manifest]]   DELETE /maintenance/backups/{id}
 * POST   /maintenance/restores/preview        POST /maintenance/restores/{id}/approvals
 * POST   /maintenance/restores/confirm        GET  /maintenance/restores/{id}
 * POST   /maintenance/tasks                   GET  /maintenance/readiness
 * GET    /maintenance/metrics                 GET  /maintenance/metrics/prometheus
 * GET    /maintenance/audit                   GET  /maintenance/audit/verify
 * </pre>
 */
public final class AdminRoutes {
  public static final String BASE = "/maintenance";
  private static final Logger LOG = LoggerFactory.getLogger(AdminRoutes.class);

  private final Maintenance engine;

  public AdminRoutes(Maintenance engine) {
    this.engine = engine;
  }

  public AdminResponse handle(AdminRequest request) {
    try {
      return route(request);
    } catch (MaintenanceException e) {
      return problem(e);
    } catch (RuntimeException e) {
      LOG.error("Admin route {} {} failed unexpectedly", request.method(), request.path(), e);
      return problem(new MaintenanceException(ErrorCode.INTERNAL_ERROR, "unexpected failure: " + e.getClass().getSimpleName()));
    }
  }

  private AdminResponse route(AdminRequest r) {
    String path = r.path().endsWith("/") && r.path().length() > 1 ? r.path().substring(0, r.path().length() - 1) : r.path();
    if (!path.equals(BASE) && !path.startsWith(BASE + "/")) {
      throw notFound(r);
    }
    List<String> p = Arrays.stream(path.substring(BASE.length()).split("/")).filter(s -> !s.isEmpty()).toList();
    String m = r.method().toUpperCase(Locale.ROOT);
    if (p.isEmpty()) {
      throw notFound(r);
    }
    switch (p.get(0)) {
      case "backups" -> {
        if (p.size() == 1) {
          if (m.equals("POST")) {
            return json(201, engine.backup(backupRequest(r.body()), r.principal()));
          }
          if (m.equals("GET")) {
            BackupQuery q = new BackupQuery(
                Optional.ofNullable(r.query().get("status")).map(s -> parseEnum(BackupStatus.class, "status", s)),
                intParam(r, "limit", 100), Optional.ofNullable(r.query().get("cursor")));
            return json(200, engine.listBackups(q, r.principal()));
          }
          throw notAllowed(r, "GET, POST");
        }
        String id = p.get(1);
        if (p.size() == 2) {
          if (m.equals("GET")) {
            return json(200, engine.findBackup(id, r.principal()).orElseThrow(() ->
                new MaintenanceException(ErrorCode.NOT_FOUND, "no backup with id '" + id + "'")));
          }
          if (m.equals("DELETE")) {
            engine.deleteBackup(id, r.principal());
            return new AdminResponse(204, AdminResponse.JSON, "", Map.of());
          }
          throw notAllowed(r, "GET, DELETE");
        }
        if (p.size() == 3 && p.get(2).equals("manifest")) {
          requireMethod(r, "GET");
          return json(200, engine.manifest(id, r.principal()));
        }
      }
      case "restores" -> {
        if (p.size() == 2 && p.get(1).equals("preview")) {
          requireMethod(r, "POST");
          return json(201, engine.previewRestore(restoreRequest(r.body()), r.principal()));
        }
        if (p.size() == 2 && p.get(1).equals("confirm")) {
          requireMethod(r, "POST");
          ConfirmBody b = body(r.body(), ConfirmBody.class);
          if (b.token() == null || b.token().isBlank()) {
            throw new MaintenanceException(ErrorCode.INVALID_REQUEST, "'token' is required");
          }
          return json(200, engine.confirmRestore(b.token(), r.principal()));
        }
        if (p.size() == 2) {
          requireMethod(r, "GET");
          String id = p.get(1);
          return json(200, engine.findRestore(id, r.principal()).orElseThrow(() ->
              new MaintenanceException(ErrorCode.NOT_FOUND, "no restore request with id '" + id + "'")));
        }
        if (p.size() == 3 && p.get(2).equals("approvals")) {
          requireMethod(r, "POST");
          ApprovalBody b = r.body().isBlank() ? new ApprovalBody(null) : body(r.body(), ApprovalBody.class);
          return json(200, engine.approveRestore(p.get(1), b.comment() == null ? "" : b.comment(), r.principal()));
        }
      }
      case "tasks" -> {
        if (p.size() == 1) {
          requireMethod(r, "POST");
          return json(200, engine.runTask(taskRequest(r.body()), r.principal()));
        }
      }
      case "readiness" -> {
        if (p.size() == 1) {
          requireMethod(r, "GET");
          ReadinessReport report = engine.readiness(r.principal());
          return json(report.ready() ? 200 : 503, report);
        }
      }
      case "metrics" -> {
        if (p.size() == 1) {
          requireMethod(r, "GET");
          return json(200, engine.metrics(r.principal()));
        }
        if (p.size() == 2 && p.get(1).equals("prometheus")) {
          requireMethod(r, "GET");
          return new AdminResponse(200, AdminResponse.PROMETHEUS_TEXT, engine.prometheusText(r.principal()), Map.of());
        }
      }
      case "audit" -> {
        if (p.size() == 1) {
          requireMethod(r, "GET");
          AuditQuery q = new AuditQuery(intParam(r, "limit", 100),
              Optional.ofNullable(r.query().get("before")).map(s -> (long) parseInt("before", s)));
          return json(200, engine.audit(q, r.principal()));
        }
        if (p.size() == 2 && p.get(1).equals("verify")) {
          requireMethod(r, "GET");
          return json(200, engine.verifyAudit(r.principal()));
        }
      }
      default -> {
      }
    }
    throw notFound(r);
  }

  // ---- bodies ------------------------------------------------------------------------------------

  record BackupBody(List<String> datastores, String type, Boolean pinned, Map<String, String> labels) {}

  record PreviewBody(String backupId, List<String> datastores, Map<String, List<String>> resources, Boolean safetyBackup,
      Map<String, String> options) {}

  record ApprovalBody(String comment) {}

  record ConfirmBody(String token) {}

  record TaskBody(String type, Boolean dryRun, List<String> datastores, List<String> backupIds) {}

  private static BackupRequest backupRequest(String json) {
    BackupBody b = json.isBlank() ? new BackupBody(null, null, null, null) : body(json, BackupBody.class);
    BackupRequest.Builder req = BackupRequest.builder()
        .type(b.type() == null ? BackupType.FULL : parseEnum(BackupType.class, "type", b.type()))
        .pinned(Boolean.TRUE.equals(b.pinned()));
    if (b.datastores() != null) {
      req.datastores(Set.copyOf(b.datastores()));
    }
    if (b.labels() != null) {
      b.labels().forEach(req::label);
    }
    return req.build();
  }

  private static RestoreRequest restoreRequest(String json) {
    PreviewBody b = body(json, PreviewBody.class);
    if (b.backupId() == null || b.backupId().isBlank()) {
      throw new MaintenanceException(ErrorCode.INVALID_REQUEST, "'backupId' is required");
    }
    RestoreRequest.Builder req = RestoreRequest.builder(b.backupId());
    if (b.datastores() != null) {
      req.datastores(Set.copyOf(b.datastores()));
    }
    if (b.resources() != null) {
      b.resources().forEach(req::resources);
    }
    if (b.safetyBackup() != null) {
      req.safetyBackup(b.safetyBackup());
    }
    if (b.options() != null) {
      b.options().forEach(req::option);
    }
    return req.build();
  }

  private static TaskRequest taskRequest(String json) {
    TaskBody b = body(json, TaskBody.class);
    if (b.type() == null) {
      throw new MaintenanceException(ErrorCode.INVALID_REQUEST, "'type' is required; one of " + Arrays.toString(TaskType.values()));
    }
    TaskRequest.Builder req = TaskRequest.builder(parseEnum(TaskType.class, "type", b.type()))
        .dryRun(Boolean.TRUE.equals(b.dryRun()));
    if (b.datastores() != null) {
      b.datastores().forEach(req::datastore);
    }
    if (b.backupIds() != null) {
      b.backupIds().forEach(req::backup);
    }
    return req.build();
  }

  private static <T> T body(String json, Class<T> type) {
    if (json.isBlank()) {
      throw new MaintenanceException(ErrorCode.INVALID_REQUEST, "a JSON body is required");
    }
    try {
      T value = Json.MAPPER.readValue(json, type);
      if (value == null) {
        throw new MaintenanceException(ErrorCode.INVALID_REQUEST, "a JSON object is required");
      }
      return value;
    } catch (JsonProcessingException e) {
      throw new MaintenanceException(ErrorCode.INVALID_REQUEST, "the body is not valid JSON for this route: " + e.getOriginalMessage());
    }
  }

  private static <E extends Enum<E>> E parseEnum(Class<E> type, String field, String value) {
    try {
      return Enum.valueOf(type, value.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new MaintenanceException(ErrorCode.INVALID_REQUEST, "'" + field + "' must be one of "
          + Arrays.toString(type.getEnumConstants()) + ", was '" + value + "'");
    }
  }

  private static int intParam(AdminRequest r, String name, int defaultValue) {
    String v = r.query().get(name);
    return v == null ? defaultValue : parseInt(name, v);
  }

  private static int parseInt(String name, String v) {
    try {
      return Integer.parseInt(v);
    } catch (NumberFormatException e) {
      throw new MaintenanceException(ErrorCode.INVALID_REQUEST, "'" + name + "' must be a number, was '" + v + "'");
    }
  }

  // ---- responses ---------------------------------------------------------------------------------

  private static AdminResponse json(int status, Object value) {
    return new AdminResponse(status, AdminResponse.JSON, Json.write(value), Map.of());
  }

  /** RFC 9457 problem details, with the stable code and whether a retry can help. */
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
    Map<String, String> headers = e.code().retryable() ? Map.of("Retry-After", "30") : Map.of();
    return new AdminResponse(e.code().httpStatus(), AdminResponse.PROBLEM_JSON, Json.write(p), headers);
  }

  private static String title(ErrorCode code) {
    String s = code.name().replace('_', ' ').toLowerCase(Locale.ROOT);
    return Character.toUpperCase(s.charAt(0)) + s.substring(1);
  }

  private static void requireMethod(AdminRequest r, String method) {
    if (!r.method().equalsIgnoreCase(method)) {
      throw notAllowed(r, method);
    }
  }

  private static MaintenanceException notAllowed(AdminRequest r, String allowed) {
    return new MaintenanceException(ErrorCode.INVALID_REQUEST, r.method() + " is not allowed on " + r.path() + "; use " + allowed,
        Map.of("allow", allowed));
  }

  private static MaintenanceException notFound(AdminRequest r) {
    return new MaintenanceException(ErrorCode.NOT_FOUND, "no route " + r.method() + " " + r.path());
  }
}
