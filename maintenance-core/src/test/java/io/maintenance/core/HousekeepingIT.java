package io.maintenance.core;

import static io.maintenance.core.testing.EngineFixture.ADMIN;
import static io.maintenance.core.testing.EngineFixture.ALICE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.maintenance.api.BackupRecord;
import io.maintenance.api.BackupRequest;
import io.maintenance.api.BackupStatus;
import io.maintenance.api.ErrorCode;
import io.maintenance.api.MaintenanceException;
import io.maintenance.api.RetentionPolicy;
import io.maintenance.api.TaskItem;
import io.maintenance.api.TaskRequest;
import io.maintenance.api.TaskResult;
import io.maintenance.api.TaskStatus;
import io.maintenance.api.TaskType;
import io.maintenance.core.internal.catalog.Db;
import io.maintenance.core.testing.EngineFixture;
import io.maintenance.spi.Upload;
import io.maintenance.spi.UploadOptions;
import io.maintenance.spi.UploadState;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class HousekeepingIT {
  private final EngineFixture f = new EngineFixture(b -> b.retentionPolicy(RetentionPolicy.builder().keepLast(2).build()));

  @AfterEach
  void close() {
    f.close();
  }

  private List<BackupRecord> takeBackups(int n) {
    List<BackupRecord> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      f.clock.advance(Duration.ofHours(1));
      f.orders.put("invoices", "n" + i, "v" + i);
      out.add(f.engine.backup(BackupRequest.builder().pinned(i == 0).build(), ALICE));
    }
    return out;
  }

  @Test
  void retentionDryRunListsWhatWouldGoAndChangesNothing() {
    List<BackupRecord> b = takeBackups(5);
    List<String> keysBefore = f.storedKeys();

    TaskResult r = f.engine.runTask(TaskRequest.builder(TaskType.RETENTION).dryRun(true).build(), ADMIN);

    assertThat(r.status()).isEqualTo(TaskStatus.SUCCEEDED);
    assertThat(r.items()).filteredOn(i -> i.action().equals("delete")).extracting(TaskItem::target)
        .containsExactlyInAnyOrder(b.get(1).id(), b.get(2).id());
    assertThat(r.items()).filteredOn(i -> i.action().equals("delete")).allSatisfy(i -> assertThat(i.outcome()).isEqualTo("would-do"));
    assertThat(r.items()).anySatisfy(i -> {
      assertThat(i.target()).isEqualTo(b.get(0).id());
      assertThat(i.detail()).isEqualTo("pinned");
    });
    assertThat(f.storedKeys()).isEqualTo(keysBefore);
    assertThat(f.count("maintenance_backups", "")).isEqualTo(5);
  }

  @Test
  void retentionDeletesArtifactsThenRowsAndLeavesNoOrphans() {
    List<BackupRecord> b = takeBackups(5);

    TaskResult r = f.engine.runTask(TaskRequest.of(TaskType.RETENTION), ADMIN);

    assertThat(r.status()).isEqualTo(TaskStatus.SUCCEEDED);
    assertThat(f.engine.findBackup(b.get(1).id(), ADMIN)).isEmpty();
    assertThat(f.engine.findBackup(b.get(2).id(), ADMIN)).isEmpty();
    List<String> kept = List.of(b.get(0).id(), b.get(3).id(), b.get(4).id());
    assertThat(f.storedKeys()).allSatisfy(k -> assertThat(kept).anySatisfy(id -> assertThat(k).startsWith("backups/" + id + "/")));
    for (String id : kept) {
      assertThat(f.storedKeys()).contains("backups/" + id + "/manifest.json");
    }
    TaskResult sweep = f.engine.runTask(TaskRequest.builder(TaskType.ORPHAN_SWEEP).dryRun(true).build(), ADMIN);
    assertThat(sweep.items()).isEmpty();
    assertThat(f.count("maintenance_tasks", "type = 'RETENTION' AND status = 'SUCCEEDED'")).isEqualTo(1);
  }

  @Test
  void verifyFindsAnArtifactWhoseBytesChanged() {
    List<BackupRecord> b = takeBackups(2);
    String key = "backups/" + b.get(1).id() + "/orders/invoices.json";
    byte[] bytes = f.storage.backing().bytes(key).orElseThrow();
    bytes[0] ^= 1;
    f.storage.backing().tamper(key, bytes);

    TaskResult r = f.engine.runTask(TaskRequest.of(TaskType.VERIFY), ADMIN);

    assertThat(r.status()).isEqualTo(TaskStatus.FAILED);
    assertThat(r.error()).hasValueSatisfying(e -> assertThat(e.code()).isEqualTo("INTEGRITY_MISMATCH"));
    assertThat(r.items()).anySatisfy(i -> {
      assertThat(i.target()).isEqualTo(b.get(1).id());
      assertThat(i.outcome()).isEqualTo("INTEGRITY_MISMATCH");
    });
    assertThat(r.items()).anySatisfy(i -> {
      assertThat(i.target()).isEqualTo(b.get(0).id());
      assertThat(i.outcome()).isEqualTo("ok");
    });
  }

  @Test
  void orphanSweepAbortsDeadUploadsRemovesOwnUnownedFoldersAndSettlesStuckRows() throws Exception {
    takeBackups(1);
    String deployment = f.sql(c -> Db.queryOne(c, "SELECT id FROM maintenance_deployment", rs -> rs.getString(1)).orElseThrow());
    // A crashed process left: a RUNNING row with half its artifacts and no live lease, an upload session,
    // and a folder of this deployment that no row owns. Another deployment's folder and an unmarked one share the prefix.
    f.sql(c -> Db.update(c, "INSERT INTO maintenance_backups (id, status, type, datastores, storage_provider, storage_prefix,"
        + " requested_by, owner, started_at) VALUES ('bk-dead', 'RUNNING', 'FULL', '{orders}', 'memory', 'backups', 'alice',"
        + " 'dead-host', now())"));
    put("backups/bk-dead/orders/customers.json", "{}");
    put("backups/bk-ours/owner.json", "{\"deployment\":\"" + deployment + "\",\"backupId\":\"bk-ours\",\"writtenBy\":\"x\"}");
    put("backups/bk-ours/orders/x.json", "{}");
    put("backups/bk-theirs/owner.json", "{\"deployment\":\"dp-other\",\"backupId\":\"bk-theirs\",\"writtenBy\":\"x\"}");
    put("backups/bk-theirs/orders/x.json", "{}");
    put("backups/bk-unmarked/orders/x.json", "{}");
    AtomicReference<UploadState> state = new AtomicReference<>();
    Upload u = f.storage.startUpload("backups/bk-dead/orders/invoices.json", new UploadOptions("application/json", state::set));
    byte[] chunk = new byte[200_000];
    u.write(chunk, 0, chunk.length);
    f.sql(c -> Db.update(c, "INSERT INTO maintenance_upload_sessions (session_id, provider, object_key, backup_id, owner, state,"
            + " committed_bytes, created_at, updated_at) VALUES (?, 'memory', ?, 'bk-dead', 'dead-host', ?::jsonb, ?, now(), now())",
        state.get().sessionId(), state.get().key(), new Db.JsonText(io.maintenance.core.internal.Json.write(state.get())),
        state.get().committedBytes()));
    assertThat(f.storage.backing().openSessions()).isEqualTo(1);

    TaskResult dry = f.engine.runTask(TaskRequest.builder(TaskType.ORPHAN_SWEEP).dryRun(true).build(), ADMIN);
    assertThat(dry.items()).extracting(TaskItem::action).contains("abandon", "abort-upload", "delete-unowned", "skip-foreign");
    assertThat(f.storage.backing().openSessions()).isEqualTo(1);

    TaskResult r = f.engine.runTask(TaskRequest.of(TaskType.ORPHAN_SWEEP), ADMIN);

    assertThat(r.status()).isEqualTo(TaskStatus.SUCCEEDED);
    assertThat(f.engine.findBackup("bk-dead", ADMIN).orElseThrow().status()).isEqualTo(BackupStatus.ABANDONED);
    assertThat(f.storage.backing().openSessions()).isZero();
    assertThat(f.count("maintenance_upload_sessions", "")).isZero();
    assertThat(f.storedKeys()).noneMatch(k -> k.startsWith("backups/bk-dead/") || k.startsWith("backups/bk-ours/"));
    assertThat(f.storedKeys()).contains("backups/bk-theirs/orders/x.json", "backups/bk-theirs/owner.json",
        "backups/bk-unmarked/orders/x.json");
    assertThat(r.items()).filteredOn(i -> i.action().equals("skip-foreign")).extracting(TaskItem::target)
        .containsExactlyInAnyOrder("backups/bk-theirs/", "backups/bk-unmarked/");
    assertThat(r.items()).filteredOn(i -> i.target().equals("backups/bk-theirs/")).singleElement()
        .satisfies(i -> assertThat(i.detail()).contains("dp-other"));
    // What is left is reported again, but nothing is left to do.
    assertThat(f.engine.runTask(TaskRequest.builder(TaskType.ORPHAN_SWEEP).dryRun(true).build(), ADMIN).items())
        .allSatisfy(i -> assertThat(i.action()).isEqualTo("skip-foreign"));
  }

  @Test
  void reindexRunsEachDatastoresUpkeep() {
    TaskResult r = f.engine.runTask(TaskRequest.of(TaskType.REINDEX), ADMIN);

    assertThat(r.items()).singleElement().satisfies(i -> {
      assertThat(i.target()).isEqualTo("orders");
      assertThat(i.outcome()).isEqualTo("done");
    });
    assertThatThrownBy(() -> f.engine.runTask(TaskRequest.builder(TaskType.REINDEX).datastore("nope").build(), ADMIN))
        .isInstanceOfSatisfying(MaintenanceException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_REQUEST));
    assertThatThrownBy(() -> f.engine.runTask(TaskRequest.of(TaskType.RETENTION), ALICE))
        .isInstanceOfSatisfying(MaintenanceException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.FORBIDDEN));
  }

  private void put(String key, String json) throws Exception {
    byte[] bytes = json.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    try (Upload u = f.storage.startUpload(key, UploadOptions.of("application/json"))) {
      u.write(bytes, 0, bytes.length);
      u.complete();
    }
  }
}
