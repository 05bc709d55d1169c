package io.maintenance.core.internal.readiness;

import io.maintenance.api.ProbeResult;
import io.maintenance.api.ProbeStatus;
import io.maintenance.api.ReadinessReport;
import io.maintenance.core.internal.catalog.Db;
import io.maintenance.core.internal.catalog.SchemaInstaller;
import io.maintenance.spi.Datastore;
import io.maintenance.spi.StorageProvider;
import io.maintenance.spi.support.Probes;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Probes the catalog, the storage and every datastore in parallel, each with a time limit, and
 * aggregates them. Plugin probes are renamed {@code storage:<name>} and {@code datastore:<id>}.
 */
public final class Readiness implements AutoCloseable {
  private final Db db;
  private final SchemaInstaller schema;
  private final StorageProvider storage;
  private final Map<String, Datastore> datastores;
  private final Clock clock;
  private final Duration timeout;
  private final List<String> extraComponents;
  private final java.util.function.Supplier<List<ProbeResult>> extraChecks;
  private final ExecutorService pool = Executors.newCachedThreadPool(r -> {
    Thread t = new Thread(r, "maintenance-probe");
    t.setDaemon(true);
    return t;
  });

  /**
   * @param extraComponents what {@code extraChecks} reports on (schedules), read from the catalog;
   *     they are at worst DEGRADED: a late schedule is for operators, not a reason to stop serving
   */
  public Readiness(Db db, SchemaInstaller schema, StorageProvider storage, Map<String, Datastore> datastores, Clock clock,
      Duration timeout, List<String> extraComponents, java.util.function.Supplier<List<ProbeResult>> extraChecks) {
    this.extraComponents = List.copyOf(extraComponents);
    this.extraChecks = extraChecks;
    this.db = db;
    this.schema = schema;
    this.storage = storage;
    this.datastores = datastores;
    this.clock = clock;
    this.timeout = timeout;
  }

  /** The components every report names: {@code catalog}, {@code storage:<name>}, {@code datastore:<id>}. */
  public List<String> components() {
    List<String> names = new ArrayList<>();
    names.add("catalog");
    names.add("storage:" + storage.name());
    new java.util.TreeSet<>(datastores.keySet()).forEach(id -> names.add("datastore:" + id));
    names.addAll(extraComponents);
    return names;
  }

  public ReadinessReport check() {
    List<String> names = new ArrayList<>();
    List<Future<ProbeResult>> futures = new ArrayList<>();
    submit(names, futures, "catalog", this::catalog);
    submit(names, futures, "storage:" + storage.name(), () -> storage.probe().named("storage:" + storage.name()));
    datastores.forEach((id, ds) -> submit(names, futures, "datastore:" + id, () -> ds.probe().named("datastore:" + id)));
    Future<List<ProbeResult>> extras = extraComponents.isEmpty() ? null : pool.submit(extraChecks::get);
    List<ProbeResult> results = new ArrayList<>();
    long deadline = System.nanoTime() + timeout.toNanos();
    for (int i = 0; i < futures.size(); i++) {
      try {
        results.add(futures.get(i).get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS));
      } catch (TimeoutException e) {
        futures.get(i).cancel(true);
        results.add(ProbeResult.down(names.get(i), "PROBE_TIMEOUT", timeout, "no answer within " + timeout.toMillis() + " ms"));
      } catch (Exception e) {
        if (e instanceof InterruptedException) {
          Thread.currentThread().interrupt();
        }
        results.add(ProbeResult.down(names.get(i), "PROBE_FAILED", Duration.ZERO, e.toString()));
      }
    }
    if (extras != null) {
      try {
        results.addAll(extras.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS));
      } catch (Exception e) {
        if (e instanceof InterruptedException) {
          Thread.currentThread().interrupt();
        }
        extras.cancel(true);
        for (String c : extraComponents) {
          results.add(new ProbeResult(c, ProbeStatus.DEGRADED, "CHECK_FAILED", Duration.ZERO, "could not be read from the catalog: "
              + (e instanceof TimeoutException ? "no answer within " + timeout.toMillis() + " ms" : e.toString()), Map.of()));
        }
      }
    }
    return ReadinessReport.of(clock.instant(), results);
  }

  private void submit(List<String> names, List<Future<ProbeResult>> futures, String name, Callable<ProbeResult> probe) {
    names.add(name);
    futures.add(pool.submit(() -> {
      try {
        return probe.call();
      } catch (RuntimeException e) {
        return ProbeResult.down(name, "PROBE_FAILED", Duration.ZERO, e.toString());
      }
    }));
  }

  private ProbeResult catalog() {
    return Probes.run("catalog", "CATALOG_UNREACHABLE", () -> {
      String version = db.call(c -> Db.queryOne(c, "SHOW server_version", rs -> rs.getString(1)).orElse("?"));
      OptionalInt installed = schema.installedVersion();
      if (installed.isEmpty() || installed.getAsInt() < SchemaInstaller.CURRENT_VERSION) {
        throw new Probes.ProbeFailure("CATALOG_SCHEMA_OUTDATED", "catalog schema is at version "
            + (installed.isEmpty() ? "none" : installed.getAsInt()) + ", this engine needs " + SchemaInstaller.CURRENT_VERSION);
      }
      if (installed.getAsInt() > SchemaInstaller.CURRENT_VERSION) {
        throw new Probes.ProbeFailure("CATALOG_SCHEMA_NEWER", ProbeStatus.DEGRADED, "catalog schema version "
            + installed.getAsInt() + " is newer than this engine knows (" + SchemaInstaller.CURRENT_VERSION + ")", null);
      }
      return Map.of("postgresVersion", version, "schemaVersion", Integer.toString(installed.getAsInt()));
    });
  }

  @Override
  public void close() {
    pool.shutdownNow();
  }
}
