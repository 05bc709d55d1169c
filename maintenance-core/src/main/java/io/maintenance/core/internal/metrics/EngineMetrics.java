package io.maintenance.core.internal.metrics;

import io.maintenance.api.BackupStatus;
import io.maintenance.api.MeterSample;
import io.maintenance.api.MetricsSummary;
import io.maintenance.api.ProbeStatus;
import io.maintenance.api.ReadinessReport;
import io.maintenance.api.RestoreStatus;
import io.maintenance.api.ScheduleStatus;
import io.maintenance.core.internal.catalog.BackupCatalog;
import io.maintenance.core.internal.catalog.RestoreCatalog;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

/**
 * The engine's meters, under their contract names (as they appear in the Prometheus text):
 * {@code maintenance_backup_total}, {@code maintenance_restore_total}, {@code maintenance_task_total},
 * {@code maintenance_restore_approvals_total}, {@code maintenance_requests_refused_total}, the two duration
 * histograms (1 s .. 30 min buckets) and {@code maintenance_metrics_age_seconds}. Meters go to an own Prometheus registry (for the text
 * endpoint) and to the host's registry, if one was given.
 *
 * <p>Gauges that alerts need are read when scraped, at most every {@code catalogRefresh}: the catalog
 * (backups and restores by status, restores awaiting approval, last succeeded backup per datastore) and
 * readiness ({@code maintenance_ready{component}}, 1 unless the probe is DOWN).
 */
public final class EngineMetrics {
  /** Histogram buckets from 1 s to 30 min. */
  static final Duration[] BUCKETS = {
    Duration.ofSeconds(1), Duration.ofSeconds(5), Duration.ofSeconds(15), Duration.ofSeconds(30), Duration.ofMinutes(1),
    Duration.ofMinutes(2), Duration.ofMinutes(5), Duration.ofMinutes(10), Duration.ofMinutes(20), Duration.ofMinutes(30)
  };

  private final PrometheusMeterRegistry prometheus = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final MeterRegistry registry;
  private final Optional<MeterRegistry> host;
  private final Clock clock;
  private final BackupCatalog backups;
  private final RestoreCatalog restores;
  private final Duration catalogRefresh;
  private final Supplier<ReadinessReport> probes;
  private final AtomicReference<CatalogSnapshot> snapshot = new AtomicReference<>();
  private final Instant createdAt;
  private volatile Instant lastCatalogAttempt = Instant.EPOCH;
  private ReadinessReport readiness;

  /** What the catalog said at one moment; refreshed at most every {@code catalogRefresh}. */
  record CatalogSnapshot(Instant takenAt, Map<BackupStatus, Long> backups, BackupCatalog.Totals totals,
      Map<RestoreStatus, Long> restores, Map<String, Instant> lastSucceededByDatastore, long awaitingApproval,
      Map<String, ScheduleStatus> schedules, Map<String, Instant> lastVerifiedRestore) {}

  /**
   * What the engine reads besides backups and restores: the schedules, and the datastores with a drill sandbox with
   * when their newest drill passed.
   */
  public record Sources(Collection<String> schedules, Supplier<List<ScheduleStatus>> scheduleStatus, Collection<String> drills,
      Supplier<Map<String, Instant>> lastVerifiedRestore) {
    public static Sources none() {
      return new Sources(List.of(), List::of, List.of(), Map::of);
    }
  }

  /** Datastores whose {@code maintenance_last_verified_restore_timestamp_seconds} is registered (once a drill passed). */
  private final java.util.Set<String> verifiedGauges = java.util.concurrent.ConcurrentHashMap.newKeySet();

  private final Sources sources;

  /**
   * @param datastores the configured datastore ids, one {@code maintenance_last_successful_backup_timestamp_seconds} each
   * @param components the readiness components, one {@code maintenance_ready} each
   * @param probes runs the readiness probes (when the last result is older than {@code catalogRefresh})
   */
  public EngineMetrics(Optional<MeterRegistry> host, Clock clock, BackupCatalog backups, RestoreCatalog restores,
      Duration catalogRefresh, Collection<String> datastores, Collection<String> components, Supplier<ReadinessReport> probes,
      Sources sources) {
    this.clock = clock;
    this.sources = sources;
    this.backups = backups;
    this.restores = restores;
    this.catalogRefresh = catalogRefresh;
    this.probes = probes;
    this.host = host;
    this.createdAt = clock.instant();
    if (host.isPresent()) {
      CompositeMeterRegistry composite = new CompositeMeterRegistry();
      composite.add(prometheus);
      composite.add(host.get());
      this.registry = composite;
    } else {
      this.registry = prometheus;
    }
    Gauge.builder("maintenance.metrics.age", this, m -> m.ageSeconds())
        .baseUnit("seconds")
        .description("Seconds since the catalog-derived gauges were refreshed")
        .register(registry);
    for (BackupStatus s : BackupStatus.values()) {
      Gauge.builder("maintenance.backups", this, m -> m.catalog().backups().getOrDefault(s, 0L))
          .tag("status", s.name())
          .description("Backups in the catalog by status")
          .register(registry);
    }
    for (String id : datastores) {
      Gauge.builder("maintenance.last.successful.backup.timestamp", this,
              m -> Optional.ofNullable(m.catalog().lastSucceededByDatastore().get(id)).map(t -> t.toEpochMilli() / 1000.0).orElse(0.0))
          .tag("datastore", id)
          .baseUnit("seconds")
          .description("When the newest succeeded backup of the datastore finished (epoch seconds; 0 if none)")
          .register(registry);
    }
    for (RestoreStatus s : RestoreStatus.values()) {
      Gauge.builder("maintenance.restores", this, m -> m.catalog().restores().getOrDefault(s, 0L))
          .tag("status", s.name())
          .description("Restore requests in the catalog by status")
          .register(registry);
    }
    for (String name : sources.schedules()) {
      Gauge.builder("maintenance.schedule.overdue", this,
              m -> Optional.ofNullable(m.catalog().schedules().get(name)).map(s -> s.overdue() ? 1.0 : 0.0).orElse(0.0))
          .tag("schedule", name)
          .description("1 when the schedule has not succeeded within its period plus jitter and grace")
          .register(registry);
      Gauge.builder("maintenance.schedule.last.success.timestamp", this,
              m -> Optional.ofNullable(m.catalog().schedules().get(name)).flatMap(ScheduleStatus::lastSuccessAt)
                  .map(t -> t.toEpochMilli() / 1000.0).orElse(0.0))
          .tag("schedule", name)
          .baseUnit("seconds")
          .description("When an operation the schedule started last succeeded (epoch seconds; 0 if never)")
          .register(registry);
    }
    for (String id : sources.drills()) {
      drillFailures(id); // exported at 0 from the start, so rate() and increase() see the first failure
    }
    Gauge.builder("maintenance.restores.awaiting.approval", this, m -> m.catalog().awaitingApproval())
        .description("Unexpired restore previews that still lack approvals")
        .register(registry);
    for (String component : components) {
      Gauge.builder("maintenance.ready", this, m -> m.ready(component))
          .tag("component", component)
          .description("1 when the component's readiness probe is UP or DEGRADED, 0 when DOWN")
          .register(registry);
    }
  }

  /** Takes the engine's meters out of the host's registry, so a new engine can register live ones. */
  public void close() {
    host.ifPresent(h -> List.copyOf(h.getMeters()).stream()
        .filter(m -> m.getId().getName().startsWith("maintenance."))
        .forEach(h::remove));
  }

  /** Remembers a readiness report someone asked for, so the gauges need not probe again soon. */
  public synchronized void readiness(ReadinessReport report) {
    readiness = report;
  }

  public void backup(BackupStatus status, String provider, String type, Duration took) {
    Counter.builder("maintenance.backup").description("Backups by outcome")
        .tags("status", status.name(), "provider", provider, "type", type).register(registry).increment();
    timer("maintenance.backup.duration", "Backup wall time", List.of(Tag.of("status", status.name()))).record(took);
  }

  public void restore(String mode, String status, boolean requiresApproval, String provider, Duration took) {
    Counter.builder("maintenance.restore").description("Restore previews and applies by outcome")
        .tags("mode", mode, "status", status, "requires_approval", Boolean.toString(requiresApproval), "provider", provider)
        .register(registry).increment();
    timer("maintenance.restore.duration", "Restore preview/apply wall time", List.of(Tag.of("mode", mode), Tag.of("status", status)))
        .record(took);
  }

  public void task(String taskType, String status) {
    Counter.builder("maintenance.task").description("Housekeeping runs by outcome")
        .tags("task_type", taskType, "status", status).register(registry).increment();
  }

  /** Reads the catalog again at the next scrape (a drill passed: its gauge should not wait for the refresh period). */
  public void refreshSoon() {
    snapshot.set(null);
    lastCatalogAttempt = Instant.EPOCH;
  }

  /** A restore drill of the datastore failed. */
  public void drillFailed(String datastore) {
    drillFailures(datastore).increment();
  }

  private Counter drillFailures(String datastore) {
    return Counter.builder("maintenance.drill.failures").description("Restore drills that failed, by datastore")
        .tags("datastore", datastore).register(registry);
  }

  /**
   * Registers the gauge of a datastore whose drill passed; absent before, since "never proven" has no timestamp
   * (readiness reports it instead).
   */
  private void verifiedGauges(Map<String, Instant> lastVerified) {
    for (String id : lastVerified.keySet()) {
      if (sources.drills().contains(id) && verifiedGauges.add(id)) {
        Gauge.builder("maintenance.last.verified.restore.timestamp", this,
                m -> Optional.ofNullable(m.catalog().lastVerifiedRestore().get(id)).map(t -> t.toEpochMilli() / 1000.0)
                    .orElse(Double.NaN))
            .tag("datastore", id)
            .baseUnit("seconds")
            .description("When the newest passing restore drill of the datastore finished (epoch seconds)")
            .register(registry);
      }
    }
  }

  public void approval(String status) {
    Counter.builder("maintenance.restore.approvals").description("Restore approvals by outcome")
        .tags("status", status).register(registry).increment();
  }

  /** A request refused before it ran (no or unknown credentials, missing scope, malformed input), by code. */
  public void refused(io.maintenance.api.ErrorCode code) {
    Counter.builder("maintenance.requests.refused").description("Requests refused before they ran, by error code")
        .tags("code", code.name()).register(registry).increment();
  }

  /** The Prometheus text exposition of the engine's meters. */
  public String prometheusText() {
    catalog();
    return prometheus.scrape();
  }

  public MetricsSummary summary() {
    CatalogSnapshot s = catalog();
    List<MeterSample> samples = new ArrayList<>();
    for (Meter m : prometheus.getMeters()) {
      String base = m.getId().getConventionName(prometheus.config().namingConvention());
      Map<String, String> tags = new LinkedHashMap<>();
      m.getId().getConventionTags(prometheus.config().namingConvention()).forEach(t -> tags.put(t.getKey(), t.getValue()));
      if (m instanceof Counter c) {
        samples.add(new MeterSample(base + "_total", tags, c.count()));
      } else if (m instanceof Timer t) {
        samples.add(new MeterSample(base + "_count", tags, t.count()));
        samples.add(new MeterSample(base + "_sum", tags, t.totalTime(java.util.concurrent.TimeUnit.SECONDS)));
      } else if (m instanceof Gauge g) {
        samples.add(new MeterSample(base, tags, g.value()));
      }
    }
    return new MetricsSummary(clock.instant(), s.backups(), s.totals().lastSucceededAt(), s.totals().storedBytes(),
        s.restores(), samples);
  }

  private Timer timer(String name, String description, List<Tag> tags) {
    return Timer.builder(name).description(description).tags(tags)
        .serviceLevelObjectives(BUCKETS)
        .minimumExpectedValue(Duration.ofSeconds(1))
        .maximumExpectedValue(Duration.ofMinutes(30))
        .register(registry);
  }

  private CatalogSnapshot catalog() {
    CatalogSnapshot s = snapshot.get();
    Instant now = clock.instant();
    // One attempt per refresh period, failed or not: a scrape reads many gauges and must not wait for a
    // dead catalog once per gauge.
    if ((s == null || Duration.between(s.takenAt(), now).compareTo(catalogRefresh) >= 0)
        && (s == null || Duration.between(lastCatalogAttempt, now).compareTo(catalogRefresh) >= 0)) {
      lastCatalogAttempt = now;
      try {
        s = new CatalogSnapshot(now, backups.countByStatus(), backups.succeededTotals(), restores.countByStatus(),
            backups.lastSucceededByDatastore(), restores.awaitingApproval(now),
            sources.scheduleStatus().get().stream().collect(java.util.stream.Collectors.toMap(ScheduleStatus::name, x -> x)),
            sources.drills().isEmpty() ? Map.of() : sources.lastVerifiedRestore().get());
        snapshot.set(s);
        verifiedGauges(s.lastVerifiedRestore());
      } catch (RuntimeException e) {
        // Keep serving the last snapshot; maintenance_metrics_age_seconds shows how stale it is.
      }
    }
    if (s == null) {
      s = new CatalogSnapshot(Instant.EPOCH, new EnumMap<>(BackupStatus.class), new BackupCatalog.Totals(Optional.empty(), 0),
          new EnumMap<>(RestoreStatus.class), Map.of(), 0, Map.of(), Map.of());
    }
    return s;
  }

  private synchronized double ready(String component) {
    ReadinessReport r = readiness;
    if (r == null || Duration.between(r.checkedAt(), clock.instant()).compareTo(catalogRefresh) >= 0) {
      r = probes.get();
      readiness = r;
    }
    return r.checks().stream().anyMatch(c -> c.component().equals(component) && c.status() != ProbeStatus.DOWN) ? 1 : 0;
  }

  private double ageSeconds() {
    CatalogSnapshot s = snapshot.get();
    // Never read yet: as old as the engine, so a catalog that fails from the start still shows as stale.
    Instant taken = s == null ? createdAt : s.takenAt();
    return Duration.between(taken, clock.instant()).toMillis() / 1000.0;
  }
}
