package io.maintenance.spring.boot.internal;

import io.maintenance.core.http.AdminResponse;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferLimitException;
import org.springframework.core.io.buffer.DataBufferUtils;
import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.BodyExtractors;
import org.springframework.web.reactive.function.server.RequestPredicates;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * The admin routes on Spring WebFlux. The engine blocks (a backup runs in the calling thread), so each call
 * runs on Reactor's bounded elastic scheduler, never on an event-loop thread.
 */
public final class ReactiveAdminHandler {
  private final AdminExchange exchange;

  public ReactiveAdminHandler(AdminExchange exchange) {
    this.exchange = exchange;
  }

  public RouterFunction<ServerResponse> router() {
    String base = exchange.basePath();
    return RouterFunctions.route(RequestPredicates.path(base).or(RequestPredicates.path(base + "/**")), this::handle);
  }

  Mono<ServerResponse> handle(ServerRequest request) {
    return request.principal()
        .flatMap(user -> Mono.justOrEmpty(exchange.principals().map(user)))
        .flatMap(principal -> DataBufferUtils.join(request.body(BodyExtractors.toDataBuffers()), exchange.maxBodyBytes())
            .map(ReactiveAdminHandler::bytes)
            .defaultIfEmpty(new byte[0])
            .flatMap(body -> Mono.fromCallable(() -> exchange.routes().handle(exchange.request(request.method().name(),
                request.path(), request.queryParams(), body, principal))).subscribeOn(Schedulers.boundedElastic()))
            .onErrorResume(DataBufferLimitException.class, e -> Mono.just(exchange.tooLarge())))
        .switchIfEmpty(Mono.fromSupplier(AdminExchange::unauthenticated))
        .flatMap(ReactiveAdminHandler::write);
  }

  private static byte[] bytes(DataBuffer buffer) {
    try {
      byte[] out = new byte[buffer.readableByteCount()];
      buffer.read(out);
      return out;
    } finally {
      DataBufferUtils.release(buffer);
    }
  }

  private static Mono<ServerResponse> write(AdminResponse r) {
    ServerResponse.BodyBuilder out = ServerResponse.status(r.status());
    r.headers().forEach((name, value) -> out.header(name, value));
    if (r.body().isEmpty()) {
      return out.build();
    }
    return out.contentType(MediaType.parseMediaType(r.contentType())).bodyValue(r.body());
  }
}
