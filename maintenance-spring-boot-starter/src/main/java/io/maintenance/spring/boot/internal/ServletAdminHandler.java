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
  private final AdminExchange exchange;

  public ServletAdminHandler(AdminExchange exchange) {
    this.exchange = exchange;
  }

  public RouterFunction<ServerResponse> router() {
    String base = exchange.basePath();
    return RouterFunctions.route(RequestPredicates.path(base).or(RequestPredicates.path(base + "/**")), this::handle);
  }

  ServerResponse handle(ServerRequest request) throws IOException {
    Optional<Principal> principal = request.principal().flatMap(exchange.principals()::map);
    if (principal.isEmpty()) {
      return write(AdminExchange.unauthenticated());
    }
    byte[] body = request.servletRequest().getInputStream().readNBytes(exchange.maxBodyBytes() + 1);
    if (body.length > exchange.maxBodyBytes()) {
      return write(exchange.tooLarge());
    }
    return write(exchange.routes().handle(exchange.request(request.method().name(), request.path(), request.params(), body,
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
