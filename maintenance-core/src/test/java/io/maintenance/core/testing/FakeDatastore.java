package io.maintenance.core.testing;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.maintenance.api.ArtifactInfo;
import io.maintenance.api.ChangeKind;
import io.maintenance.api.CountChange;
import io.maintenance.api.DatastorePlan;
import io.maintenance.api.ErrorCode;
import io.maintenance.api.MaintenanceException;
import io.maintenance.api.ProbeResult;
import io.maintenance.api.ResourceDiff;
import io.maintenance.api.ResourceSummary;
import io.maintenance.api.TaskItem;
import io.maintenance.spi.BackupContext;
import io.maintenance.spi.Datastore;
import io.maintenance.spi.DatastoreBackup;
import io.maintenance.spi.Fingerprint;
import io.maintenance.spi.RestoreContext;
import io.maintenance.spi.RestoreOutcome;
import io.maintenance.spi.TaskContext;
import io.maintenance.spi.TaskOutcome;
import io.maintenance.spi.support.Digests;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * An in-memory key/value datastore for unit tests of the engine (never for the demo or end-to-end
 * tests): tables of string rows, one JSON artifact per table, an atomic restore, and hooks to make it
 * fail or block.
 */
public final class FakeDatastore implements Datastore {
  private static final JsonFactory JSON = new JsonFactory();

  private final String id;
  private final Map<String, TreeMap<String, String>> tables = new TreeMap<>();
  private final AtomicReference<RuntimeException> failBackup = new AtomicReference<>();
  private final AtomicReference<RuntimeException> failRestore = new AtomicReference<>();
  private volatile CountDownLatch backupStarted;
  private volatile CountDownLatch backupRelease;
  private volatile boolean down;
  private volatile boolean leaveArtifactOpen;
  private volatile boolean masksStorageFailures;
  private volatile int restores;
  private final Map<String, Runnable> hooks = new java.util.concurrent.ConcurrentHashMap<>();

  public FakeDatastore(String id) {
    this.id = id;
  }

  public synchronized FakeDatastore put(String table, String key, String value) {
    tables.computeIfAbsent(table, t -> new TreeMap<>()).put(key, value);
    return this;
  }

  public synchronized FakeDatastore remove(String table, String key) {
    tables.getOrDefault(table, new TreeMap<>()).remove(key);
    return this;
  }

  public synchronized Map<String, Map<String, String>> snapshot() {
    Map<String, Map<String, String>> copy = new TreeMap<>();
    tables.forEach((t, rows) -> copy.put(t, new TreeMap<>(rows)));
    return copy;
  }

  public void failNextBackup(RuntimeException e) {
    failBackup.set(e);
  }

  public void failNextRestore(RuntimeException e) {
    failRestore.set(e);
  }

  /** The next backup signals {@code started} and waits for {@code release}. */
  public void blockNextBackup(CountDownLatch started, CountDownLatch release) {
    this.backupStarted = started;
    this.backupRelease = release;
  }

  /** The next backup forgets to close one artifact, as a buggy plugin would. */
  public void leaveNextArtifactOpen() {
    this.leaveArtifactOpen = true;
  }

  /**
   * Behaves like a datastore that cancels its snapshot query when writing an artifact fails and throws
   * that cancellation instead of the storage failure (as a JDBC plugin's {@code finally} does).
   */
  public void masksStorageFailures(boolean masks) {
    this.masksStorageFailures = masks;
  }

  public void setDown(boolean down) {
    this.down = down;
  }

  public int restoreCount() {
    return restores;
  }

  /**
   * Runs {@code action} once when the datastore reaches {@code point}: {@code backup.start} (before the
   * snapshot), {@code backup.end} (artifacts written, before returning), {@code restore.start} (artifacts
   * read and verified, before the point of no return) or {@code restore.end} (applied, before returning).
   */
  public FakeDatastore at(String point, Runnable action) {
    hooks.put(point, action);
    return this;
  }

  private void reach(String point) {
    Runnable r = hooks.remove(point);
    if (r != null) {
      r.run();
    }
  }

  @Override
  public String id() {
    return id;
  }

  @Override
  public String type() {
    return "fake";
  }

  @Override
  public ProbeResult probe() {
    return down ? ProbeResult.down(id, "FAKE_UNREACHABLE", Duration.ZERO, "switched off by the test")
        : ProbeResult.up(id, Duration.ZERO, Map.of("version", "1"));
  }

  @Override
  public synchronized Fingerprint fingerprint(Set<String> resources) {
    Map<String, String> parts = new TreeMap<>();
    Set<String> names = resources.isEmpty() ? tables.keySet() : resources;
    for (String t : names) {
      parts.put(t, tables.containsKey(t) ? Digests.sha256Hex(tables.get(t).toString()) : "absent");
    }
    return Fingerprint.of(parts);
  }

  @Override
  public boolean supportsIncremental() {
    return true;
  }

  @Override
  public DatastoreBackup backup(BackupContext ctx) throws IOException {
    reach("backup.start");
    CountDownLatch started = backupStarted;
    if (started != null) {
      backupStarted = null;
      started.countDown();
      try {
        backupRelease.await(30, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    Map<String, Map<String, String>> data = snapshot();
    if (leaveArtifactOpen) {
      leaveArtifactOpen = false;
      ctx.artifacts().create("forgotten.json", "application/json").write('{');
    }
    List<ResourceSummary> resources = new ArrayList<>();
    Map<String, String> metadata = new TreeMap<>();
    for (var table : data.entrySet()) {
      String fp = Digests.sha256Hex(table.getValue().toString());
      metadata.put("fp:" + table.getKey(), fp);
      Optional<ArtifactInfo> reusable = ctx.parent()
          .filter(p -> fp.equals(p.metadata().get("fp:" + table.getKey())))
          .flatMap(p -> p.artifacts().stream().filter(a -> a.name().equals(table.getKey() + ".json")).findFirst());
      if (reusable.isPresent()) {
        ctx.artifacts().reuse(reusable.get());
      } else {
        try (OutputStream out = ctx.artifacts().create(table.getKey() + ".json", "application/json");
            JsonGenerator g = JSON.createGenerator(out)) {
          g.writeStartObject();
          for (var row : table.getValue().entrySet()) {
            g.writeStringField(row.getKey(), row.getValue());
          }
          g.writeEndObject();
        } catch (IOException | RuntimeException e) {
          if (masksStorageFailures) {
            throw new MaintenanceException(ErrorCode.DATASTORE_FAILURE, "canceling statement due to user request (SQLSTATE 57014)");
          }
          throw e;
        }
      }
      RuntimeException fail = failBackup.getAndSet(null);
      if (fail != null) {
        throw fail;
      }
      resources.add(new ResourceSummary("table", table.getKey(), Map.of("rows", (long) table.getValue().size())));
      ctx.ensureActive();
    }
    reach("backup.end");
    return new DatastoreBackup(fingerprint(data.keySet()), resources, metadata);
  }

  @Override
  public DatastorePlan plan(RestoreContext ctx) throws IOException {
    Map<String, TreeMap<String, String>> incoming = read(ctx);
    Map<String, Map<String, String>> live = snapshot();
    List<ResourceDiff> diffs = new ArrayList<>();
    for (var e : incoming.entrySet()) {
      Map<String, String> now = live.get(e.getKey());
      long lost = now == null ? 0 : now.keySet().stream().filter(k -> !e.getValue().containsKey(k)).count();
      ChangeKind kind = now == null ? ChangeKind.CREATE : now.equals(e.getValue()) ? ChangeKind.UNCHANGED : ChangeKind.REPLACE;
      diffs.add(new ResourceDiff("table", e.getKey(), kind,
          List.of(new CountChange("rows", now == null ? 0 : now.size(), e.getValue().size())), List.of(), lost));
    }
    return new DatastorePlan(id, type(), diffs, List.of());
  }

  @Override
  public RestoreOutcome restore(RestoreContext ctx) throws IOException {
    Map<String, TreeMap<String, String>> incoming = read(ctx); // everything verified before anything changes
    RuntimeException fail = failRestore.getAndSet(null);
    if (fail != null) {
      throw fail;
    }
    reach("restore.start");
    ctx.ensureActive(); // the point of no return
    List<ResourceSummary> out = new ArrayList<>();
    synchronized (this) {
      tables.putAll(incoming);
      incoming.forEach((t, rows) -> out.add(new ResourceSummary("table", t, Map.of("rows", (long) rows.size()))));
      restores++;
    }
    reach("restore.end");
    return new RestoreOutcome(out, List.of());
  }

  @Override
  public TaskOutcome housekeeping(TaskContext ctx) {
    return new TaskOutcome(List.of(new TaskItem(id, "compact", ctx.dryRun() ? "would-do" : "done", tables.size() + " tables")));
  }

  private static Map<String, TreeMap<String, String>> read(RestoreContext ctx) throws IOException {
    Map<String, TreeMap<String, String>> out = new HashMap<>();
    for (ArtifactInfo a : ctx.manifest().artifacts()) {
      String table = a.name().substring(0, a.name().length() - ".json".length());
      if (!ctx.resources().isEmpty() && !ctx.resources().contains(table)) {
        continue;
      }
      TreeMap<String, String> rows = new TreeMap<>();
      try (InputStream in = ctx.artifacts().open(a.name()); JsonParser p = JSON.createParser(in)) {
        if (p.nextToken() != JsonToken.START_OBJECT) {
          throw bad(a);
        }
        while (p.nextToken() == JsonToken.FIELD_NAME) {
          String key = p.getCurrentName();
          if (p.nextToken() != JsonToken.VALUE_STRING) {
            throw bad(a);
          }
          rows.put(key, p.getText());
        }
        while (p.nextToken() != null) {
          // read to the end so the stream verifies its checksum
        }
      } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
        throw new MaintenanceException(ErrorCode.INCOMPATIBLE_ARTIFACT, "artifact " + a.name() + " is not valid: " + e.getOriginalMessage());
      }
      out.put(table, rows);
    }
    return out;
  }

  private static MaintenanceException bad(ArtifactInfo a) {
    return new MaintenanceException(ErrorCode.INCOMPATIBLE_ARTIFACT, "artifact " + a.name() + " is not a table");
  }
}
