package io.maintenance.core;

import static io.maintenance.core.testing.EngineFixture.ADMIN;
import static io.maintenance.core.testing.EngineFixture.ALICE;
import static io.maintenance.core.testing.EngineFixture.BOB;
import static io.maintenance.core.testing.EngineFixture.READER;
import static org.assertj.core.api.Assertions.assertThat;

import io.maintenance.api.BackupRequest;
import io.maintenance.api.BackupStatus;
import io.maintenance.api.MetricsSummary;
import io.maintenance.api.RestorePolicy;
import io.maintenance.api.RestorePreview;
import io.maintenance.api.RestoreRequest;
import io.maintenance.api.TaskRequest;
import io.maintenance.api.TaskType;
import io.maintenance.core.testing.EngineFixture;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class MetricsIT {
  private final EngineFixture f = new EngineFixture(b -> b.restorePolicy(new RestorePolicy(1, Duration.ofMinutes(15), false)));

  @AfterEach
  void close() {
    f.close();
  }

  @Test
  void prometheusTextUsesTheNamesOfTheDesign() {
    var backup = f.engine.backup(BackupRequest.all(), ALICE);
    RestorePreview p = f.engine.previewRestore(RestoreRequest.of(backup.id()), ALICE);
    f.engine.approveRestore(p.requestId(), "", BOB);
    f.engine.confirmRestore(p.token(), ALICE);
    f.engine.runTask(TaskRequest.of(TaskType.VERIFY), ADMIN);

    String text = f.engine.prometheusText(READER);

    assertThat(text).contains("maintenance_backup_total{provider=\"memory\",status=\"SUCCEEDED\",type=\"FULL\"} 1.0");
    assertThat(text).contains("maintenance_restore_total{mode=\"preview\",provider=\"memory\",requires_approval=\"true\",status=\"SUCCEEDED\"} 1.0");
    assertThat(text).contains("maintenance_restore_total{mode=\"apply\",provider=\"memory\",requires_approval=\"true\",status=\"SUCCEEDED\"} 1.0");
    assertThat(text).contains("maintenance_task_total{status=\"SUCCEEDED\",task_type=\"VERIFY\"} 1.0");
    assertThat(text).contains("maintenance_restore_approvals_total{status=\"accepted\"} 1.0");
    assertThat(text).contains("maintenance_backup_duration_seconds_bucket{status=\"SUCCEEDED\",le=\"1.0\"}");
    assertThat(text).contains("maintenance_backup_duration_seconds_bucket{status=\"SUCCEEDED\",le=\"1800.0\"}");
    assertThat(text).contains("maintenance_restore_duration_seconds_bucket{mode=\"apply\",status=\"SUCCEEDED\",le=\"1.0\"}");
    assertThat(text).contains("maintenance_restore_duration_seconds_count{mode=\"apply\",status=\"SUCCEEDED\"} 1");
    assertThat(text).containsPattern("(?m)^maintenance_metrics_age_seconds \\d");
    assertThat(text).contains("maintenance_backups{status=\"SUCCEEDED\"} 1.0");
    // The host's own registry receives the same meters.
    assertThat(f.hostRegistry.find("maintenance.backup").tag("status", "SUCCEEDED").counter().count()).isEqualTo(1.0);
  }

  @Test
  void gaugesForAlertsFollowTheCatalogAndReadiness() {
    String before = f.engine.prometheusText(READER);
    assertThat(before).contains("maintenance_last_successful_backup_timestamp_seconds{datastore=\"orders\"} 0.0");
    assertThat(before).contains("maintenance_restores_awaiting_approval 0.0");
    assertThat(before).contains("maintenance_ready{component=\"catalog\"} 1.0");
    assertThat(before).contains("maintenance_ready{component=\"datastore:orders\"} 1.0");
    assertThat(before).contains("maintenance_ready{component=\"storage:memory\"} 1.0");

    var backup = f.engine.backup(BackupRequest.all(), ALICE);
    RestorePreview p = f.engine.previewRestore(RestoreRequest.of(backup.id()), ALICE);
    f.orders.setDown(true);
    f.clock.advance(Duration.ofSeconds(15));   // the gauges re-read the catalog and probe at most every 15 s

    String waiting = f.engine.prometheusText(READER);
    double finished = backup.finishedAt().orElseThrow().toEpochMilli() / 1000.0;
    assertThat(waiting).contains("maintenance_last_successful_backup_timestamp_seconds{datastore=\"orders\"} " + finished);
    assertThat(waiting).contains("maintenance_restores_awaiting_approval 1.0");
    assertThat(waiting).contains("maintenance_restores{status=\"PREVIEWED\"} 1.0");
    assertThat(waiting).contains("maintenance_ready{component=\"datastore:orders\"} 0.0");
    assertThat(waiting).contains("maintenance_ready{component=\"catalog\"} 1.0");

    f.engine.approveRestore(p.requestId(), "", BOB);
    f.clock.advance(Duration.ofSeconds(15));
    assertThat(f.engine.prometheusText(READER)).contains("maintenance_restores_awaiting_approval 0.0");
  }

  @Test
  void failuresAreCountedWithTheirCode() {
    f.orders.failNextBackup(new IllegalStateException("boom"));
    try {
      f.engine.backup(BackupRequest.all(), ALICE);
    } catch (RuntimeException expected) {
      // counted below
    }
    assertThat(f.engine.prometheusText(READER)).contains("maintenance_backup_total{provider=\"memory\",status=\"FAILED\",type=\"FULL\"} 1.0");
  }

  @Test
  void jsonSummaryCombinesCatalogAndMeters() {
    f.engine.backup(BackupRequest.all(), ALICE);

    MetricsSummary s = f.engine.metrics(READER);

    assertThat(s.backupsByStatus()).containsEntry(BackupStatus.SUCCEEDED, 1L);
    assertThat(s.lastSucceededBackupAt()).isPresent();
    assertThat(s.storedBytes()).isPositive();
    assertThat(s.meters()).anySatisfy(m -> {
      assertThat(m.name()).isEqualTo("maintenance_backup_total");
      assertThat(m.value()).isEqualTo(1.0);
    });
  }
}
