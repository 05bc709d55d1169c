package io.maintenance.spi.support;

import io.maintenance.api.ProbeResult;
import io.maintenance.api.ProbeStatus;
import java.time.Duration;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/** Runs a readiness check with timing and turns failures into structured codes. */
public final class Probes {
  /*
   * Codes every storage provider's probe reports (and puts as the "reason" detail of the exceptions it
   * throws), so hosts can tell a configuration problem from an outage whatever the storage. A contract:
   * never change their values.
   */
  /** The storage cannot be reached: connection refused or timed out, unknown host, directory missing. */
  public static final String STORAGE_UNREACHABLE = "STORAGE_UNREACHABLE";
  /** The storage refused the credentials (or none could be obtained). */
  public static final String STORAGE_AUTH_FAILED = "STORAGE_AUTH_FAILED";
  /** The configured bucket does not exist. */
  public static final String STORAGE_BUCKET_MISSING = "STORAGE_BUCKET_MISSING";
  /** The storage can be read but not written (permissions, read-only volume, full disk). */
  public static final String STORAGE_UNWRITABLE = "STORAGE_UNWRITABLE";

  private Probes() {}

  /** A check: returns facts (version, ...) when healthy, throws {@link ProbeFailure} with a code when not. */
  @FunctionalInterface
  public interface Check {
    Map<String, String> run() throws Exception;
  }

  /** A known failure with its structured code, e.g. {@code POSTGRES_AUTH_FAILED}. */
  public static final class ProbeFailure extends Exception {
    private static final long serialVersionUID = 1L;
    private final String code;
    private final ProbeStatus status;

    public ProbeFailure(String code, String detail) {
      this(code, ProbeStatus.DOWN, detail, null);
    }

    public ProbeFailure(String code, ProbeStatus status, String detail, @Nullable Throwable cause) {
      super(detail, cause);
      this.code = code;
      this.status = status;
    }

    public String code() {
      return code;
    }

    public ProbeStatus status() {
      return status;
    }
  }

  /**
   * @param unknownFailureCode the code for exceptions that are not a {@link ProbeFailure}
   */
  public static ProbeResult run(String component, String unknownFailureCode, Check check) {
    long start = System.nanoTime();
    try {
      Map<String, String> facts = check.run();
      return ProbeResult.up(component, Duration.ofNanos(System.nanoTime() - start), facts);
    } catch (ProbeFailure f) {
      return new ProbeResult(component, f.status(), f.code(), Duration.ofNanos(System.nanoTime() - start),
          String.valueOf(f.getMessage()), Map.of());
    } catch (Exception e) {
      if (e instanceof InterruptedException) {
        Thread.currentThread().interrupt();
      }
      return ProbeResult.down(component, unknownFailureCode, Duration.ofNanos(System.nanoTime() - start),
          e.getClass().getSimpleName() + ": " + e.getMessage());
    }
  }
}
