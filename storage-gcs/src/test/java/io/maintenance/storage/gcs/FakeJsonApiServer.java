package io.maintenance.storage.gcs;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.maintenance.storage.gcs.internal.Crc32c;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An in-JVM server for the parts of the Cloud Storage JSON API the provider uses, written from the
 * documented resumable-upload protocol (performing-resumable-uploads, data-validation): chunk
 * offsets are checked and overlapping bytes ignored, intermediate chunks persist in whole 256 KiB
 * units, a status query never changes a session, the final request's {@code x-goog-hash} CRC32C is
 * verified before the object is created (a mismatch answers 400 and keeps the session as it was),
 * cancel answers 499, and reads honour {@code generation}/{@code ifGenerationMatch}. Neither emulator
 * that installs here does all of this (see scripts/services/gcs.sh), so the tests of those rules
 * run against this server; it also injects faults a real server cannot be asked for (corruption in
 * transit, partial persistence, transient errors, rejected tokens).
 */
final class FakeJsonApiServer implements AutoCloseable {
  static final int UNIT = 256 * 1024;
  private static final Pattern RANGE = Pattern.compile("bytes (\\*|(\\d+)-(\\d+))/(\\*|\\d+)");

  record StoredObject(byte[] data, long generation, String contentType, Instant updated) {}

  private static final class Session {
    final String bucket;
    final String name;
    final String contentType;
    final ByteArrayOutputStream data = new ByteArrayOutputStream();
    StoredObject created;

    Session(String bucket, String name, String contentType) {
      this.bucket = bucket;
      this.name = name;
      this.contentType = contentType;
    }
  }

  private final HttpServer server;
  private final Set<String> buckets = ConcurrentHashMap.newKeySet();
  private final Map<String, StoredObject> objects = new ConcurrentHashMap<>();
  private final Map<String, Session> sessions = new ConcurrentHashMap<>();
  private final AtomicLong generations = new AtomicLong(1_700_000_000_000_000L);
  private final List<String> log = Collections.synchronizedList(new ArrayList<>());
  /** The query string and JSON body of every session-initiating request, in order. */
  final List<String> sessionRequests = Collections.synchronizedList(new ArrayList<>());

  // Fault injection: each counts down per matching request.
  final AtomicInteger corruptDataPuts = new AtomicInteger();
  final AtomicInteger failPuts = new AtomicInteger();
  /** Requests of any kind answered 503 before they are looked at. */
  final AtomicInteger failRequests = new AtomicInteger();
  final AtomicInteger persistHalfOfChunks = new AtomicInteger();
  /** Media responses that break off after half of their body (a dropped connection). */
  final AtomicInteger breakMediaResponses = new AtomicInteger();
  volatile boolean forbidWrites;
  volatile String requiredToken;

  FakeJsonApiServer(String... bucketNames) throws IOException {
    buckets.addAll(Arrays.asList(bucketNames));
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/", this::handle);
    server.start();
  }

  String endpoint() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  /** Requests seen, as {@code METHOD path-kind Content-Range}, for assertions about the wire. */
  List<String> log() {
    synchronized (log) {
      return List.copyOf(log);
    }
  }

  Optional<byte[]> object(String bucket, String name) {
    return Optional.ofNullable(objects.get(bucket + "/" + name)).map(StoredObject::data);
  }

  int openSessions() {
    return (int) sessions.values().stream().filter(s -> s.created == null).count();
  }

  /** Bytes a session holds (as the server would answer a status query). */
  long persisted(String sessionUri) {
    Session s = sessions.get(uploadId(sessionUri));
    return s == null ? -1 : s.data.size();
  }

  @Override
  public void close() {
    server.stop(0);
  }

  private void handle(HttpExchange x) throws IOException {
    try (x) {
      String path = x.getRequestURI().getRawPath();
      Map<String, String> query = query(x.getRequestURI().getRawQuery());
      String method = x.getRequestMethod();
      byte[] body = x.getRequestBody().readAllBytes();
      log.add(method + " " + (query.containsKey("upload_id") ? "session" : path + ("media".equals(query.get("alt")) ? "?alt=media" : "")) + " "
          + Optional.ofNullable(x.getRequestHeaders().getFirst("Content-Range")).orElse("-"));
      if (requiredToken != null && !("Bearer " + requiredToken).equals(x.getRequestHeaders().getFirst("Authorization"))) {
        error(x, 401, "Invalid Credentials");
        return;
      }
      if (failRequests.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
        error(x, 503, "Backend Error");
        return;
      }
      if (path.startsWith("/upload/storage/v1/b/")) {
        String bucket = decode(path.substring("/upload/storage/v1/b/".length()).split("/")[0]);
        if (method.equals("POST")) {
          sessionRequests.add(x.getRequestURI().getRawQuery() + " " + new String(body, java.nio.charset.StandardCharsets.UTF_8));
          startSession(x, bucket, query);
        } else if (method.equals("PUT")) {
          putSession(x, query.get("upload_id"), body);
        } else if (method.equals("DELETE")) {
          Session s = query.get("upload_id") == null ? null : sessions.remove(query.get("upload_id"));
          respond(x, s == null ? 404 : 499, "", Map.of());
        } else {
          error(x, 405, "method");
        }
        return;
      }
      if (path.startsWith("/storage/v1/b/")) {
        String[] parts = path.substring("/storage/v1/b/".length()).split("/", 3);
        String bucket = decode(parts[0]);
        if (!buckets.contains(bucket)) {
          error(x, 404, "The specified bucket does not exist.");
          return;
        }
        if (parts.length == 1) {
          respond(x, 200, "{\"kind\":\"storage#bucket\",\"name\":\"" + bucket + "\",\"id\":\"" + bucket
              + "\",\"location\":\"FAKE\"}", Map.of("Content-Type", "application/json"));
          return;
        }
        if (parts.length == 3 && parts[1].equals("o")) {
          object(x, method, bucket, decode(parts[2]), query);
          return;
        }
      }
      error(x, 404, "Not Found");
    } catch (RuntimeException e) {
      error(x, 500, e.toString());
    }
  }

  private void startSession(HttpExchange x, String bucket, Map<String, String> query) throws IOException {
    if (!buckets.contains(bucket)) {
      error(x, 404, "The specified bucket does not exist.");
      return;
    }
    if (forbidWrites) {
      error(x, 403, "caller does not have storage.objects.create access");
      return;
    }
    String id = UUID.randomUUID().toString();
    String contentType = Optional.ofNullable(x.getRequestHeaders().getFirst("X-Upload-Content-Type")).orElse("application/octet-stream");
    sessions.put(id, new Session(bucket, query.get("name"), contentType));
    respond(x, 200, "", Map.of("Location", endpoint() + "/upload/storage/v1/b/" + bucket + "/o?uploadType=resumable&name="
        + io.maintenance.storage.gcs.internal.JsonApi.encode(query.get("name")) + "&upload_id=" + id));
  }

  private void putSession(HttpExchange x, String id, byte[] body) throws IOException {
    Session s = id == null ? null : sessions.get(id);
    if (s == null) {
      error(x, 404, "No such upload session");
      return;
    }
    synchronized (s) {
      if (s.created != null) {
        respond(x, 200, json(s.bucket, s.name, s.created), Map.of("Content-Type", "application/json"));
        return;
      }
      if (body.length > 0 && failPuts.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
        error(x, 503, "Backend Error");
        return;
      }
      if (body.length > 0 && corruptDataPuts.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
        body = body.clone();
        body[body.length / 2] ^= 0x5a; // bit flips on the way
      }
      Matcher m = RANGE.matcher(Optional.ofNullable(x.getRequestHeaders().getFirst("Content-Range")).orElse(""));
      if (!m.matches()) {
        error(x, 400, "Failed to parse Content-Range header.");
        return;
      }
      long total = m.group(4).equals("*") ? -1 : Long.parseLong(m.group(4));
      long persisted = s.data.size();
      if (m.group(1).equals("*")) {
        if (body.length != 0) {
          error(x, 400, "Content-Range without a range must have no body");
          return;
        }
      } else {
        long start = Long.parseLong(m.group(2));
        long end = Long.parseLong(m.group(3));
        if (end - start + 1 != body.length) {
          error(x, 400, "Content-Range length does not match the body");
          return;
        }
        if (start > persisted) {
          error(x, 400, "Invalid request. According to the Content-Range header, the upload offset is " + start
              + " byte(s), which exceeds already uploaded size of " + persisted + " byte(s).");
          return;
        }
        int skip = (int) (persisted - start); // already-persisted bytes are ignored
        if (skip < body.length) {
          if (total < 0) {
            long keep = ((persisted + body.length - skip) / UNIT) * UNIT - persisted;
            if (persistHalfOfChunks.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
              keep = Math.max(0, ((persisted + (body.length - skip) / 2) / UNIT) * UNIT - persisted);
            }
            s.data.write(body, skip, (int) Math.max(0, keep));
          } else {
            byte[] candidate = Arrays.copyOfRange(body, skip, body.length);
            if (!finalizeWith(x, s, candidate, total)) {
              return;
            }
            return;
          }
        }
      }
      if (total >= 0 && s.data.size() == total) {
        finalizeWith(x, s, new byte[0], total);
        return;
      }
      Map<String, String> headers = s.data.size() > 0 ? Map.of("Range", "bytes=0-" + (s.data.size() - 1)) : Map.of();
      respond(x, 308, "", headers);
    }
  }

  /** Appends the last bytes, verifies size and x-goog-hash, and creates the object; returns false if rejected. */
  private boolean finalizeWith(HttpExchange x, Session s, byte[] last, long total) throws IOException {
    if (s.data.size() + last.length != total) {
      error(x, 400, "The total size " + total + " does not match the " + (s.data.size() + last.length) + " bytes received");
      return false;
    }
    ByteArrayOutputStream all = new ByteArrayOutputStream();
    all.write(s.data.toByteArray());
    all.write(last);
    byte[] data = all.toByteArray();
    String actual = Crc32c.base64(Crc32c.of(data, 0, data.length));
    String hash = x.getRequestHeaders().getFirst("x-goog-hash");
    if (hash != null && hash.startsWith("crc32c=") && !hash.substring(7).equals(actual)) {
      // The session keeps what it had before this request.
      error(x, 400, "Provided CRC32C \\\"" + hash.substring(7) + "\\\" doesn't match calculated CRC32C \\\"" + actual + "\\\".");
      return false;
    }
    StoredObject o = new StoredObject(data, generations.incrementAndGet(), s.contentType, Instant.now());
    objects.put(s.bucket + "/" + s.name, o);
    s.created = o;
    s.data.reset();
    s.data.write(data);
    respond(x, 200, json(s.bucket, s.name, o), Map.of("Content-Type", "application/json"));
    return true;
  }

  private void object(HttpExchange x, String method, String bucket, String name, Map<String, String> query) throws IOException {
    StoredObject o = objects.get(bucket + "/" + name);
    if (o == null || (query.containsKey("generation") && Long.parseLong(query.get("generation")) != o.generation())) {
      error(x, 404, "No such object: " + bucket + "/" + name);
      return;
    }
    if (query.containsKey("ifGenerationMatch") && Long.parseLong(query.get("ifGenerationMatch")) != o.generation()) {
      error(x, 412, "At least one of the pre-conditions you specified did not hold.");
      return;
    }
    if (method.equals("DELETE")) {
      objects.remove(bucket + "/" + name);
      respond(x, 204, "", Map.of());
      return;
    }
    if (!"media".equals(query.get("alt"))) {
      respond(x, 200, json(bucket, name, o), Map.of("Content-Type", "application/json"));
      return;
    }
    long from = 0;
    long to = o.data().length - 1;
    String range = x.getRequestHeaders().getFirst("Range");
    int status = 200;
    Map<String, String> headers = new HashMap<>();
    headers.put("x-goog-generation", Long.toString(o.generation()));
    if (range != null) {
      Matcher r = Pattern.compile("bytes=(\\d+)-(\\d*)").matcher(range);
      if (r.matches()) {
        from = Long.parseLong(r.group(1));
        if (!r.group(2).isEmpty()) {
          to = Math.min(to, Long.parseLong(r.group(2)));
        }
        if (from >= o.data().length) {
          respond(x, 416, "", headers);
          return;
        }
        status = 206;
        headers.put("Content-Range", "bytes " + from + "-" + to + "/" + o.data().length);
      }
    }
    x.getResponseHeaders().add("Content-Type", o.contentType());
    headers.forEach((k, v) -> x.getResponseHeaders().add(k, v));
    int length = (int) (to - from + 1);
    x.sendResponseHeaders(status, length == 0 ? -1 : length);
    if (length > 1 && breakMediaResponses.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
      OutputStream out = x.getResponseBody();
      out.write(o.data(), (int) from, length / 2);
      out.flush();
      x.close();
      return;
    }
    try (OutputStream out = x.getResponseBody()) {
      out.write(o.data(), (int) from, length);
    }
  }

  private static String json(String bucket, String name, StoredObject o) {
    return "{\"kind\":\"storage#object\",\"bucket\":\"" + bucket + "\",\"name\":\"" + name.replace("\"", "\\\"")
        + "\",\"id\":\"" + bucket + "/" + name + "/" + o.generation() + "\",\"generation\":\"" + o.generation()
        + "\",\"metageneration\":\"1\",\"size\":\"" + o.data().length + "\",\"contentType\":\"" + o.contentType()
        + "\",\"crc32c\":\"" + Crc32c.base64(Crc32c.of(o.data(), 0, o.data().length)) + "\",\"updated\":\"" + o.updated()
        + "\",\"timeCreated\":\"" + o.updated() + "\"}";
  }

  private static void error(HttpExchange x, int status, String message) throws IOException {
    respond(x, status, "{\"error\":{\"code\":" + status + ",\"message\":\"" + message + "\"}}",
        Map.of("Content-Type", "application/json"));
  }

  private static void respond(HttpExchange x, int status, String body, Map<String, String> headers) throws IOException {
    headers.forEach((k, v) -> x.getResponseHeaders().add(k, v));
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    x.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
    if (bytes.length > 0) {
      try (OutputStream out = x.getResponseBody()) {
        out.write(bytes);
      }
    }
  }

  private static Map<String, String> query(String raw) {
    Map<String, String> q = new LinkedHashMap<>();
    if (raw != null) {
      for (String p : raw.split("&")) {
        int i = p.indexOf('=');
        q.put(decode(i < 0 ? p : p.substring(0, i)), i < 0 ? "" : decode(p.substring(i + 1)));
      }
    }
    return q;
  }

  private static String uploadId(String sessionUri) {
    return query(java.net.URI.create(sessionUri).getRawQuery()).get("upload_id");
  }

  private static String decode(String s) {
    return URLDecoder.decode(s, StandardCharsets.UTF_8);
  }
}
