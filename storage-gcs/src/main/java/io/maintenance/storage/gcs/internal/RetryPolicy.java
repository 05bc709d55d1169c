package io.maintenance.storage.gcs.internal;

import com.google.api.client.http.HttpBackOffIOExceptionHandler;
import com.google.api.client.http.HttpBackOffUnsuccessfulResponseHandler;
import com.google.api.client.http.HttpIOExceptionHandler;
import com.google.api.client.http.HttpRequest;
import com.google.api.client.http.HttpUnsuccessfulResponseHandler;
import com.google.api.client.util.BackOff;
import com.google.api.client.util.BackOffUtils;
import com.google.api.client.util.ExponentialBackOff;
import com.google.api.client.util.Sleeper;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.time.Duration;
import java.util.function.Consumer;

/**
 * The one retry policy of the JSON API requests the provider sends itself, made of the transport's own
 * handlers: an {@link HttpBackOffUnsuccessfulResponseHandler} for transient statuses (408, 429, 5xx but
 * 501) and an {@link HttpBackOffIOExceptionHandler} for broken connections, chained after the handler the
 * credentials installed (which refreshes a rejected token). Both draw on one {@link ExponentialBackOff}
 * per call (first pause {@code retry-delay}, doubled each time with jitter, at most 30 s), so a call makes
 * at most {@code max-attempts} attempts whatever requests it sends, and never outlives
 * {@code request-timeout}: there is no retry when the pause before it would reach the deadline, and every
 * attempt's connect and read timeouts are cut to what is left of it.
 */
public final class RetryPolicy {
  private static final long MAX_DELAY_MILLIS = 30_000;

  private final int maxAttempts;
  private final int firstDelayMillis;
  private final Duration timeout;

  /**
   * @param maxAttempts attempts per call, the first included
   * @param firstDelay the first pause, doubled for each further one
   * @param timeout the longest one call may take, its retries included
   */
  public RetryPolicy(int maxAttempts, Duration firstDelay, Duration timeout) {
    this.maxAttempts = Math.max(1, maxAttempts);
    // ExponentialBackOff needs a positive first interval; a zero delay means "retry at once".
    this.firstDelayMillis = (int) Math.max(1, Math.min(MAX_DELAY_MILLIS, firstDelay.toMillis()));
    this.timeout = timeout;
  }

  public int maxAttempts() {
    return maxAttempts;
  }

  /** Starts a call: its deadline runs from now, its attempts are counted across every request it sends. */
  public Call start() {
    return new Call(System.nanoTime() + timeout.toNanos());
  }

  /** Statuses worth another attempt: timeouts, throttling and server errors (501 means "not implemented"). */
  public static boolean retryable(int status) {
    return status == 408 || status == 429 || (status >= 500 && status != 501);
  }

  /** One logical call (an upload chunk, a session start, a read): its deadline and its attempt budget. */
  public final class Call {
    private final long deadline;
    private final Budget budget = new Budget();
    private final HttpBackOffUnsuccessfulResponseHandler onStatus =
        new HttpBackOffUnsuccessfulResponseHandler(budget).setBackOffRequired(r -> retryable(r.getStatusCode()));
    private final HttpBackOffIOExceptionHandler onBrokenConnection = new HttpBackOffIOExceptionHandler(budget);

    private Call(long deadline) {
      this.deadline = deadline;
    }

    /** Applies the policy to a request of this call; it is retried as it is. */
    public HttpRequest apply(HttpRequest request) {
      return apply(request, r -> {});
    }

    /**
     * Applies the policy to a request of this call. Error statuses are answered, not thrown, once the
     * attempts are spent; redirects are not followed (308 means "resume incomplete" to the upload protocol).
     *
     * @param beforeRetry changes the request before it is sent again (a resumable upload turns a failed
     *     data request into a status query, since the server may have kept part of it)
     */
    public HttpRequest apply(HttpRequest request, Consumer<HttpRequest> beforeRetry) {
      limitTimeouts(request);
      request.setThrowExceptionOnExecuteError(false);
      request.setFollowRedirects(false);
      request.setNumberOfRetries(maxAttempts); // the budget is the real bound; this only lets it act
      HttpUnsuccessfulResponseHandler credentials = request.getUnsuccessfulResponseHandler();
      request.setUnsuccessfulResponseHandler((r, response, supportsRetry) -> {
        if (credentials != null && credentials.handleResponse(r, response, supportsRetry)) {
          limitTimeouts(r); // a refreshed token: the same request again
          return true;
        }
        return retrying(onStatus.handleResponse(r, response, supportsRetry), r, beforeRetry);
      });
      HttpIOExceptionHandler io = (r, supportsRetry) -> retrying(onBrokenConnection.handleIOException(r, supportsRetry), r, beforeRetry);
      request.setIOExceptionHandler(io);
      return request;
    }

    /**
     * Waits before an attempt the caller decides on itself (a checksum the server rejected); false when
     * the attempts or the time of the call are spent.
     */
    public boolean pause() throws IOException {
      try {
        return BackOffUtils.next(Sleeper.DEFAULT, budget);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new InterruptedIOException("interrupted while waiting to retry a Cloud Storage request");
      }
    }

    /** The server kept more of an upload: the attempts start again (the deadline stays). */
    public void progressed() {
      budget.reset();
    }

    private boolean retrying(boolean retry, HttpRequest request, Consumer<HttpRequest> beforeRetry) {
      if (retry) {
        limitTimeouts(request);
        beforeRetry.accept(request);
      }
      return retry;
    }

    private long millisLeft() {
      return (deadline - System.nanoTime()) / 1_000_000;
    }

    /** No single attempt may outlive the call's deadline. */
    private void limitTimeouts(HttpRequest request) {
      int left = (int) Math.max(1, Math.min(Integer.MAX_VALUE, millisLeft()));
      request.setConnectTimeout(Math.min(request.getConnectTimeout(), left));
      request.setReadTimeout(Math.min(request.getReadTimeout(), left));
    }

    /** The transport's exponential backoff, ended by the attempt budget or the deadline, whichever comes first. */
    private final class Budget implements BackOff {
      private final ExponentialBackOff delays = new ExponentialBackOff.Builder()
          .setInitialIntervalMillis(firstDelayMillis)
          .setMultiplier(2)
          .setRandomizationFactor(0.2)
          .setMaxIntervalMillis((int) MAX_DELAY_MILLIS)
          .setMaxElapsedTimeMillis(Integer.MAX_VALUE) // the call's deadline bounds it instead
          .build();
      private int retries;

      @Override
      public void reset() {
        delays.reset();
        retries = 0;
      }

      @Override
      public long nextBackOffMillis() throws IOException {
        if (++retries >= maxAttempts) {
          return STOP;
        }
        long delay = delays.nextBackOffMillis();
        // A pause that ends at the deadline would leave the next attempt no time: report the failure now.
        return delay < millisLeft() ? delay : STOP;
      }
    }
  }
}
