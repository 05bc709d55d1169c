package io.maintenance.spring.boot.internal;

import io.maintenance.api.ErrorCode;
import io.maintenance.api.MaintenanceException;
import io.maintenance.api.Principal;
import io.maintenance.core.http.AdminRequest;
import io.maintenance.core.http.AdminResponse;
import io.maintenance.core.http.AdminRoutes;
import io.maintenance.spring.boot.MaintenancePrincipalMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.springframework.http.MediaType;
import org.springframework.web.servlet.function.RequestPredicates;
import org.springframework.web.servlet.function.RouterFunction;
import org.springframework.web.servlet.function.RouterFunctions;
import org.springframework.web.servlet.function.ServerRequest;
import org.springframework.web.servlet.function.ServerResponse;

/**
 * Mounts the framework-neutral {@link AdminRoutes} on Spring MVC under a base path: the authenticated user
 * becomes a maintenance {@link Principal} through the {@link MaintenancePrincipalMapper}, and the response
 * (JSON or problem+json with the stable code) is written back as it is.
 */
public final class ServletAdminHandler {
  private final AdminRoutes routes;
  private final MaintenancePrincipalMapper principals;
  private final String basePath;
  private final int maxBodyBytes;

  public ServletAdminHandler(AdminRoutes routes, MaintenancePrincipalMapper principals, String basePath, int maxBodyBytes) {
    this.routes = routes;
    this.principals = principals;
    this.basePath = basePath;
    this.maxBodyBytes = maxBodyBytes;
  }

  public RouterFunction<ServerResponse> router() {
    return RouterFunctions.route(RequestPredicates.path(basePath).or(RequestPredicates.path(basePath + "/**")), this::handle);
  }

  ServerResponse handle(ServerRequest request) throws IOException {
    Optional<Principal> principal = request.principal().flatMap(principals::map);
    if (principal.isEmpty()) {
      // Only reached when the application's security lets anonymous requests through to this path.
      return write(unauthenticated());
    }
    byte[] body = request.servletRequest().getInputStream().readNBytes(maxBodyBytes + 1);
    if (body.length > maxBodyBytes) {
      return write(AdminRoutes.problem(new MaintenanceException(ErrorCode.INVALID_REQUEST,
          "the request body is larger than maintenance.web.max-body-size (" + maxBodyBytes + " bytes)",
          Map.of("maxBodyBytes", Integer.toString(maxBodyBytes)))));
    }
    Map<String, String> query = new LinkedHashMap<>();
    request.params().forEach((k, v) -> {
      if (!v.isEmpty() && v.get(0) != null) {
        query.put(k, v.get(0));
      }
    });
    String path = AdminRoutes.BASE + request.path().substring(basePath.length());
    return write(routes.handle(new AdminRequest(request.method().name(), path, query,
        new String(body, StandardCharsets.UTF_8), principal.get())));
  }

  private static ServerResponse write(AdminResponse r) {
    ServerResponse.BodyBuilder out = ServerResponse.status(r.status());
    r.headers().forEach((name, value) -> out.header(name, value));
    if (r.body().isEmpty()) {
      return out.build();
    }
    return out.contentType(MediaType.parseMediaType(r.contentType())).body(r.body());
  }

  private static AdminResponse unauthenticated() {
    String body = "{\"type\":\"urn:maintenance:error:UNAUTHENTICATED\",\"title\":\"Unauthenticated\",\"status\":401,"
        + "\"detail\":\"the maintenance routes need an authenticated user\",\"code\":\"UNAUTHENTICATED\",\"retryable\":false}";
    return new AdminResponse(401, AdminResponse.PROBLEM_JSON, body, Map.of());
  }
}
