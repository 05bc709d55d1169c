package io.maintenance.core.internal.operations;

import io.maintenance.api.ErrorCode;
import io.maintenance.api.ErrorInfo;
import io.maintenance.api.MaintenanceException;
import io.maintenance.api.Operation;
import io.maintenance.core.internal.catalog.Leases;
import io.maintenance.core.internal.catalog.OperationCatalog;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs operations: in the caller's thread or on the engine's own threads, recording each one's outcome on
 * its lease (and so in the catalog) when it ends. Closing cancels what still runs in this process and waits
 * a little for it to stop, so a restarting host leaves no operation for recovery to settle.
 */
public final class Operations implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Operations.class);

  private final Leases leases;
  private final OperationCatalog catalog;
  private final Duration shutdownWait;
  private final ExecutorService pool = Executors.newCachedThreadPool(r -> {
    Thread t = new Thread(r, "maintenance-operation");
    t.setDaemon(true);
    return t;
  });

  public Operations(Leases leases, OperationCatalog catalog, Duration shutdownWait) {
    this.leases = leases;
    this.catalog = catalog;
    this.shutdownWait = shutdownWait;
  }

  /** Runs the job here; its outcome is recorded when its lease closes. */
  public <T> T run(Job<T> job) {
    Leases.Lease lease = job.lease();
    try (lease) {
      try {
        T result = job.body().get();
        lease.succeeded();
        return result;
      } catch (MaintenanceException e) {
        lease.failed(e);
        throw e;
      } catch (RuntimeException | Error e) {
        lease.failed(new ErrorInfo(ErrorCode.INTERNAL_ERROR.name(), "unexpected failure: " + e));
        throw e;
      }
    }
  }

  /** Runs the job on the engine's threads and returns its operation as the catalog has it now. */
  public <T> Operation submit(Job<T> job) {
    return submit(job, r -> {});
  }

  /** Same, with {@code done} called with the result (or null after a failure) when it ends. */
  public <T> Operation submit(Job<T> job, Consumer<T> done) {
    try {
      pool.execute(() -> {
        T result = null;
        try {
          result = run(job);
        } catch (MaintenanceException e) {
          LOG.debug("Operation {} failed: {}", job.lease().id(), e.toString());
        } catch (RuntimeException e) {
          LOG.error("Operation {} failed unexpectedly", job.lease().id(), e);
        } finally {
          try {
            done.accept(result);
          } catch (RuntimeException e) {
            LOG.warn("After operation {}: {}", job.lease().id(), e.toString());
          }
        }
      });
    } catch (RejectedExecutionException e) {
      MaintenanceException refused = new MaintenanceException(ErrorCode.DEPENDENCY_UNAVAILABLE,
          "the engine is shutting down; nothing was started");
      job.lease().failed(refused);
      job.lease().close();
      throw refused;
    }
    return catalog.find(job.lease().id()).orElseThrow(() -> new MaintenanceException(ErrorCode.INTERNAL_ERROR,
        "operation " + job.lease().id() + " is missing from the catalog"));
  }

  @Override
  public void close() {
    pool.shutdown();
    for (Leases.Lease l : leases.held()) {
      l.cancel("the engine shutting down");
    }
    try {
      if (!pool.awaitTermination(shutdownWait.toMillis(), TimeUnit.MILLISECONDS)) {
        LOG.warn("Operations still running after {} ms of shutdown; their leases expire and recovery settles them",
            shutdownWait.toMillis());
        pool.shutdownNow();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      pool.shutdownNow();
    }
  }
}
