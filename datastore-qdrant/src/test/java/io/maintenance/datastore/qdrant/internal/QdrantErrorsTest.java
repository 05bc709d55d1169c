package io.maintenance.datastore.qdrant.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.maintenance.api.ErrorCode;
import io.maintenance.api.MaintenanceException;
import org.junit.jupiter.api.Test;

/** Qdrant's answers, as its REST API words them, and the codes they become. */
class QdrantErrorsTest {
  private static MaintenanceException of(int status, String message) {
    return QdrantErrors.of("restoring", new QdrantHttpException("upload", status, message));
  }

  @Test
  void onlyA401IsABadKeyAndA403IsReadByWhatItSays() {
    assertThat(of(401, "Invalid API key or JWT").details()).containsEntry("reason", "QDRANT_UNAUTHORIZED");
    assertThat(of(403, "Forbidden: Global access is required").details()).containsEntry("reason", "QDRANT_FORBIDDEN");
    assertThat(of(403, "Forbidden: Global access is required").code()).isEqualTo(ErrorCode.CONFIG_INVALID);
    MaintenanceException locked = of(403, "Storage locked: maintenance");
    assertThat(locked.code()).isEqualTo(ErrorCode.DATASTORE_FAILURE);
    assertThat(locked.details()).doesNotContainKey("reason");
    QdrantHttpException urlRecovery = new QdrantHttpException("recover", 403,
        "Forbidden: Snapshot recovery from remote URLs is disabled in the configuration");
    assertThat(urlRecovery.urlRecoveryDisabled()).isTrue();
    assertThat(urlRecovery.forbidden()).isFalse();
    assertThat(QdrantErrors.of("restoring", urlRecovery).details()).doesNotContainKey("reason");
  }

  @Test
  void bothOfQdrantsChecksumRefusalsAreIntegrityMismatches() {
    assertThat(of(400, "Checksum mismatch: expected " + "a".repeat(64) + ", actual " + "b".repeat(64)).code())
        .isEqualTo(ErrorCode.INTEGRITY_MISMATCH);
    assertThat(of(400, "Wrong input: Snapshot checksum mismatch: expected " + "a".repeat(64) + ", got " + "b".repeat(64))
        .code()).isEqualTo(ErrorCode.INTEGRITY_MISMATCH);
    assertThat(of(400, "Wrong input: Snapshot is not compatible with existing collection").code())
        .isEqualTo(ErrorCode.DATASTORE_FAILURE);
  }
}
