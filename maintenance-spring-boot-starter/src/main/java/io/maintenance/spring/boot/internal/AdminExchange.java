package io.maintenance.spring.boot.internal;

import io.maintenance.api.ErrorCode;
import io.maintenance.api.MaintenanceException;
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

  /** 413 {@code PAYLOAD_TOO_LARGE}: nothing ran. */
  AdminResponse tooLarge() {
    return AdminRoutes.problem(new MaintenanceException(ErrorCode.PAYLOAD_TOO_LARGE,
        "the request body is larger than maintenance.web.max-body-size (" + maxBodyBytes + " bytes)",
        Map.of("maxBodyBytes", Integer.toString(maxBodyBytes))));
  }

  /** Only reached when the application's security lets anonymous requests through to the routes: 401 with a challenge. */
  static AdminResponse unauthenticated() {
    return AdminRoutes.problem(new MaintenanceException(ErrorCode.UNAUTHENTICATED,
        "the maintenance routes need an authenticated user"));
  }
}
