package io.maintenance.examples;

import static org.assertj.core.api.Assertions.assertThat;

import io.maintenance.api.ProbeStatus;
import io.maintenance.api.RestoreStatus;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The demo's story, run as a test: real PostgreSQL, real local storage, the real engine. */
class DemoIT {
  @TempDir
  Path dir;

  @Test
  void theDemoBringsTheShopBackExactlyAsItWas() throws Exception {
    ByteArrayOutputStream printed = new ByteArrayOutputStream();
    try (EmbeddedPostgres pg = EmbeddedPostgres.builder().start()) {
      Demo.Outcome o = Demo.story(pg, dir.resolve("backups"), new PrintStream(printed, true, StandardCharsets.UTF_8));
      try (var engine = o.engine()) {
        assertThat(o.broken()).isNotEqualTo(o.before());
        assertThat(o.after()).isEqualTo(o.before());
        assertThat(o.restore().status()).isEqualTo(RestoreStatus.APPLIED);
        assertThat(o.restore().safetyBackupId()).isPresent();
        assertThat(o.readiness().status()).isEqualTo(ProbeStatus.UP);
        assertThat(o.auditIntact()).isTrue();
        assertThat(o.prometheus()).contains("maintenance_backup_total{provider=\"local\",status=\"SUCCEEDED\",type=\"FULL\"} 2.0");
      }
    }
    String out = printed.toString(StandardCharsets.UTF_8);
    assertThat(out).contains("refused: APPROVAL_REQUIRED", "refused: SELF_APPROVAL_FORBIDDEN", "the same token again: TOKEN_CONSUMED");
    assertThat(out).doesNotContain("✘ DIFFERENT");
  }
}
