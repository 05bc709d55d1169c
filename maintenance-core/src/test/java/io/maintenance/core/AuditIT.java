package io.maintenance.core;

import static io.maintenance.core.testing.EngineFixture.ALICE;
import static io.maintenance.core.testing.EngineFixture.READER;
import static org.assertj.core.api.Assertions.assertThat;

import io.maintenance.api.AuditEvent;
import io.maintenance.api.AuditQuery;
import io.maintenance.api.AuditRecord;
import io.maintenance.api.AuditVerification;
import io.maintenance.api.BackupRequest;
import io.maintenance.core.internal.catalog.Db;
import io.maintenance.core.testing.EngineFixture;
import java.sql.SQLException;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class AuditIT {
  private final List<AuditEvent> forwarded = new CopyOnWriteArrayList<>();
  private final EngineFixture f = new EngineFixture(b -> b.auditSink(forwarded::add));

  @AfterEach
  void close() {
    f.close();
  }

  private void someActivity() {
    f.engine.backup(BackupRequest.all(), ALICE);
    f.engine.backup(BackupRequest.all(), ALICE);
    try {
      f.engine.backup(BackupRequest.all(), READER);
    } catch (RuntimeException expected) {
      // denied, and audited
    }
  }

  @Test
  void everyStepIsChainedAndForwarded() {
    someActivity();

    List<AuditRecord> records = f.engine.audit(AuditQuery.latest(10), READER);
    assertThat(records).extracting(r -> r.event().action()).containsExactly("backup", "backup", "backup");
    assertThat(records).extracting(r -> r.event().outcome()).containsExactly("FORBIDDEN", "success", "success");
    assertThat(records.get(0).previousHash()).isEqualTo(records.get(1).hash());
    assertThat(forwarded).hasSize(3);
    assertThat(f.engine.verifyAudit(READER).intact()).isTrue();
    assertThat(f.engine.audit(new AuditQuery(1, java.util.Optional.of(records.get(0).sequence())), READER))
        .singleElement().satisfies(r -> assertThat(r.sequence()).isEqualTo(records.get(1).sequence()));
  }

  @Test
  void theTableRefusesUpdatesAndDeletes() {
    someActivity();

    assertThat(sqlFails("UPDATE maintenance_audit_log SET actor = 'mallory'")).isTrue();
    assertThat(sqlFails("DELETE FROM maintenance_audit_log")).isTrue();
  }

  @Test
  void verificationFindsAnEditedRow() {
    someActivity();
    tamper("UPDATE maintenance_audit_log SET actor = 'mallory' WHERE seq = 2");

    AuditVerification v = f.engine.verifyAudit(READER);

    assertThat(v.intact()).isFalse();
    assertThat(v.firstBrokenSequence()).contains(2L);
    assertThat(v.detail()).contains("modified");
  }

  @Test
  void verificationFindsADeletedRow() {
    someActivity();
    tamper("DELETE FROM maintenance_audit_log WHERE seq = 2");

    AuditVerification v = f.engine.verifyAudit(READER);

    assertThat(v.intact()).isFalse();
    assertThat(v.firstBrokenSequence()).contains(3L);
  }

  @Test
  void verificationFindsARewrittenChainTail() {
    someActivity();
    // Re-hashing a row without the secret-free chain still breaks the link of the row after it.
    tamper("UPDATE maintenance_audit_log SET hash = repeat('a', 64) WHERE seq = 1");

    assertThat(f.engine.verifyAudit(READER).firstBrokenSequence()).contains(1L);
  }

  private boolean sqlFails(String sql) {
    try {
      f.sql(c -> Db.update(c, sql));
      return false;
    } catch (IllegalStateException e) {
      return e.getCause() instanceof SQLException;
    }
  }

  /** A database owner can switch the trigger off; the hash chain still tells. */
  private void tamper(String sql) {
    f.sql(c -> {
      Db.update(c, "ALTER TABLE maintenance_audit_log DISABLE TRIGGER maintenance_audit_log_append_only");
      Db.update(c, sql);
      return Db.update(c, "ALTER TABLE maintenance_audit_log ENABLE TRIGGER maintenance_audit_log_append_only");
    });
  }
}
