package io.maintenance.core.internal.schedules;

import io.maintenance.api.MaintenanceException;
import io.maintenance.api.Operation;
import io.maintenance.api.ProbeResult;
import io.maintenance.api.ProbeStatus;
import io.maintenance.api.ScheduleStatus;
import io.maintenance.core.internal.catalog.Leases;
import io.maintenance.core.internal.catalog.ScheduleCatalog;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fires the configured schedules. Every replica sharing the catalog runs one, polling every few seconds;
 * each firing is taken by exactly one of them through the catalog ({@link ScheduleCatalog#claim}), so a
 * schedule runs once per firing however many replicas there are, and still runs while any one is up.
 *
 * <p>A firing that no replica could start within its starting deadline (all were down, or the operation
 * lock was busy all along) is a missed run: with {@code missed=run-once} it runs once as soon as it can
 * (however many firings were missed), with {@code missed=skip} it is skipped. A schedule is overdue when it
 * has not succeeded for one period (the time between two firings) plus its jitter and grace.
 */
public final class Scheduler implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Scheduler.class);

  /** Starts what a schedule runs, in the background; returns its operation. */
  @FunctionalInterface
  public interface Launcher {
    Operation launch(ScheduleDefinition schedule);
  }

  private final List<ScheduleDefinition> schedules;
  private final ScheduleCatalog catalog;
  private final Leases leases;
  private final Clock clock;
  private final Duration poll;
  private final ScheduledExecutorService executor;
  private volatile Launcher launcher;
  private ScheduledFuture<?> task;

  public Scheduler(List<ScheduleDefinition> schedules, ScheduleCatalog catalog, Leases leases, Clock clock, Duration poll,
      ScheduledExecutorService executor) {
    this.schedules = List.copyOf(schedules);
    this.catalog = catalog;
    this.leases = leases;
    this.clock = clock;
    this.poll = poll;
    this.executor = executor;
  }

  public List<ScheduleDefinition> schedules() {
    return schedules;
  }

  /** Starts polling (nothing to do without schedules). */
  public synchronized void start(Launcher launcher) {
    this.launcher = launcher;
    if (!schedules.isEmpty() && task == null) {
      task = executor.scheduleWithFixedDelay(this::tick, 0, poll.toMillis(), TimeUnit.MILLISECONDS);
      LOG.info("Scheduler started: {} schedule(s), polling every {} ms", schedules.size(), poll.toMillis());
    }
  }

  /** Fires what is due. */
  public synchronized void tick() {
    Instant now = clock.instant();
    for (ScheduleDefinition s : schedules) {
      try {
        tick(s, now);
      } catch (RuntimeException e) {
        LOG.warn("Schedule {}: {}", s.name(), e.toString());
      }
    }
  }

  private void tick(ScheduleDefinition s, Instant now) {
    ScheduleCatalog.Row row = catalog.ensure(s.name(), s.sha256(), jittered(s, s.nextAfter(now)), now);
    Instant due = row.nextRunAt();
    if (due.isAfter(now)) {
      return;
    }
    Instant next = jittered(s, s.nextAfter(now));
    boolean missed = now.isAfter(due.plus(s.startingDeadline()));
    if (missed && !s.runMissed()) {
      if (catalog.skip(s.name(), due, next, "the firing due at " + due + " was missed (not started within "
          + s.startingDeadline() + "); skipped (missed=skip)")) {
        LOG.warn("Schedule {}: the firing due at {} was missed and is skipped; next at {}", s.name(), due, next);
      }
      return;
    }
    if (s.exclusive()) {
      Optional<String> holder = leases.holder();
      if (holder.isPresent()) {
        String note = "due at " + due + "; waiting: " + holder.get() + " holds the operation lock";
        if (!row.note().equals(Optional.of(note))) {
          catalog.note(s.name(), note);
        }
        return;
      }
    }
    if (!catalog.claim(s.name(), due, next, now)) {
      return; // another replica took this firing
    }
    String note = missed ? "the firing due at " + due + " was missed; run once now (missed=run-once)" : null;
    try {
      Operation op = launcher.launch(s);
      catalog.started(s.name(), op.id(), now, note);
      LOG.info("Schedule {} started {} {} (due {}); next at {}", s.name(), op.kind(), op.id(), due, next);
    } catch (MaintenanceException e) {
      if (e.code().retryable()) {
        catalog.putBack(s.name(), next, due, "due at " + due + ": could not start (" + e.code() + ": " + e.getMessage()
            + "); trying again");
      } else {
        catalog.note(s.name(), "the firing due at " + due + " could not start: " + e.code() + ": " + e.getMessage());
        LOG.error("Schedule {}: the firing due at {} could not start: {}", s.name(), due, e.toString());
      }
    }
  }

  private static Instant jittered(ScheduleDefinition s, Instant t) {
    if (s.jitter().isZero() || t.equals(Instant.MAX)) {
      return t;
    }
    return t.plusMillis(ThreadLocalRandom.current().nextLong(s.jitter().toMillis() + 1));
  }

  /** Each schedule as the catalog knows it. */
  public List<ScheduleStatus> status() {
    Instant now = clock.instant();
    Map<String, ScheduleCatalog.Row> rows = catalog.all().stream()
        .collect(Collectors.toMap(ScheduleCatalog.Row::name, Function.identity()));
    List<ScheduleStatus> out = new ArrayList<>();
    for (ScheduleDefinition s : schedules) {
      ScheduleCatalog.Row r = rows.get(s.name());
      boolean current = r != null && r.definitionSha256().equals(s.sha256());
      out.add(new ScheduleStatus(s.name(), s.kind(), s.cronText(),
          current ? Optional.of(r.nextRunAt()) : Optional.of(s.nextAfter(now)),
          r == null ? Optional.empty() : r.lastRunAt(), r == null ? Optional.empty() : r.lastOperationId(),
          r == null ? Optional.empty() : r.lastStatus(), r == null ? Optional.empty() : r.lastSuccessAt(),
          overdue(s, r, now), r == null ? Optional.empty() : r.note()));
    }
    return out;
  }

  /** No success for a period plus jitter and grace, counted from the last success or from when the schedule appeared. */
  private static boolean overdue(ScheduleDefinition s, ScheduleCatalog.Row r, Instant now) {
    Instant since = r == null ? now : r.lastSuccessAt().orElse(r.createdAt());
    return now.isAfter(since.plus(s.period(now)).plus(s.jitter()).plus(s.grace()));
  }

  /** Readiness entries {@code schedule:<name>}: DEGRADED with {@code SCHEDULE_OVERDUE} when overdue. */
  public List<ProbeResult> probes() {
    List<ProbeResult> out = new ArrayList<>();
    for (ScheduleStatus s : status()) {
      Map<String, String> attrs = new java.util.TreeMap<>();
      s.lastSuccessAt().ifPresent(t -> attrs.put("lastSuccessAt", t.toString()));
      s.nextRunAt().ifPresent(t -> attrs.put("nextRunAt", t.toString()));
      out.add(s.overdue()
          ? new ProbeResult("schedule:" + s.name(), ProbeStatus.DEGRADED, "SCHEDULE_OVERDUE", Duration.ZERO, "schedule " + s.name()
              + " (" + s.kind() + ", " + s.cron() + ") has not succeeded within its period"
              + s.lastSuccessAt().map(t -> "; last success " + t).orElse("; never succeeded")
              + s.note().map(n -> "; " + n).orElse(""), attrs)
          : ProbeResult.up("schedule:" + s.name(), Duration.ZERO, attrs));
    }
    return out;
  }

  /** Records the success of an operation a schedule started, once it finished. */
  public boolean finished(ScheduleDefinition s, String operationId) {
    return catalog.succeeded(s.name(), operationId);
  }

  public void note(ScheduleDefinition s, String note) {
    catalog.note(s.name(), note);
  }

  @Override
  public synchronized void close() {
    if (task != null) {
      task.cancel(false);
      task = null;
    }
  }
}
