package io.maintenance.api;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The JSON metrics summary: the library's meters plus what the catalog says right now.
 *
 * @param backupsByStatus number of catalog rows per backup status
 * @param lastSucceededBackupAt when the newest succeeded backup finished
 * @param storedBytes bytes held by succeeded backups
 * @param restoresByStatus number of restore requests per status
 */
public record MetricsSummary(
    Instant generatedAt,
    Map<BackupStatus, Long> backupsByStatus,
    Optional<Instant> lastSucceededBackupAt,
    long storedBytes,
    Map<RestoreStatus, Long> restoresByStatus,
    List<MeterSample> meters) {
  public MetricsSummary {
    Objects.requireNonNull(generatedAt, "generatedAt");
    backupsByStatus = Map.copyOf(backupsByStatus);
    Objects.requireNonNull(lastSucceededBackupAt, "lastSucceededBackupAt");
    restoresByStatus = Map.copyOf(restoresByStatus);
    meters = List.copyOf(meters);
  }
}
