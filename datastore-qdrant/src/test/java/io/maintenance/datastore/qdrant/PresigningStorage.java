package io.maintenance.datastore.qdrant;

import com.sun.net.httpserver.HttpServer;
import io.maintenance.api.ArtifactInfo;
import io.maintenance.spi.ArtifactSource;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * An artifact source that can presign: it serves the stored artifacts over HTTP on loopback, as object
 * storage serves a presigned URL, so Qdrant fetches snapshots itself. An optional {@code alter} changes
 * the bytes it serves, as a storage fault would.
 */
final class PresigningStorage implements ArtifactSource, AutoCloseable {
  private final ArtifactSource stored;
  private final HttpServer http;
  private final List<String> served = new CopyOnWriteArrayList<>();
  private final String host;

  PresigningStorage(ArtifactSource stored, Consumer<byte[]> alter) throws IOException {
    this(stored, alter, "127.0.0.1", 0);
  }

  /** Serves on {@code port} (0: any free one) and presigns URLs naming {@code host}, the server's way to this machine. */
  PresigningStorage(ArtifactSource stored, Consumer<byte[]> alter, String host, int port) throws IOException {
    this.stored = stored;
    this.host = host;
    this.http = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 0);
    http.createContext("/", ex -> {
      String name = ex.getRequestURI().getPath().substring(1);
      try (ex; InputStream in = stored.openRaw(name)) {
        byte[] bytes = in.readAllBytes();
        if (alter != null) {
          alter.accept(bytes);
        }
        served.add(name);
        ex.sendResponseHeaders(200, bytes.length);
        ex.getResponseBody().write(bytes);
      }
    });
    http.start();
  }

  List<String> served() {
    return served;
  }

  @Override
  public List<ArtifactInfo> list() {
    return stored.list();
  }

  @Override
  public InputStream open(String name) throws IOException {
    return stored.open(name);
  }

  @Override
  public InputStream openRaw(String name) throws IOException {
    return stored.openRaw(name);
  }

  @Override
  public Optional<URI> presign(String name, Duration ttl) {
    return Optional.of(URI.create("http://" + host + ":" + http.getAddress().getPort() + "/" + name));
  }

  @Override
  public void close() {
    http.stop(0);
  }
}
