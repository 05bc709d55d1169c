package io.maintenance.core.internal;

import io.maintenance.api.ErrorCode;
import io.maintenance.api.MaintenanceException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;

/** Turns whatever a plugin or the JDK throws into a {@link MaintenanceException} with a code. */
public final class Guard {
  private Guard() {}

  /** A step that may throw anything. */
  @FunctionalInterface
  public interface Step<T> {
    T run() throws Exception;
  }

  /**
   * Runs a step; MaintenanceExceptions pass through, anything else becomes {@code fallback} with
   * {@code what} and the cause's message.
   */
  public static <T> T run(ErrorCode fallback, String what, Step<T> step) {
    try {
      return step.run();
    } catch (MaintenanceException e) {
      throw e;
    } catch (UncheckedIOException e) {
      throw wrap(fallback, what, e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new MaintenanceException(ErrorCode.INTERNAL_ERROR, what + ": interrupted", e);
    } catch (Exception e) {
      throw wrap(fallback, what, e);
    }
  }

  public static MaintenanceException wrap(ErrorCode code, String what, Throwable e) {
    if (e instanceof MaintenanceException me) {
      return me;
    }
    String msg = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    return new MaintenanceException(code, what + ": " + msg, Map.of(), e);
  }

  /** Same as {@link #wrap} for plain I/O failures. */
  public static MaintenanceException io(ErrorCode code, String what, IOException e) {
    return wrap(code, what, e);
  }
}
