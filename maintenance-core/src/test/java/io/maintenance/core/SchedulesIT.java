package io.maintenance.core;

import static io.maintenance.core.testing.EngineFixture.READER;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.maintenance.api.ErrorCode;
import io.maintenance.api.MaintenanceException;
import io.maintenance.api.OperationStatus;
import io.maintenance.api.ProbeResult;
import io.maintenance.api.ProbeStatus;
import io.maintenance.api.ScheduleStatus;
import io.maintenance.core.testing.EngineFixture;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Schedules on two replicas sharing one catalog (PostgreSQL), with the engines' clock moved by the test:
 * each firing runs once, missed firings are skipped or run once, and an overdue schedule shows in readiness
 * and the metrics.
 */
class SchedulesIT {
  private static final Duration POLL = Duration.ofMillis(50);
  private final EngineFixture f = new EngineFixture();
  private MaintenanceEngine other;

  @AfterEach
  void close() {
    if (other != null) {
      other.close();
    }
    f.close();
  }

  /** Both replicas with {@code schedules.hourly.*}: an hourly backup (plus {@code extra}), clock at half past. */
  private Instant start(Map<String, String> extra) {
    return start(extra, b -> {});
  }

  private Instant start(Map<String, String> extra, java.util.function.Consumer<MaintenanceEngine.Builder> more) {
    Instant halfPast = Instant.now().truncatedTo(ChronoUnit.HOURS).plus(Duration.ofMinutes(30));
    f.clock.set(halfPast);
    Map<String, String> schedule = new HashMap<>(Map.of("cron", "0 * * * *", "kind", "backup", "labels.origin", "schedule"));
    schedule.putAll(extra);
    f.restart(b -> more.accept(b.schedule("hourly", schedule).schedulerPollInterval(POLL)));
    other = f.build(b -> more.accept(b.schedule("hourly", schedule).schedulerPollInterval(POLL)));
    return halfPast.plus(Duration.ofMinutes(30));
  }

  private static void await(BooleanSupplier condition, String what) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (!condition.getAsBoolean()) {
      assertThat(System.nanoTime()).as(what).isLessThan(deadline);
      Thread.sleep(20);
    }
  }

  private long scheduledBackups() {
    return f.count("maintenance_backups", "labels->>'schedule' = 'hourly' AND status = 'SUCCEEDED'");
  }

  private ScheduleStatus status() {
    return other.schedules(READER).get(0);
  }

  @Test
  void aFiringSeenByTwoReplicasRunsOnce() throws Exception {
    Instant due = start(Map.of());
    assertThat(status().nextRunAt()).contains(due);
    Thread.sleep(5 * POLL.toMillis());
    assertThat(f.count("maintenance_backups", "")).isZero();

    f.clock.set(due.plusSeconds(1));
    await(() -> scheduledBackups() == 1, "the scheduled backup");
    Thread.sleep(10 * POLL.toMillis()); // both replicas polled many times since
    assertThat(f.count("maintenance_backups", "")).isEqualTo(1);
    assertThat(f.count("maintenance_operations", "schedule = 'hourly'")).isEqualTo(1);
    await(() -> status().lastSuccessAt().isPresent(), "the success recorded");
    ScheduleStatus s = status();
    assertThat(s.lastStatus()).contains(OperationStatus.SUCCEEDED);
    assertThat(s.nextRunAt()).contains(due.plus(Duration.ofHours(1)));
    assertThat(s.overdue()).isFalse();

    // The next hour: once more.
    f.clock.set(due.plus(Duration.ofHours(1)).plusSeconds(1));
    await(() -> scheduledBackups() == 2, "the second scheduled backup");
    Thread.sleep(10 * POLL.toMillis());
    assertThat(f.count("maintenance_backups", "")).isEqualTo(2);
  }

  @Test
  void missedFiringsRunOnceWithRunOnce() throws Exception {
    Instant due = start(Map.of("missed", "run-once", "starting-deadline", "5m"));
    Thread.sleep(5 * POLL.toMillis());
    // Every replica was "down" for three firings.
    f.clock.set(due.plus(Duration.ofHours(3)).plusSeconds(10));
    await(() -> scheduledBackups() == 1, "the missed firing run once");
    Thread.sleep(10 * POLL.toMillis());
    assertThat(f.count("maintenance_backups", "")).isEqualTo(1);
    await(() -> status().note().isPresent(), "the note");
    assertThat(status().note().orElseThrow()).contains("was missed; run once now");
    assertThat(status().nextRunAt()).contains(due.plus(Duration.ofHours(4)));
  }

  @Test
  void missedFiringsAreSkippedWithSkipAndTheScheduleBecomesOverdue() throws Exception {
    Instant due = start(Map.of("missed", "skip", "starting-deadline", "5m", "grace", "10m"));
    Thread.sleep(5 * POLL.toMillis());
    assertThat(other.readiness(READER).checks()).filteredOn(p -> p.component().equals("schedule:hourly"))
        .singleElement().satisfies(p -> assertThat(p.status()).isEqualTo(ProbeStatus.UP));

    f.clock.set(due.plus(Duration.ofMinutes(90)));
    await(() -> status().note().filter(n -> n.contains("skipped")).isPresent(), "the skip");
    Thread.sleep(10 * POLL.toMillis());
    assertThat(f.count("maintenance_backups", "")).isZero();
    assertThat(status().nextRunAt()).contains(due.plus(Duration.ofHours(2))); // the next one after now
    // Created at half past, no success for an hour (its period) plus ten minutes of grace: overdue.
    assertThat(status().overdue()).isTrue();
    ProbeResult probe = other.readiness(READER).checks().stream().filter(p -> p.component().equals("schedule:hourly"))
        .findFirst().orElseThrow();
    assertThat(probe.status()).isEqualTo(ProbeStatus.DEGRADED);
    assertThat(probe.code()).isEqualTo("SCHEDULE_OVERDUE");
    assertThat(other.readiness(READER).ready()).as("overdue is for operators, not a reason to stop serving").isTrue();
    assertThat(f.engine.prometheusText(READER)).contains("maintenance_schedule_overdue{schedule=\"hourly\"} 1.0");
  }

  @Test
  void retentionRunsAfterEachScheduledBackupAndJitterDelaysTheFiring() throws Exception {
    Instant due = start(Map.of("retention", "true", "jitter", "10m"),
        b -> b.retentionPolicy(io.maintenance.api.RetentionPolicy.builder().keepLast(1).build()));
    Instant next = status().nextRunAt().orElseThrow();
    assertThat(next).isBetween(due, due.plus(Duration.ofMinutes(10)));
    for (int hour = 0; hour < 2; hour++) {
      int fired = hour + 1;
      f.clock.set(due.plus(Duration.ofHours(hour)).plus(Duration.ofMinutes(11)));
      await(() -> f.count("maintenance_tasks", "type = 'RETENTION' AND status = 'SUCCEEDED'") == fired, "retention " + fired);
    }
    // Each firing backed up once and retention kept the newest only.
    assertThat(f.count("maintenance_operations", "kind = 'backup' AND schedule = 'hourly'")).isEqualTo(2);
    assertThat(f.count("maintenance_operations", "kind = 'retention' AND schedule = 'hourly'")).isEqualTo(2);
    assertThat(f.count("maintenance_backups", "")).isEqualTo(1);
  }

  @Test
  void aScheduleThatCannotWorkIsRefusedAtStart() {
    for (Map<String, String> bad : new Map[] {
        Map.of("cron", "61 * * * *"), Map.of("cron", "0 2 * * *", "kind", "sometimes"), Map.of("cron", "0 2 * * *", "missed", "often"),
        Map.of("cron", "0 2 * * *", "datastores", "nope"), Map.of("kind", "backup"), Map.of("cron", "0 2 * * *", "colour", "red")}) {
      assertThatThrownBy(() -> f.build(b -> b.schedule("nightly", bad)).close()).as(bad.toString())
          .isInstanceOfSatisfying(MaintenanceException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.CONFIG_INVALID));
    }
  }
}
