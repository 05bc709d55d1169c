package io.maintenance.spring.boot.internal;

import io.maintenance.api.ErrorCode;
import io.maintenance.api.Principal;
import io.maintenance.core.http.AdminRequest;
import io.maintenance.core.http.AdminResponse;
import io.maintenance.core.http.AdminRoutes;
import io.maintenance.spring.boot.MaintenancePrincipalMapper;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What the servlet and the reactive adapters share: the routes, who may call them, where they are mounted,
 * the body limit; the request as AdminRoutes takes it, and the early refusals.
 */
public record AdminExchange(AdminRoutes routes, MaintenancePrincipalMapper principals, String basePath, int maxBodyBytes) {

  /** The request under AdminRoutes' own base path; query parameters keep their first value. */
  AdminRequest request(String method, String path, Map<String, List<String>> params, byte[] body, Principal principal) {
    Map<String, String> query = new LinkedHashMap<>();
    params.forEach((k, v) -> {
      if (!v.isEmpty() && v.get(0) != null) {
        query.put(k, v.get(0));
      }
    });
    return new AdminRequest(method, AdminRoutes.BASE + path.substring(basePath.length()), query,
        new String(body, StandardCharsets.UTF_8), principal);
  }

  /** 413, with the stable code INVALID_REQUEST: nothing ran. */
  AdminResponse tooLarge() {
    return problem(413, ErrorCode.INVALID_REQUEST.code(), "Payload too large",
        "the request body is larger than maintenance.web.max-body-size (" + maxBodyBytes + " bytes)",
        ",\"details\":{\"maxBodyBytes\":\"" + maxBodyBytes + "\"}");
  }

  /** Only reached when the application's security lets anonymous requests through to the routes. */
  static AdminResponse unauthenticated() {
    return problem(401, "UNAUTHENTICATED", "Unauthenticated", "the maintenance routes need an authenticated user", "");
  }

  /** Problem details as AdminRoutes writes them, for the refusals that happen before a request reaches it. */
  private static AdminResponse problem(int status, String code, String title, String detail, String extra) {
    String body = "{\"type\":\"urn:maintenance:error:" + code + "\",\"title\":\"" + title + "\",\"status\":" + status
        + ",\"detail\":\"" + detail + "\",\"code\":\"" + code + "\",\"retryable\":false" + extra + "}";
    return new AdminResponse(status, AdminResponse.PROBLEM_JSON, body, Map.of());
  }
}
