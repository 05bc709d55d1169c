package io.maintenance.examples;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.maintenance.api.Principal;
import io.maintenance.core.http.AdminResponse;
import io.maintenance.core.http.AdminRoutes;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Function;

/**
 * How a host wires the framework-neutral admin routes onto an HTTP server — here the JDK's own.
 * Authentication is the host's job: this one maps bearer tokens to principals. A request without a
 * known token gets 401 with a challenge (counted in a metric, not audited); the routes check the route,
 * method and scope before the body is read, and read at most {@link AdminRoutes#MAX_BODY_BYTES} + 1 bytes
 * of it (413 above).
 */
public final class AdminServer implements AutoCloseable {
  /** Refused bodies up to this size are read to their end before answering. */
  private static final long DRAIN_LIMIT = 4L * AdminRoutes.MAX_BODY_BYTES;

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
        AdminResponse response = routes.handle(exchange.getRequestMethod(), exchange.getRequestURI().getPath(),
            exchange.getRequestURI().getRawQuery(), authenticate(exchange, tokens), max -> read(exchange, max));
        drain(exchange);
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

  private static Optional<Principal> authenticate(HttpExchange ex, Function<String, Optional<Principal>> tokens) {
    String auth = ex.getRequestHeaders().getFirst("Authorization");
    return Optional.ofNullable(auth)
        .filter(a -> a.regionMatches(true, 0, "Bearer ", 0, 7))
        .map(a -> a.substring(7).trim())
        .filter(t -> !t.isEmpty())
        .flatMap(tokens);
  }

  /** Reads at most {@code max} bytes; a declared length above it is refused without reading. */
  private static byte[] read(HttpExchange ex, int max) throws IOException {
    String declared = ex.getRequestHeaders().getFirst("Content-Length");
    if (declared != null) {
      try {
        if (Long.parseLong(declared.trim()) > max) {
          return new byte[max];
        }
      } catch (NumberFormatException e) {
        throw new IOException("Content-Length is not a number");
      }
    }
    try (InputStream in = ex.getRequestBody()) {
      return in.readNBytes(max);
    }
  }

  /**
   * Reads (and drops) what is left of a refused body, up to a bound, so the client receives the answer
   * instead of a reset connection; a larger body is not read at all (the connection is closed on it).
   */
  private static void drain(HttpExchange ex) {
    String declared = ex.getRequestHeaders().getFirst("Content-Length");
    try {
      if (declared != null && Long.parseLong(declared.trim()) > DRAIN_LIMIT) {
        return;
      }
      try (InputStream in = ex.getRequestBody()) {
        byte[] buf = new byte[64 * 1024];
        long left = DRAIN_LIMIT;
        int n;
        while (left > 0 && (n = in.read(buf, 0, (int) Math.min(buf.length, left))) > 0) {
          left -= n;
        }
      }
    } catch (IOException | NumberFormatException e) {
      // the client went away or sent garbage: the answer is written or the connection closed anyway
    }
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
