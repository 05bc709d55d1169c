package io.maintenance.datastore.qdrant.internal;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.http.HttpRequest;
import java.nio.ByteBuffer;
import java.util.concurrent.Flow;
import java.util.function.Supplier;

/**
 * A request body read from a stream in large buffers (the JDK's {@code ofInputStream} hands out 16 KiB
 * at a time), so a multi-gigabyte upload costs few writes. At most one buffer is in memory per demanded
 * item; the HTTP client asks for one at a time. The stream is opened on subscription and closed at its
 * end, on error and on cancel.
 */
final class StreamPublisher implements HttpRequest.BodyPublisher {
  private static final int BUFFER = 256 * 1024;

  private final Supplier<InputStream> source;
  private final long length;

  StreamPublisher(Supplier<InputStream> source, long length) {
    this.source = source;
    this.length = length;
  }

  @Override
  public long contentLength() {
    return length;
  }

  @Override
  public void subscribe(Flow.Subscriber<? super ByteBuffer> subscriber) {
    subscriber.onSubscribe(new Subscription(subscriber));
  }

  private final class Subscription implements Flow.Subscription {
    private final Flow.Subscriber<? super ByteBuffer> subscriber;
    private InputStream in;
    private long demand;
    private boolean emitting;
    private volatile boolean done;

    Subscription(Flow.Subscriber<? super ByteBuffer> subscriber) {
      this.subscriber = subscriber;
    }

    @Override
    public void request(long n) {
      synchronized (this) {
        if (n <= 0) {
          finish();
          subscriber.onError(new IllegalArgumentException("non-positive demand " + n));
          return;
        }
        demand = demand + n < 0 ? Long.MAX_VALUE : demand + n;
        if (emitting) {
          return; // re-entrant call from onNext: the loop below serves it
        }
        emitting = true;
      }
      try {
        while (true) {
          synchronized (this) {
            if (done || demand == 0) {
              emitting = false;
              return;
            }
            demand--;
          }
          ByteBuffer next = read();
          if (next == null) {
            finish();
            subscriber.onComplete();
            return;
          }
          subscriber.onNext(next);
        }
      } catch (IOException | RuntimeException e) {
        finish();
        subscriber.onError(e instanceof UncheckedIOException u ? u.getCause() : e);
      }
    }

    private ByteBuffer read() throws IOException {
      if (in == null) {
        in = source.get();
      }
      byte[] buf = new byte[BUFFER];
      int filled = 0;
      while (filled < BUFFER) {
        int r = in.read(buf, filled, BUFFER - filled);
        if (r < 0) {
          break;
        }
        filled += r;
      }
      return filled == 0 ? null : ByteBuffer.wrap(buf, 0, filled);
    }

    @Override
    public void cancel() {
      finish();
    }

    private void finish() {
      done = true;
      synchronized (this) {
        emitting = false;
      }
      if (in != null) {
        try {
          in.close();
        } catch (IOException | RuntimeException e) {
          // closing an abandoned body; the request already failed or completed
        }
      }
    }
  }
}
