package io.maintenance.spring.boot.internal;

import io.maintenance.api.ErrorCode;
import io.maintenance.api.MaintenanceException;
import io.maintenance.api.Principal;
import io.maintenance.core.http.AdminResponse;
import io.maintenance.core.http.AdminRoutes;
import io.maintenance.spring.boot.MaintenancePrincipalMapper;
import java.util.Map;
import java.util.Optional;

/**
 * What the servlet and the reactive adapters share: the routes, who may call them, where they are mounted,
 * the body limit; the request as AdminRoutes takes it, and the early refusals.
 */
public record AdminExchange(AdminRoutes routes, MaintenancePrincipalMapper principals, String basePath, int maxBodyBytes) {

  /**
   * Hands a request to the routes under their own base path. The query is the raw one from the URI, decoded
   * strictly by the routes (a repeated or unknown parameter is refused there): form parameters a framework
   * folds into its parameter map are not query parameters.
   */
  AdminResponse handle(String method, String path, String rawQuery, byte[] body, Principal principal) {
    AdminResponse r = routes.handle(method, AdminRoutes.BASE + path.substring(basePath.length()), rawQuery, Optional.of(principal),
        max -> body);
    // A 202's Location names the operation under the routes' own base path: point it at where they are mounted here.
    String location = r.headers().get("Location");
    if (location == null || !location.startsWith(AdminRoutes.BASE + "/")) {
      return r;
    }
    Map<String, String> headers = new java.util.LinkedHashMap<>(r.headers());
    headers.put("Location", basePath + location.substring(AdminRoutes.BASE.length()));
    return new AdminResponse(r.status(), r.contentType(), r.body(), headers);
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
