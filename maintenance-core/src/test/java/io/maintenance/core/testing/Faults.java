package io.maintenance.core.testing;

import static org.assertj.core.api.Assertions.assertThat;

import io.maintenance.api.Maintenance;
import io.maintenance.api.Principal;
import io.maintenance.core.internal.catalog.Db;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/** Fault injection against the real catalog, and the invariants every fault test checks afterwards. */
public final class Faults {
  private static final ScheduledExecutorService LATER = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "faults-later");
    t.setDaemon(true);
    return t;
  });

  private Faults() {}

  /** Runs {@code action} after {@code delay}, on another thread. */
  public static void later(Duration delay, Runnable action) {
    LATER.schedule(action, delay.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** {@code pg_terminate_backend} of the session holding this catalog's operation lock; returns how many were ended. */
  public static int terminateLockConnection(EngineFixture f) {
    return f.sql(c -> Db.queryOne(c, "SELECT count(pg_terminate_backend(pid)) AS n FROM pg_locks WHERE locktype = 'advisory'"
        + " AND objsubid = 2 AND classid = 1836019761::bigint::oid AND objid = (hashtext(?)::bigint & 4294967295)::oid",
        rs -> rs.getInt("n"), catalogSchema(f)).orElse(0));
  }

  private static String catalogSchema(EngineFixture f) {
    return f.catalog.getCurrentSchema();
  }

  /** Waits (at most {@code bound}) until no lease is live: the owners finished, or stopped and their leases expired. */
  public static void awaitNoLiveLease(EngineFixture f, Duration bound) throws InterruptedException {
    long deadline = System.nanoTime() + bound.toNanos();
    while (f.count("maintenance_operations", "status = 'RUNNING' AND expires_at > now()") > 0) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("a lease is still live after " + bound);
      }
      Thread.sleep(100);
    }
  }

  /** Waits (at most {@code bound}) until the running exclusive lease was renewed after {@code since} (catalog time). */
  public static void awaitRenewal(EngineFixture f, java.time.Instant since, Duration bound) throws InterruptedException {
    long deadline = System.nanoTime() + bound.toNanos();
    while (f.count("maintenance_operations", "status = 'RUNNING' AND exclusive AND heartbeat_at > '" + since + "'") == 0) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("the lease was not renewed within " + bound);
      }
      Thread.sleep(50);
    }
  }

  /** The catalog's clock now. */
  public static java.time.Instant catalogNow(EngineFixture f) {
    return f.sql(c -> Db.queryOne(c, "SELECT now() AS t", rs -> Db.instant(rs, "t")).orElseThrow());
  }

  /** Exclusive leases whose lifetimes overlap: two mutating operations that ran at once. Must be empty. */
  public static List<String> overlappingLeases(EngineFixture f) {
    return f.sql(c -> Db.query(c, """
        WITH l AS (SELECT id, kind, target, tstzrange(started_at, CASE WHEN status = 'RUNNING' THEN expires_at
                                                      ELSE least(finished_at, expires_at) END) AS life
                     FROM maintenance_operations WHERE exclusive)
        SELECT a.kind || ' ' || a.target || ' overlaps ' || b.kind || ' ' || b.target AS clash
          FROM l a JOIN l b ON a.id < b.id AND a.life && b.life""", rs -> rs.getString("clash")));
  }

  /** The invariants after any fault: one mutating operation at a time, no live lease left, an intact audit chain. */
  public static void assertSettledAndConsistent(EngineFixture f, Maintenance engine, Principal admin) {
    assertThat(overlappingLeases(f)).as("operations that ran at the same time").isEmpty();
    assertThat(f.count("maintenance_operations", "status = 'RUNNING' AND expires_at > now()")).as("live leases").isZero();
    assertThat(f.count("maintenance_backups", "status = 'RUNNING'")).as("RUNNING backups").isZero();
    assertThat(f.count("maintenance_restore_requests", "status = 'APPLYING'")).as("APPLYING restores").isZero();
    assertThat(f.count("maintenance_tasks", "status = 'RUNNING'")).as("RUNNING tasks").isZero();
    assertThat(f.count("maintenance_backups", "status = 'SUCCEEDED' AND manifest_sha256 IS NULL")).isZero();
    assertThat(engine.verifyAudit(admin).intact()).as("audit chain").isTrue();
  }
}
