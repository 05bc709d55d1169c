package io.maintenance.storage.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.maintenance.api.ErrorCode;
import io.maintenance.api.MaintenanceException;
import io.maintenance.spi.ObjectInfo;
import io.maintenance.spi.ReadRequest;
import io.maintenance.spi.Upload;
import io.maintenance.spi.UploadOptions;
import io.maintenance.spi.UploadState;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What someone (or a crash) leaves in the storage directory: links, special files, stale partial uploads. */
class LocalStorageHygieneTest {
  @TempDir
  Path root;

  @TempDir
  Path outside;

  private LocalStorageProvider storage;

  @BeforeEach
  void setUp() {
    storage = LocalStorageProvider.builder().path(root).chunkSize(1024).fsync(true).build();
  }

  private void put(String key, String text) throws Exception {
    byte[] b = text.getBytes(StandardCharsets.UTF_8);
    try (Upload u = storage.startUpload(key, UploadOptions.of("text/plain"))) {
      u.write(b, 0, b.length);
      u.complete();
    }
  }

  private List<String> keys(String prefix) throws Exception {
    try (Stream<ObjectInfo> s = storage.list(prefix)) {
      return s.map(ObjectInfo::key).toList();
    }
  }

  @Test
  void plantedLinksAndSpecialFilesAreSkippedReportedAndNeverFollowedOrDeleted() throws Exception {
    put("backups/bk-1/manifest.json", "{}");
    put("backups/bk-1/db/a.json", "a");
    Path secret = Files.writeString(outside.resolve("secret.txt"), "outside the root");
    Path secretDir = Files.createDirectories(outside.resolve("dir"));
    Files.writeString(secretDir.resolve("inner.txt"), "inner");
    Files.createSymbolicLink(root.resolve("backups/bk-1/db/evil.json"), secret);
    Files.createSymbolicLink(root.resolve("backups/bk-1/db/inside.json"), root.resolve("backups/bk-1/db/a.json"));
    Files.createSymbolicLink(root.resolve("backups/bk-1/linked-dir"), secretDir);
    Files.createSymbolicLink(root.resolve("backups/bk-2"), root.resolve("backups/bk-1"));
    Process mkfifo = new ProcessBuilder("mkfifo", root.resolve("backups/bk-1/db/pipe").toString()).start();
    assertThat(mkfifo.waitFor(10, TimeUnit.SECONDS)).isTrue();
    assertThat(mkfifo.exitValue()).as("mkfifo").isZero();

    assertThat(keys("backups/")).containsExactly("backups/bk-1/db/a.json", "backups/bk-1/manifest.json");
    assertThat(storage.irregularEntries("backups/")).containsExactlyInAnyOrder("backups/bk-1/db/evil.json",
        "backups/bk-1/db/inside.json", "backups/bk-1/db/pipe", "backups/bk-1/linked-dir", "backups/bk-2");
    assertThat(storage.irregularEntries("backups/bk-1/db/")).hasSize(3);

    for (String link : List.of("backups/bk-1/db/evil.json", "backups/bk-1/db/inside.json", "backups/bk-1/db/pipe",
        "backups/bk-1/linked-dir/inner.txt", "backups/bk-2/manifest.json")) {
      assertThat(storage.stat(link)).as(link).isEmpty();
      assertThatThrownBy(() -> storage.openRead(ReadRequest.whole(link))).as(link).isInstanceOf(NoSuchFileException.class);
      assertThat(storage.delete(link)).as(link).isFalse();
    }
    assertThatThrownBy(() -> storage.startUpload("backups/bk-2/new.json", UploadOptions.of("text/plain")))
        .isInstanceOfSatisfying(MaintenanceException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_REQUEST));

    // Deleting every object of the folder works; the links stay for a person to look at; nothing outside was touched.
    for (String k : keys("backups/bk-1/")) {
      assertThat(storage.delete(k)).isTrue();
    }
    assertThat(keys("backups/")).isEmpty();
    assertThat(Files.readString(secret)).isEqualTo("outside the root");
    assertThat(Files.readString(secretDir.resolve("inner.txt"))).isEqualTo("inner");
    assertThat(Files.isSymbolicLink(root.resolve("backups/bk-1/db/evil.json"))).isTrue();
  }

  @Test
  void stalePartialUploadsNoSessionKnowsAreSweptOthersAreKept() throws Exception {
    AtomicReference<UploadState> known = new AtomicReference<>();
    Upload tracked = storage.startUpload("backups/bk-1/db/tracked.json", new UploadOptions("text/plain", known::set));
    tracked.write(new byte[2048], 0, 2048);
    Upload untracked = storage.startUpload("backups/bk-1/db/untracked.json", UploadOptions.of("text/plain"));
    untracked.write(new byte[2048], 0, 2048);
    Upload fresh = storage.startUpload("backups/bk-1/db/fresh.json", UploadOptions.of("text/plain"));
    fresh.write(new byte[10], 0, 10);
    // Chunks are written by the upload's writer thread: wait until the first chunk (1024 bytes; the second is
    // held until more data or complete() says whether it is the last) landed, so backdating the files below
    // is not undone by a write that lands after it.
    awaitSize(untracked.state().attributes().get("tempFile"), 1024);
    awaitSize(tracked.state().attributes().get("tempFile"), 1024);
    for (int i = 0; i < 2000 && known.get() == null; i++) {
      Thread.sleep(5); // the checkpoint follows the chunk's write
    }
    assertThat(known.get()).as("the tracked upload's checkpoint").isNotNull();
    Instant old = Instant.now().minus(2, ChronoUnit.HOURS);
    List<Path> parts;
    try (Stream<Path> s = Files.list(root.resolve(LocalStorageProvider.UPLOADS))) {
      parts = s.toList();
    }
    assertThat(parts).hasSize(3);
    String freshName = fresh.state().attributes().get("tempFile");
    for (Path p : parts) {
      if (!p.getFileName().toString().equals(freshName)) {
        Files.setLastModifiedTime(p, FileTime.from(old));
      }
    }
    Instant staleBefore = Instant.now().minus(1, ChronoUnit.HOURS);

    List<String> dry = storage.sweepPartialUploads(List.of(known.get()), staleBefore, true);
    assertThat(dry).singleElement().satisfies(d -> assertThat(d).startsWith(".uploads/" + untracked.state().attributes().get("tempFile")));
    try (Stream<Path> s = Files.list(root.resolve(LocalStorageProvider.UPLOADS))) {
      assertThat(s).hasSize(3);
    }

    assertThat(storage.sweepPartialUploads(List.of(known.get()), staleBefore, false)).isEqualTo(dry);
    try (Stream<Path> s = Files.list(root.resolve(LocalStorageProvider.UPLOADS))) {
      assertThat(s.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder(
          known.get().attributes().get("tempFile"), freshName);
    }
    tracked.complete();
    fresh.complete();
    assertThat(keys("backups/")).containsExactly("backups/bk-1/db/fresh.json", "backups/bk-1/db/tracked.json");
  }

  private void awaitSize(String tempFile, long size) throws Exception {
    Path p = root.resolve(LocalStorageProvider.UPLOADS).resolve(tempFile);
    long deadline = System.nanoTime() + 10_000_000_000L;
    while (Files.size(p) < size) {
      assertThat(System.nanoTime()).as("chunks of " + tempFile + " written in time").isLessThan(deadline);
      Thread.sleep(5);
    }
  }
}
