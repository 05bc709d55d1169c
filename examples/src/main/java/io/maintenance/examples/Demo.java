package io.maintenance.examples;

import io.maintenance.api.AuditQuery;
import io.maintenance.api.AuditRecord;
import io.maintenance.api.BackupRecord;
import io.maintenance.api.BackupRequest;
import io.maintenance.api.CountChange;
import io.maintenance.api.DatastorePlan;
import io.maintenance.api.MaintenanceException;
import io.maintenance.api.Principal;
import io.maintenance.api.ProbeResult;
import io.maintenance.api.ReadinessReport;
import io.maintenance.api.ResourceDiff;
import io.maintenance.api.RestorePreview;
import io.maintenance.api.RestoreRecord;
import io.maintenance.api.RestoreRequest;
import io.maintenance.api.Scope;
import io.maintenance.api.TaskRequest;
import io.maintenance.api.TaskResult;
import io.maintenance.api.TaskType;
import io.maintenance.core.MaintenanceEngine;
import io.maintenance.core.http.AdminRoutes;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.stream.Collectors;

/**
 * The demo: an embedded PostgreSQL with a sample shop, a backup to local storage, an accident, a
 * previewed restore with its diff, an approval by a second person, the confirm, and proof the data is
 * back; then readiness, the audit chain and the Prometheus metrics. {@code --serve} keeps the admin
 * routes running on 127.0.0.1 afterwards.
 */
public final class Demo {
  static final Principal ALICE = Principal.of("alice", Scope.READ, Scope.BACKUP, Scope.RESTORE_PREVIEW, Scope.RESTORE_APPLY);
  static final Principal BOB = Principal.of("bob", Scope.READ, Scope.RESTORE_APPROVE);
  static final Principal OPS = Principal.system("ops");

  /** What a run found, for the end-to-end test. */
  public record Outcome(MaintenanceEngine engine, Map<String, String> before, Map<String, String> broken, Map<String, String> after, RestoreRecord restore,
      ReadinessReport readiness, String prometheus, boolean auditIntact) {}

  public static void main(String[] args) throws Exception {
    boolean serve = List.of(args).contains("--serve");
    int port = 8080;
    for (int i = 0; i < args.length - 1; i++) {
      if (args[i].equals("--port")) {
        port = Integer.parseInt(args[i + 1]);
      }
    }
    Path dir = Files.createTempDirectory("maintenance-demo-");
    try (EmbeddedPostgres pg = EmbeddedPostgres.builder().setDataDirectory(dir.resolve("postgres")).setCleanDataDirectory(true).start()) {
      say("Started embedded PostgreSQL on 127.0.0.1:" + pg.getPort() + " (binaries from Maven Central), data in " + dir);
      try (MaintenanceEngine engine = story(pg, dir.resolve("backups"), System.out).engine()) {
        if (serve) {
          serve(engine, port);
        }
      }
    }
  }

  /** Runs the whole story against an embedded server and returns what it saw; the caller closes the engine. */
  public static Outcome story(EmbeddedPostgres pg, Path storageDir, java.io.PrintStream out) throws Exception {
    try (Connection c = pg.getPostgresDatabase().getConnection(); Statement st = c.createStatement()) {
      st.execute("CREATE DATABASE shop");
      st.execute("CREATE DATABASE maintenance");
    }
    SampleShop shop = new SampleShop(pg.getDatabase("postgres", "shop"));
    shop.create();
    Map<String, String> before = shop.fingerprint();
    section(out, "1. Sample data in database 'shop'");
    before.forEach((t, f) -> out.printf("   %-18s %s%n", t, f));

    MaintenanceEngine engine = MaintenanceEngine.builder()
        .dataSource(pg.getDatabase("postgres", "maintenance"))
        .configure(Map.of(
            "storage.type", "local",
            "storage.path", storageDir.toString(),
            "datastores.shop.type", "postgres",
            "datastores.shop.url", pg.getJdbcUrl("postgres", "shop"),
            "datastores.shop.user", "postgres",
            "restore.approvals-required", "1",
            "restore.token-ttl", "15m",
            "restore.safety-backup", "true",
            "retention.keep-last", "5"))
        .build();
    out.printf("   Engine ready: catalog in database 'maintenance', storage 'local' at %s, datastore 'shop' (postgres)%n", storageDir);

    section(out, "2. Backup, as alice");
    BackupRecord backup = engine.backup(BackupRequest.builder().label("reason", "before-migration").build(), ALICE);
    out.printf("   %s %s: %d artifacts, %,d bytes, manifest sha256 %s%n", backup.id(), backup.status(), backup.artifactCount(),
        backup.totalBytes(), backup.manifestSha256().orElse("-").substring(0, 16) + "…");

    section(out, "3. An accident: a bad migration and a careless cleanup");
    shop.breakIt();
    Map<String, String> broken = shop.fingerprint();
    broken.forEach((t, f) -> out.printf("   %-18s %s%n", t, f));

    section(out, "4. Preview the restore, as alice (nothing is written yet)");
    RestorePreview preview = engine.previewRestore(RestoreRequest.of(backup.id()), ALICE);
    out.printf("   request %s, approvals required: %d, expires %s%n", preview.requestId(), preview.approvalsRequired(), preview.expiresAt());
    out.printf("   single-use token (shown once, stored only as a hash): %s…%n", preview.token().substring(0, 12));
    for (DatastorePlan p : preview.plan().datastores()) {
      out.printf("   datastore %s (%s):%n", p.datastoreId(), p.type());
      for (ResourceDiff d : p.resources()) {
        String counts = d.counts().stream().map(Demo::count).collect(Collectors.joining(", "));
        out.printf("     %-8s %-18s %-30s lost %d%s%n", d.change(), d.name(), counts, d.itemsLost(),
            d.schemaChanges().isEmpty() ? "" : "  schema: " + String.join("; ", d.schemaChanges()));
      }
      p.warnings().forEach(w -> out.println("     warning: " + w));
    }

    section(out, "5. Confirm without the required approval, as alice");
    try {
      engine.confirmRestore(preview.token(), ALICE);
    } catch (MaintenanceException e) {
      out.printf("   refused: %s — %s%n", e.code(), e.getMessage());
    }
    section(out, "6. Alice cannot approve her own request; bob approves it");
    try {
      engine.approveRestore(preview.requestId(), "self", Principal.system("alice"));
    } catch (MaintenanceException e) {
      out.printf("   refused: %s%n", e.code());
    }
    engine.approveRestore(preview.requestId(), "checked the diff with alice", BOB);
    out.println("   approved by bob");

    section(out, "7. Confirm, as alice");
    RestoreRecord restore = engine.confirmRestore(preview.token(), ALICE);
    out.printf("   %s %s; safety backup of the data just before: %s%n", restore.id(), restore.status(), restore.safetyBackupId().orElse("-"));
    try {
      engine.confirmRestore(preview.token(), ALICE);
    } catch (MaintenanceException e) {
      out.printf("   the same token again: %s%n", e.code());
    }

    section(out, "8. The data is back");
    Map<String, String> after = shop.fingerprint();
    after.forEach((t, f) -> out.printf("   %-18s %s  %s%n", t, f, f.equals(before.get(t)) ? "✔ equal to before the accident" : "✘ DIFFERENT"));

    section(out, "9. Housekeeping: verify every backup");
    TaskResult verify = engine.runTask(TaskRequest.of(TaskType.VERIFY), OPS);
    verify.items().forEach(i -> out.printf("   %s %s: %s%n", i.target(), i.outcome(), i.detail()));

    section(out, "10. Readiness");
    ReadinessReport readiness = engine.readiness(OPS);
    out.println("   overall: " + readiness.status());
    for (ProbeResult r : readiness.checks()) {
      out.printf("   %-16s %-5s %-4s %4d ms  %s%n", r.component(), r.status(), r.code(), r.latency().toMillis(), r.attributes());
    }

    section(out, "11. Audit trail (hash-chained)");
    List<AuditRecord> audit = engine.audit(AuditQuery.latest(20), OPS);
    for (int i = audit.size() - 1; i >= 0; i--) {
      var e = audit.get(i).event();
      out.printf("   #%-3d %-6s %-16s %-24s %s%n", audit.get(i).sequence(), e.actor(), e.action(), e.outcome(), e.target());
    }
    boolean intact = engine.verifyAudit(OPS).intact();
    out.println("   chain intact: " + intact);

    section(out, "12. Metrics (Prometheus text, maintenance_* counters)");
    String prometheus = engine.prometheusText(OPS);
    prometheus.lines().filter(l -> l.startsWith("maintenance_") && !l.contains("_bucket")).forEach(l -> out.println("   " + l));
    return new Outcome(engine, before, broken, after, restore, readiness, prometheus, intact);
  }

  private static void serve(MaintenanceEngine engine, int port) throws Exception {
    Map<String, Principal> tokens = Map.of("alice-token", ALICE, "bob-token", BOB, "ops-token", OPS);
    try (AdminServer server = AdminServer.start(new AdminRoutes(engine), new InetSocketAddress("127.0.0.1", port),
        t -> Optional.ofNullable(tokens.get(t)))) {
      section(System.out, "Admin routes on http://127.0.0.1:" + server.port() + "/maintenance (Ctrl-C to stop)");
      System.out.println("   tokens: alice-token (backup, preview, apply), bob-token (approve), ops-token (everything)");
      System.out.println("   curl -s -H 'Authorization: Bearer ops-token' http://127.0.0.1:" + server.port() + "/maintenance/backups");
      System.out.println("   curl -si -H 'Authorization: Bearer alice-token' -X POST http://127.0.0.1:" + server.port()
          + "/maintenance/backups      # 202, Location: /maintenance/operations/<id>");
      System.out.println("   curl -s -H 'Authorization: Bearer ops-token' http://127.0.0.1:" + server.port() + "/maintenance/operations");
      System.out.println("   curl -s -H 'Authorization: Bearer ops-token' http://127.0.0.1:" + server.port() + "/maintenance/metrics/prometheus");
      CountDownLatch stop = new CountDownLatch(1);
      Runtime.getRuntime().addShutdownHook(new Thread(stop::countDown));
      stop.await();
    }
  }

  private static String count(CountChange c) {
    return c.metric() + " " + c.before() + " → " + c.after();
  }

  private static void say(String s) {
    System.out.println(s);
  }

  private static void section(java.io.PrintStream out, String title) {
    out.println();
    out.println("== " + title);
  }
}
