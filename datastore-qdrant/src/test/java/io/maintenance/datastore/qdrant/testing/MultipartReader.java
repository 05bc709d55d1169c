package io.maintenance.datastore.qdrant.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Function;

/**
 * Streams the parts of a {@code multipart/form-data} body (RFC 7578) without buffering them: each part's
 * headers are parsed, and its body is copied to the sink the caller picks, up to the next boundary.
 */
final class MultipartReader {
  private final InputStream in;
  private final byte[] delimiter;
  private final byte[] buf = new byte[256 * 1024];
  private int start;
  private int end;

  /** A part's headers. */
  record Part(String name, Optional<String> fileName, String contentType) {}

  MultipartReader(InputStream in, String boundary) {
    this.in = in;
    this.delimiter = ("\r\n--" + boundary).getBytes(StandardCharsets.US_ASCII);
    // The first boundary has no CRLF before it; pretend it had one so every boundary looks alike.
    buf[0] = '\r';
    buf[1] = '\n';
    end = 2;
  }

  static Optional<String> boundary(String contentType) {
    if (contentType == null || !contentType.toLowerCase(Locale.ROOT).startsWith("multipart/form-data")) {
      return Optional.empty();
    }
    for (String p : contentType.split(";")) {
      String t = p.trim();
      if (t.toLowerCase(Locale.ROOT).startsWith("boundary=")) {
        String b = t.substring(9);
        return Optional.of(b.startsWith("\"") && b.endsWith("\"") && b.length() > 1 ? b.substring(1, b.length() - 1) : b);
      }
    }
    return Optional.empty();
  }

  /**
   * Reads every part; {@code sinkFor} gives the stream a part's body goes to (closed by the caller).
   *
   * @throws IOException if the body is not well-formed multipart
   */
  void readParts(Function<Part, OutputStream> sinkFor) throws IOException {
    if (!copyUntil(delimiter, OutputStream.nullOutputStream())) {
      throw new IOException("multipart body has no opening boundary");
    }
    while (true) {
      byte[] two = next(2);
      if (two[0] == '-' && two[1] == '-') {
        return;
      }
      if (two[0] != '\r' || two[1] != '\n') {
        throw new IOException("malformed boundary line");
      }
      ByteArrayOutputStream head = new ByteArrayOutputStream();
      if (!copyUntil("\r\n\r\n".getBytes(StandardCharsets.US_ASCII), head)) {
        throw new IOException("multipart part headers are not terminated");
      }
      Part part = parse(head.toString(StandardCharsets.UTF_8));
      OutputStream sink = sinkFor.apply(part);
      if (!copyUntil(delimiter, sink)) {
        throw new IOException("multipart body ended inside part '" + part.name() + "' (upload incomplete)");
      }
    }
  }

  private static Part parse(String headers) throws IOException {
    String name = null;
    String fileName = null;
    String type = "text/plain";
    for (String line : headers.split("\r\n")) {
      int colon = line.indexOf(':');
      if (colon < 0) {
        continue;
      }
      String key = line.substring(0, colon).trim().toLowerCase(Locale.ROOT);
      String value = line.substring(colon + 1).trim();
      if (key.equals("content-type")) {
        type = value;
      } else if (key.equals("content-disposition")) {
        for (String p : value.split(";")) {
          String t = p.trim();
          if (t.startsWith("name=")) {
            name = unquote(t.substring(5));
          } else if (t.startsWith("filename=")) {
            fileName = unquote(t.substring(9));
          }
        }
      }
    }
    if (name == null) {
      throw new IOException("multipart part without a name");
    }
    return new Part(name, Optional.ofNullable(fileName), type);
  }

  private static String unquote(String s) {
    return s.length() > 1 && s.startsWith("\"") && s.endsWith("\"") ? s.substring(1, s.length() - 1) : s;
  }

  private byte[] next(int n) throws IOException {
    while (end - start < n) {
      if (!fill()) {
        throw new IOException("multipart body ended early");
      }
    }
    byte[] out = new byte[n];
    System.arraycopy(buf, start, out, 0, n);
    start += n;
    return out;
  }

  /** Copies bytes up to {@code delim} (which is consumed); false if the stream ended first. */
  private boolean copyUntil(byte[] delim, OutputStream out) throws IOException {
    while (true) {
      int idx = indexOf(delim);
      if (idx >= 0) {
        out.write(buf, start, idx - start);
        start = idx + delim.length;
        return true;
      }
      int keep = Math.min(delim.length - 1, end - start);
      int flush = end - start - keep;
      out.write(buf, start, flush);
      start += flush;
      if (!fill()) {
        return false;
      }
    }
  }

  private boolean fill() throws IOException {
    if (start > 0) {
      System.arraycopy(buf, start, buf, 0, end - start);
      end -= start;
      start = 0;
    }
    int n = in.read(buf, end, buf.length - end);
    if (n < 0) {
      return false;
    }
    end += n;
    return true;
  }

  private int indexOf(byte[] delim) {
    byte first = delim[0];
    for (int i = start; i <= end - delim.length; i++) {
      if (buf[i] != first) {
        continue;
      }
      int j = 1;
      while (j < delim.length && buf[i + j] == delim[j]) {
        j++;
      }
      if (j == delim.length) {
        return i;
      }
    }
    return -1;
  }
}
