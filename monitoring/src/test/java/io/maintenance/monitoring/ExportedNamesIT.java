package io.maintenance.monitoring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.maintenance.api.BackupRequest;
import io.maintenance.api.Principal;
import io.maintenance.api.RestorePolicy;
import io.maintenance.api.RestorePreview;
import io.maintenance.api.RestoreRequest;
import io.maintenance.api.TaskRequest;
import io.maintenance.api.TaskType;
import io.maintenance.core.MaintenanceEngine;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The dashboard's and the rules' queries against what a real engine exports: a real catalog and datastore on
 * embedded PostgreSQL, local storage, every kind of operation once (a failed backup too, and a restore drill), then the engine's
 * Prometheus text is handed to promql-check, which parses both with Prometheus's own parsers.
 */
class ExportedNamesIT {
  /** Series the queries may name that the engine does not export (yet). */
  private static final List<String> KNOWN_ELSEWHERE = List.of(
      // Per-datastore limits the operator adds as recording rules (see maintenance-alerts.yml).
      "maintenance:backup_max_age_seconds:datastore",
      "maintenance:verified_restore_max_age_seconds:datastore");

  static EmbeddedPostgres pg;

  @TempDir
  static Path dir;

  @BeforeAll
  static void start() throws Exception {
    pg = EmbeddedPostgres.builder().start();
    sql("postgres", "CREATE DATABASE shop", "CREATE DATABASE shop_drill");
    sql("shop", "CREATE TABLE items (id int PRIMARY KEY, name text NOT NULL)",
        "INSERT INTO items SELECT g, 'item ' || g FROM generate_series(1, 100) g");
  }

  @AfterAll
  static void stop() throws Exception {
    pg.close();
  }

  @Test
  void everyMetricAndLabelTheDashboardAndRulesNameIsExported() throws Exception {
    Path check = Tools.tool("MAINTENANCE_IT_PROMQL_CHECK");
    String text = engineText();
    Path metrics = dir.resolve("engine.prom");
    Files.writeString(metrics, text);

    var result = Tools.run(Tools.MONITORING, command(check, metrics, Tools.MONITORING.resolve("grafana/maintenance-overview.json")));

    assertThat(result.exitCode()).as(result.output()).isZero();
    assertThat(result.output()).containsPattern("promql-check: (1[5-9]|[2-9]\\d) queries");
  }

  @Test
  void aQueryNamingAMissingMetricOrLabelFails() throws Exception {
    Path check = Tools.tool("MAINTENANCE_IT_PROMQL_CHECK");
    Path metrics = dir.resolve("engine-2.prom");
    Files.writeString(metrics, engineText());
    Path dashboard = dir.resolve("bad.json");
    Files.writeString(dashboard, """
        {"panels": [{"title": "typos", "targets": [
          {"expr": "sum by (status) (rate(maintenance_backups_total[$__rate_interval]))"},
          {"expr": "max(maintenance_ready{componnet=\\"catalog\\"})"},
          {"expr": "sum by (datastore) (maintenance_backup_total)"}]}]}
        """);

    var result = Tools.run(Tools.MONITORING, command(check, metrics, dashboard));

    assertThat(result.exitCode()).as(result.output()).isEqualTo(1);
    assertThat(result.output())
        .contains("typos: metric \"maintenance_backups_total\" is not exported")
        .contains("typos: metric \"maintenance_ready\" has no label \"componnet\"")
        .contains("typos: label \"datastore\" is on none of the metrics the query uses");
  }

  private static List<String> command(Path check, Path metrics, Path dashboard) {
    List<String> cmd = new ArrayList<>(List.of(check.toString(), "-metrics", metrics.toString(), "-dashboard", dashboard.toString(),
        "-rules", Tools.MONITORING.resolve("prometheus/maintenance-alerts.yml").toString()));
    KNOWN_ELSEWHERE.forEach(k -> {
      cmd.add("-known");
      cmd.add(k);
    });
    return cmd;
  }

  /** Runs every kind of operation once on a real engine and returns its Prometheus text. */
  private static String engineText() throws Exception {
    Path storage = Files.createTempDirectory(dir, "storage");
    String doomed = "doomed_" + storage.getFileName().toString().replaceAll("\\W", "").toLowerCase(java.util.Locale.ROOT);
    sql("postgres", "CREATE DATABASE " + doomed);
    try (MaintenanceEngine engine = MaintenanceEngine.builder()
        .dataSource(pg.getPostgresDatabase())
        .storage("local", Map.of("path", storage.toString()))
        .datastore("postgres", "shop", Map.of("url", pg.getJdbcUrl("postgres", "shop"), "user", "postgres"))
        .datastore("postgres", "doomed", Map.of("url", pg.getJdbcUrl("postgres", doomed), "user", "postgres"))
        .drill("shop", Map.of("sandbox.url", pg.getJdbcUrl("postgres", "shop_drill"), "sandbox.user", "postgres", "max-age", "8d"))
        .restorePolicy(new RestorePolicy(1, Duration.ofMinutes(15), false))
        .build()) {
      Principal alice = Principal.system("alice");
      Principal bob = Principal.system("bob");
      var backup = engine.backup(BackupRequest.builder().datastores(Set.of("shop")).build(), alice);
      sql("postgres", "DROP DATABASE " + doomed + " WITH (FORCE)");
      assertThatThrownBy(() -> engine.backup(BackupRequest.builder().datastores(Set.of("doomed")).build(), alice));
      RestorePreview waiting = engine.previewRestore(RestoreRequest.builder(backup.id()).datastores(Set.of("shop")).build(), alice);
      RestorePreview applied = engine.previewRestore(RestoreRequest.builder(backup.id()).datastores(Set.of("shop")).build(), alice);
      engine.approveRestore(applied.requestId(), "ok", bob);
      engine.confirmRestore(applied.token(), alice);
      assertThat(waiting.token()).isNotEqualTo(applied.token());
      engine.runTask(TaskRequest.builder(TaskType.VERIFY).build(), alice);
      assertThat(engine.runTask(TaskRequest.of(TaskType.DRILL), alice).status()).isEqualTo(io.maintenance.api.TaskStatus.SUCCEEDED);
      engine.readiness(alice);
      String text = engine.prometheusText(alice);
      assertThat(text).contains("maintenance_backup_total{provider=\"local\",status=\"FAILED\",type=\"FULL\"} 1.0");
      assertThat(text).contains("maintenance_ready{component=\"datastore:doomed\"} 0.0");
      // Written by the drill that just passed (absent before one passed).
      assertThat(text).containsPattern("maintenance_last_verified_restore_timestamp_seconds\\{datastore=\"shop\"} [1-9]")
          .contains("maintenance_drill_failures_total{datastore=\"shop\"} 0.0");
      return text;
    }
  }

  private static void sql(String database, String... statements) throws Exception {
    try (Connection c = pg.getDatabase("postgres", database).getConnection(); Statement st = c.createStatement()) {
      for (String s : statements) {
        st.execute(s);
      }
    }
  }
}
