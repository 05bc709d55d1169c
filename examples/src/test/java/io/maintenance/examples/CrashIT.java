package io.maintenance.examples;

import static org.assertj.core.api.Assertions.assertThat;

import io.maintenance.api.BackupQuery;
import io.maintenance.api.BackupRecord;
import io.maintenance.api.BackupRequest;
import io.maintenance.api.BackupStatus;
import io.maintenance.api.Principal;
import io.maintenance.api.RestorePolicy;
import io.maintenance.api.RestorePreview;
import io.maintenance.api.RestoreRecord;
import io.maintenance.api.RestoreRequest;
import io.maintenance.api.RestoreStatus;
import io.maintenance.api.TaskRequest;
import io.maintenance.api.TaskStatus;
import io.maintenance.api.TaskType;
import io.maintenance.core.MaintenanceEngine;
import io.maintenance.storage.local.LocalStorageProvider;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code kill -9} of a separate JVM running a backup or a restore (the real PostgreSQL datastore, local
 * storage, the real catalog) at random points (half of the restores inside the datastore's restore
 * transaction), and right after a restore's transaction committed. After
 * each kill, once the dead process's lease has expired, another engine settles what it left; then the
 * catalog must say exactly what the data and the storage hold: a SUCCEEDED backup verifies, a backup that
 * did not succeed leaves no objects, an APPLIED restore left the data equal to the backup, a FAILED or
 * unconfirmed one left it exactly as before. No two operations ever ran at once, and the audit chain holds.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class CrashIT {
  static final Duration LEASE = Duration.ofSeconds(2);
  private static final Principal OPS = Principal.system("ops");
  private static final Random RANDOM = new Random(Long.getLong("crash.seed", System.nanoTime()));
  private static final Map<String, Integer> OUTCOMES = new TreeMap<>();

  @TempDir
  static Path storageDir;

  private static EmbeddedPostgres pg;
  private static DataSource catalog;
  private static SampleShop shop;
  private static MaintenanceEngine engine;
  private static int kills;

  @BeforeAll
  static void start() throws Exception {
    pg = ShopServer.start();
    shop = ShopServer.shop(pg);
    catalog = pg.getDatabase("postgres", "catalog");
    engine = MaintenanceEngine.builder().dataSource(catalog)
        .storage(LocalStorageProvider.builder().path(storageDir).chunkSize(64 * 1024).fsync(true).build())
        .datastore(CrashChild.shop(shopUrl()))
        .restorePolicy(new RestorePolicy(0, Duration.ofHours(1), false))
        .leaseTimeout(LEASE)
        // Only this test writes to the storage directory, so a partial upload no session knows is stale at once
        // (a process killed between creating it and recording its session); in production the default is an hour.
        .partialUploadAge(Duration.ofMillis(1))
        .build();
  }

  @AfterAll
  static void stop() throws Exception {
    System.out.println("CrashIT: " + kills + " processes killed; outcomes " + OUTCOMES);
    engine.close();
    pg.close();
  }

  private static String shopUrl() {
    return pg.getJdbcUrl("postgres", "shop");
  }

  /** A child JVM running one operation, its output lines in a queue. */
  private record Child(Process process, BlockingQueue<String> lines) {
    String await(String prefix, Duration timeout) throws InterruptedException {
      long deadline = System.nanoTime() + timeout.toNanos();
      while (System.nanoTime() < deadline) {
        String line = lines.poll(100, TimeUnit.MILLISECONDS);
        if (line != null && line.startsWith(prefix)) {
          return line;
        }
        if (line == null && !process.isAlive() && lines.isEmpty()) {
          break;
        }
      }
      throw new AssertionError("the child did not print " + prefix + " within " + timeout);
    }

    void kill() throws InterruptedException {
      process.destroyForcibly(); // SIGKILL
      assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
      kills++;
    }
  }

  private static Child child(String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx256m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-cp", System.getProperty("java.class.path"),
        CrashChild.class.getName(), pg.getJdbcUrl("postgres", "catalog"), shopUrl(), storageDir.toString()));
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    Thread reader = new Thread(() -> {
      try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
        String line;
        while ((line = r.readLine()) != null) {
          lines.add(line);
        }
      } catch (java.io.IOException e) {
        // the process was killed
      }
    });
    reader.setDaemon(true);
    reader.start();
    return new Child(p, lines);
  }

  /** Runs an operation in a child to its end; returns how long it took (to pick kill points within it). */
  private static Duration calibrate(String... args) throws Exception {
    Child c = child(args);
    c.await("READY", Duration.ofSeconds(90));
    String done = c.await("DONE", Duration.ofSeconds(90));
    assertThat(c.process().waitFor(30, TimeUnit.SECONDS)).isTrue();
    return Duration.ofMillis(Long.parseLong(done.split(" ")[2]));
  }

  /** Runs a confirm in a child to its end; returns how long the datastore's restore took (its apply window). */
  private static Duration calibrateApply(String token) throws Exception {
    Child c = child("confirm", token);
    String committed = c.await("COMMITTED", Duration.ofSeconds(90));
    c.await("DONE", Duration.ofSeconds(90));
    assertThat(c.process().waitFor(30, TimeUnit.SECONDS)).isTrue();
    return Duration.ofMillis(Long.parseLong(committed.split(" ")[1]));
  }

  /** Starts a confirm in a child and kills it a random time into the datastore's restore (or just after it). */
  private static void killSomewhereInApply(Duration apply, String token) throws Exception {
    Child c = child("confirm", token);
    c.await("APPLYING", Duration.ofSeconds(90));
    Thread.sleep(RANDOM.nextInt((int) Math.max(1, apply.toMillis() * 12 / 10)));
    c.kill();
  }

  /** Starts the operation in a child and kills it a random time into it. */
  private static void killSomewhereIn(Duration duration, String... args) throws Exception {
    Child c = child(args);
    c.await("READY", Duration.ofSeconds(90));
    Thread.sleep(RANDOM.nextInt((int) Math.max(1, duration.toMillis() * 16 / 10)));
    c.kill();
  }

  /** Waits until the dead process's lease has expired, then lets another engine settle what it left. */
  private static void settle() throws Exception {
    long deadline = System.nanoTime() + LEASE.plusSeconds(10).toNanos();
    while (count("maintenance_operations", "status = 'RUNNING' AND expires_at > now()") > 0) {
      assertThat(System.nanoTime()).as("the dead process's lease expires").isLessThan(deadline);
      Thread.sleep(100);
    }
    assertThat(engine.runTask(TaskRequest.of(TaskType.ORPHAN_SWEEP), OPS).status()).isEqualTo(TaskStatus.SUCCEEDED);
    assertConsistent();
  }

  private static void assertConsistent() throws Exception {
    assertThat(count("maintenance_backups", "status IN ('RUNNING', 'DELETING')")).isZero();
    assertThat(count("maintenance_restore_requests", "status = 'APPLYING'")).isZero();
    assertThat(count("maintenance_tasks", "status = 'RUNNING'")).isZero();
    assertThat(count("maintenance_upload_sessions", "")).isZero();
    assertThat(overlappingLeases()).as("operations that ran at the same time").isZero();
    for (BackupRecord b : engine.listBackups(BackupQuery.firstPage(1000), OPS).items()) {
      List<String> objects = objectsOf(b.id());
      if (b.status() == BackupStatus.SUCCEEDED) {
        assertThat(objects).as(b.id()).contains("manifest.json");
      } else {
        assertThat(objects).as(b.id() + " is " + b.status() + ": the sweep removed what it wrote").isEmpty();
      }
    }
    try (Stream<Path> parts = Files.list(storageDir.resolve(LocalStorageProvider.UPLOADS))) {
      assertThat(parts.filter(p -> p.toString().endsWith(".part"))).as("partial uploads of sessions the sweep aborted").isEmpty();
    }
    assertThat(engine.verifyAudit(OPS).intact()).isTrue();
  }

  private static void outcome(String what) {
    OUTCOMES.merge(what, 1, Integer::sum);
  }

  @Test
  @Order(1)
  void backupsKilledAtRandomPoints() throws Exception {
    Duration duration = calibrate("backup");
    for (int i = 0; i < 10; i++) {
      long before = count("maintenance_backups", "");
      killSomewhereIn(duration, "backup");
      settle();
      BackupRecord b = engine.listBackups(BackupQuery.firstPage(1), OPS).items().get(0);
      if (count("maintenance_backups", "") == before) {
        outcome("backup killed before its row");
        continue;
      }
      outcome("backup " + b.status());
      assertThat(b.status()).isIn(BackupStatus.SUCCEEDED, BackupStatus.ABANDONED);
      if (b.status() == BackupStatus.SUCCEEDED) {
        assertThat(engine.runTask(TaskRequest.builder(TaskType.VERIFY).backup(b.id()).build(), OPS).status())
            .isEqualTo(TaskStatus.SUCCEEDED);
      }
    }
  }

  @Test
  @Order(2)
  void restoresKilledAtRandomPoints() throws Exception {
    BackupRecord backup = engine.backup(BackupRequest.all(), OPS);
    Map<String, String> backedUp = shop.fingerprint();
    shop.breakIt();
    Duration duration = calibrate("confirm", engine.previewRestore(RestoreRequest.of(backup.id()), OPS).token());
    assertThat(shop.fingerprint()).isEqualTo(backedUp);
    change(9);
    Duration apply = calibrateApply(engine.previewRestore(RestoreRequest.of(backup.id()), OPS).token());
    for (int i = 0; i < 10; i++) {
      change(i);
      Map<String, String> before = shop.fingerprint();
      RestorePreview p = engine.previewRestore(RestoreRequest.of(backup.id()), OPS);
      // Half the kills land anywhere in the confirm, half inside the datastore's restore (its transaction).
      if (i % 2 == 0) {
        killSomewhereIn(duration, "confirm", p.token());
      } else {
        killSomewhereInApply(apply, p.token());
      }
      settle();
      RestoreRecord r = engine.findRestore(p.requestId(), OPS).orElseThrow();
      boolean reconciled = count("maintenance_audit_log", "action = 'restore.reconcile' AND target = '" + p.requestId() + "'") > 0;
      outcome("restore " + r.status() + (reconciled ? " (reconciled)" : ""));
      Map<String, String> now = shop.fingerprint();
      switch (r.status()) {
        case APPLIED -> assertThat(now).as("APPLIED: the data is the backup's").isEqualTo(backedUp);
        case FAILED, PREVIEWED -> assertThat(now).as(r.status() + ": the data is as it was").isEqualTo(before);
        default -> throw new AssertionError("restore left " + r.status());
      }
    }
  }

  @Test
  @Order(3)
  void aRestoreKilledRightAfterItsTransactionCommittedIsRecordedApplied() throws Exception {
    BackupRecord backup = engine.listBackups(BackupQuery.firstPage(1).withStatus(BackupStatus.SUCCEEDED), OPS).items().get(0);
    for (int i = 0; i < 2; i++) {
      change(i);
      RestorePreview p = engine.previewRestore(RestoreRequest.of(backup.id()), OPS);
      Child c = child("confirm-hold", p.token());
      c.await("COMMITTED", Duration.ofSeconds(90));
      c.kill();
      settle();
      RestoreRecord r = engine.findRestore(p.requestId(), OPS).orElseThrow();
      outcome("restore killed after commit " + r.status());
      assertThat(r.status()).isEqualTo(RestoreStatus.APPLIED);
      assertThat(count("maintenance_audit_log", "action = 'restore.reconcile' AND outcome = 'APPLIED' AND target = '"
          + p.requestId() + "' AND details->>'decision' LIKE '%holds what the plan said the restore produces%'")).isEqualTo(1);
      // The data equals the backup: a new preview of it changes nothing.
      assertThat(engine.previewRestore(RestoreRequest.of(backup.id()), OPS).plan().datastores().get(0).resources())
          .allSatisfy(d -> assertThat(d.change()).isEqualTo(io.maintenance.api.ChangeKind.UNCHANGED));
    }
    assertThat(kills).as("processes killed").isGreaterThanOrEqualTo(22);
  }

  /** A different change to the live data each time (repeatable: a restore that did not apply leaves it in place). */
  private static void change(int i) throws Exception {
    try (Connection c = pg.getDatabase("postgres", "shop").getConnection(); Statement st = c.createStatement()) {
      st.execute("UPDATE customers SET balance = balance + 1 WHERE right(name, 1) = '" + (i % 10) + "'");
      st.execute("DELETE FROM orders WHERE id % 10 = " + (i % 10));
    }
  }

  private static List<String> objectsOf(String backupId) throws Exception {
    Path dir = storageDir.resolve("backups").resolve(backupId);
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    try (Stream<Path> s = Files.walk(dir)) {
      return s.filter(Files::isRegularFile).map(p -> dir.relativize(p).toString()).toList();
    }
  }

  private static long overlappingLeases() throws Exception {
    return count("(SELECT tstzrange(started_at, CASE WHEN status = 'RUNNING' THEN expires_at"
        + " ELSE least(finished_at, expires_at) END) AS life, id FROM maintenance_operations WHERE exclusive) a"
        + " JOIN (SELECT tstzrange(started_at, CASE WHEN status = 'RUNNING' THEN expires_at"
        + " ELSE least(finished_at, expires_at) END) AS life, id FROM maintenance_operations WHERE exclusive) b"
        + " ON a.id < b.id AND a.life && b.life", "");
  }

  private static long count(String from, String where) throws Exception {
    try (Connection c = catalog.getConnection(); Statement st = c.createStatement();
        ResultSet rs = st.executeQuery("SELECT count(*) FROM " + from + (where.isEmpty() ? "" : " WHERE " + where))) {
      rs.next();
      return rs.getLong(1);
    }
  }
}
