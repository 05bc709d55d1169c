package io.maintenance.storage.s3;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiPredicate;
import software.amazon.awssdk.core.SdkRequest;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.core.interceptor.SdkExecutionAttribute;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.ContentStreamProvider;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import software.amazon.awssdk.services.s3.model.UploadPartRequest;

/**
 * Records every request a client sends, and injects the faults a network can cause, in front of a real
 * server: a body byte flipped in transit (after the client computed the checksum it sends, so the server
 * sees a mismatch), or a download connection that breaks after some bytes.
 */
final class RecordingInterceptor implements ExecutionInterceptor {
  /** One HTTP attempt: the operation name and the headers that matter here. */
  record Sent(String operation, int partNumber, Optional<String> range, Optional<String> ifMatch) {}

  private final List<Sent> sent = new ArrayList<>();
  private final ConcurrentHashMap<String, AtomicInteger> corruptions = new ConcurrentHashMap<>();
  private volatile BiPredicate<String, Integer> corrupt = (op, part) -> false;
  private final AtomicInteger breakGetsLeft = new AtomicInteger();
  private volatile long breakAfterBytes;
  private volatile Runnable onBreak = () -> {};

  /**
   * Flips one byte of the bodies of UploadPart ({@code part} is its number) or PutObject ({@code part} 0)
   * requests the predicate selects.
   */
  RecordingInterceptor corruptWhen(BiPredicate<String, Integer> which) {
    this.corrupt = which;
    return this;
  }

  /** Breaks the next {@code times} GetObject responses after {@code bytes} bytes, running {@code onBreak} first. */
  RecordingInterceptor breakDownloads(int times, long bytes, Runnable onBreak) {
    this.breakAfterBytes = bytes;
    this.onBreak = onBreak;
    this.breakGetsLeft.set(times);
    return this;
  }

  synchronized List<Sent> sent() {
    return List.copyOf(sent);
  }

  synchronized List<Sent> sent(String operation) {
    return sent.stream().filter(s -> s.operation().equals(operation)).toList();
  }

  synchronized void clear() {
    sent.clear();
  }

  int corruptions(String operation) {
    return corruptions.getOrDefault(operation, new AtomicInteger()).get();
  }

  @Override
  public void beforeTransmission(Context.BeforeTransmission context, ExecutionAttributes attributes) {
    String op = attributes.getAttribute(SdkExecutionAttribute.OPERATION_NAME);
    Sent s = new Sent(op, partNumber(context.request()), context.httpRequest().firstMatchingHeader("Range"),
        context.httpRequest().firstMatchingHeader("If-Match"));
    synchronized (this) {
      sent.add(s);
    }
  }

  @Override
  public Optional<RequestBody> modifyHttpContent(Context.ModifyHttpRequest context, ExecutionAttributes attributes) {
    String op = attributes.getAttribute(SdkExecutionAttribute.OPERATION_NAME);
    Optional<RequestBody> body = context.requestBody();
    if (body.isEmpty() || !(op.equals("UploadPart") || op.equals("PutObject"))
        || !corrupt.test(op, partNumber(context.request()))) {
      return body;
    }
    corruptions.computeIfAbsent(op, k -> new AtomicInteger()).incrementAndGet();
    RequestBody original = body.get();
    ContentStreamProvider provider = original.contentStreamProvider();
    return Optional.of(RequestBody.fromContentProvider(() -> new FlipFirstByte(provider.newStream()),
        original.optionalContentLength().orElseThrow(), original.contentType()));
  }

  @Override
  public Optional<InputStream> modifyHttpResponseContent(Context.ModifyHttpResponse context, ExecutionAttributes attributes) {
    String op = attributes.getAttribute(SdkExecutionAttribute.OPERATION_NAME);
    Optional<InputStream> body = context.responseBody();
    if (!op.equals("GetObject") || body.isEmpty() || breakGetsLeft.getAndUpdate(n -> Math.max(0, n - 1)) == 0) {
      return body;
    }
    return Optional.of(new BreakAfter(body.get(), breakAfterBytes, onBreak));
  }

  private static int partNumber(SdkRequest request) {
    if (request instanceof UploadPartRequest p) {
      return p.partNumber();
    }
    return request instanceof PutObjectRequest ? 0 : -1;
  }

  private static final class FlipFirstByte extends FilterInputStream {
    private boolean flipped;

    FlipFirstByte(InputStream in) {
      super(in);
    }

    @Override
    public int read() throws IOException {
      int b = super.read();
      if (b >= 0 && !flipped) {
        flipped = true;
        return b ^ 0xff;
      }
      return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      int n = super.read(b, off, len);
      if (n > 0 && !flipped) {
        flipped = true;
        b[off] ^= (byte) 0xff;
      }
      return n;
    }
  }

  /** A connection that dies after some bytes, as a reset or a timed-out socket would. */
  private static final class BreakAfter extends FilterInputStream {
    private final Runnable onBreak;
    private long left;

    BreakAfter(InputStream in, long bytes, Runnable onBreak) {
      super(in);
      this.left = bytes;
      this.onBreak = onBreak;
    }

    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      int n = read(one, 0, 1);
      return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      if (left <= 0) {
        onBreak.run();
        throw new IOException("connection reset (injected by the test)");
      }
      int n = super.read(b, off, (int) Math.min(len, left));
      if (n > 0) {
        left -= n;
      }
      return n;
    }
  }
}
