package io.maintenance.examples;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.maintenance.api.Principal;
import io.maintenance.core.http.AdminRequest;
import io.maintenance.core.http.AdminResponse;
import io.maintenance.core.http.AdminRoutes;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Function;

/**
 * How a host wires the framework-neutral admin routes onto an HTTP server — here the JDK's own.
 * Authentication is the host's job: this one maps bearer tokens to principals; requests without a
 * known token run as a principal with no scopes and are refused by the routes.
 */
public final class AdminServer implements AutoCloseable {
  private static final int MAX_BODY = 1024 * 1024;

  private final HttpServer server;
  private final ExecutorService pool;

  private AdminServer(HttpServer server, ExecutorService pool) {
    this.server = server;
    this.pool = pool;
  }

  public static AdminServer start(AdminRoutes routes, InetSocketAddress address, Function<String, Optional<Principal>> tokens)
      throws IOException {
    HttpServer server = HttpServer.create(address, 0);
    ExecutorService pool = Executors.newFixedThreadPool(4);
    server.setExecutor(pool);
    server.createContext(AdminRoutes.BASE, exchange -> {
      try (exchange) {
        AdminResponse response = routes.handle(request(exchange, tokens));
        write(exchange, response);
      }
    });
    server.start();
    return new AdminServer(server, pool);
  }

  public int port() {
    return server.getAddress().getPort();
  }

  @Override
  public void close() {
    server.stop(0);
    pool.shutdownNow();
  }

  private static AdminRequest request(HttpExchange ex, Function<String, Optional<Principal>> tokens) throws IOException {
    String auth = ex.getRequestHeaders().getFirst("Authorization");
    Principal who = Optional.ofNullable(auth)
        .filter(a -> a.regionMatches(true, 0, "Bearer ", 0, 7))
        .flatMap(a -> tokens.apply(a.substring(7).trim()))
        .orElse(Principal.of("anonymous"));
    byte[] body;
    try (InputStream in = ex.getRequestBody()) {
      body = in.readNBytes(MAX_BODY + 1);
    }
    String text = body.length > MAX_BODY ? "{\"tooLarge\":true}" : new String(body, StandardCharsets.UTF_8);
    return new AdminRequest(ex.getRequestMethod(), ex.getRequestURI().getPath(), query(ex.getRequestURI().getRawQuery()), text, who);
  }

  private static Map<String, String> query(String raw) {
    Map<String, String> out = new LinkedHashMap<>();
    if (raw == null || raw.isEmpty()) {
      return out;
    }
    for (String pair : raw.split("&")) {
      int eq = pair.indexOf('=');
      String k = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
      String v = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
      out.putIfAbsent(k, v);
    }
    return out;
  }

  private static void write(HttpExchange ex, AdminResponse r) throws IOException {
    r.headers().forEach((k, v) -> ex.getResponseHeaders().add(k, v));
    byte[] bytes = r.bodyBytes();
    if (r.status() == 204 || bytes.length == 0) {
      ex.sendResponseHeaders(r.status(), -1);
      return;
    }
    ex.getResponseHeaders().add("Content-Type", r.contentType());
    ex.sendResponseHeaders(r.status(), bytes.length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(bytes);
    }
  }
}
