package io.maintenance.datastore.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.maintenance.api.DatastoreManifest;
import io.maintenance.api.DatastorePlan;
import io.maintenance.api.ErrorCode;
import io.maintenance.api.MaintenanceException;
import io.maintenance.api.ResourceSummary;
import io.maintenance.spi.RestoreOutcome;
import io.maintenance.spi.internal.BackupLayout;
import io.maintenance.spi.internal.StorageArtifactSink;
import io.maintenance.spi.internal.UploadTracker;
import io.maintenance.tck.DatastoreHarness;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import javax.sql.DataSource;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Plain SQL dumps of older versions or pg_dump still restore, as scripts, with a warning in the plan. */
class LegacyDumpIT {
  static DataSource ds;
  PostgresDatastore datastore;
  DatastoreHarness harness;

  @BeforeAll
  static void database() {
    ds = Pg.freshDatabase("legacy");
  }

  @BeforeEach
  void clean() throws Exception {
    Pg.exec(ds, "DROP SCHEMA IF EXISTS legacy CASCADE; DROP SCHEMA IF EXISTS keep CASCADE;"
        + " CREATE SCHEMA keep; CREATE TABLE keep.t (x int); INSERT INTO keep.t VALUES (1);"
        + " CREATE SEQUENCE keep.s; SELECT setval('keep.s', 5)");
    datastore = PostgresDatastore.builder("legacy").dataSource(ds).build();
    harness = new DatastoreHarness(datastore);
  }

  private DatastoreManifest manifestWith(String name, String script) throws Exception {
    String backupId = "b-" + UUID.randomUUID();
    StorageArtifactSink sink = new StorageArtifactSink(harness.storage(),
        BackupLayout.datastoreFolder("tck", backupId, "legacy"), UploadTracker.NONE, Optional.empty());
    try (OutputStream out = sink.create(name, "application/sql")) {
      out.write(script.getBytes(StandardCharsets.UTF_8));
    }
    return new DatastoreManifest("legacy", "postgres", "0.0.1", "legacy", sink.completed(), List.of(),
        Map.of(DatastoreHarness.BACKUP_ID, backupId));
  }

  private static String fixture() throws Exception {
    try (InputStream in = LegacyDumpIT.class.getResourceAsStream("/legacy/plain_dump.sql")) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  private String live() throws Exception {
    return Pg.copyOut(ds, "SELECT nspname FROM pg_namespace WHERE nspname IN ('legacy', 'keep') ORDER BY 1")
        + Pg.copyOut(ds, "SELECT * FROM keep.t") + Pg.copyOut(ds, "SELECT last_value FROM keep.s");
  }

  @Test
  void plainDumpRestoresAsAScriptWithAWarningInThePlan() throws Exception {
    DatastoreManifest m = manifestWith("orders_db.sql", fixture());
    String before = live();

    DatastorePlan plan = harness.plan(m);
    assertThat(live()).as("the plan does not run the script").isEqualTo(before);
    assertThat(plan.warnings()).anySatisfy(w -> assertThat(w).contains("legacy SQL dump orders_db.sql", "3 COPY rows"));
    RestoreOutcome outcome = harness.restore(m, plan);

    assertThat(Pg.copyOut(ds, "SELECT id, body, tag, esc, legacy.shout(body) FROM legacy.notes ORDER BY id")).isEqualTo(
        "1\thello\ta\tb\tHELLO; !\n"
            + "2\tmulti\\nline\\twith tab\t\\N\tx\tMULTI\\nLINE\\tWITH TAB; !\n"
            + "3\tsemi; colon -- not a comment\t$$\ty\tSEMI; COLON -- NOT A COMMENT; !\n");
    assertThat(Pg.copyOut(ds, "SELECT last_value, is_called FROM legacy.notes_id_seq")).isEqualTo("3\tt\n");
    assertThat(Pg.copyOut(ds, "SELECT conname FROM pg_constraint WHERE conrelid = 'legacy.notes'::regclass"))
        .isEqualTo("notes_pkey\n");
    assertThat(outcome.resources()).containsExactly(
        new ResourceSummary("script", "orders_db.sql", Map.of("statements", 16L, "rows", 3L)));
  }

  @Test
  void aFailingStatementRollsTheWholeScriptBackIncludingSequences() throws Exception {
    String broken = fixture().replace("SELECT pg_catalog.setval('legacy.notes_id_seq', 3, true);",
        "SELECT pg_catalog.setval('keep.s', 99, true);\nALTER TABLE legacy.nope ADD COLUMN x int;");
    DatastoreManifest m = manifestWith("broken.sql", broken);
    String before = live();

    assertThatThrownBy(() -> harness.restore(m, harness.plan(m))).isInstanceOfSatisfying(MaintenanceException.class,
        e -> assertThat(e.code()).isEqualTo(ErrorCode.INCOMPATIBLE_ARTIFACT));

    assertThat(live()).isEqualTo(before);
  }

  @Test
  void aScriptThatEndsInsideCopyDataIsRejectedAtPreview() throws Exception {
    String truncated = fixture().substring(0, fixture().indexOf("3\tsemi"));
    DatastoreManifest m = manifestWith("cut.sql", truncated);

    assertThatThrownBy(() -> harness.plan(m)).isInstanceOfSatisfying(MaintenanceException.class,
        e -> assertThat(e.code()).isEqualTo(ErrorCode.INCOMPATIBLE_ARTIFACT));
    assertThat(live()).doesNotContain("legacy");
  }
}
