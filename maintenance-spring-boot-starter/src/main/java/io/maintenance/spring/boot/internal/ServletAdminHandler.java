package io.maintenance.spring.boot.internal;

import io.maintenance.api.Principal;
import io.maintenance.core.http.AdminResponse;
import io.maintenance.core.http.AdminRoutes;
import io.maintenance.spring.boot.MaintenancePrincipalMapper;
import java.io.IOException;
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
      return write(AdminExchange.unauthenticated());
    }
    byte[] body = request.servletRequest().getInputStream().readNBytes(maxBodyBytes + 1);
    if (body.length > maxBodyBytes) {
      return write(AdminExchange.tooLarge(maxBodyBytes));
    }
    return write(routes.handle(AdminExchange.request(request.method().name(), basePath, request.path(), request.params(), body,
        principal.get())));
  }

  private static ServerResponse write(AdminResponse r) {
    ServerResponse.BodyBuilder out = ServerResponse.status(r.status());
    r.headers().forEach((name, value) -> out.header(name, value));
    if (r.body().isEmpty()) {
      return out.build();
    }
    return out.contentType(MediaType.parseMediaType(r.contentType())).body(r.body());
  }
}
