package io.maintenance.benchmarks.qdrant;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.maintenance.api.ArtifactInfo;
import io.maintenance.api.BackupType;
import io.maintenance.api.DatastoreManifest;
import io.maintenance.api.DatastorePlan;
import io.maintenance.datastore.qdrant.QdrantDatastore;
import io.maintenance.spi.ArtifactSink;
import io.maintenance.spi.ArtifactSource;
import io.maintenance.spi.BackupContext;
import io.maintenance.spi.DatastoreBackup;
import io.maintenance.spi.PluginConfig;
import io.maintenance.spi.ProgressListener;
import io.maintenance.spi.RestoreContext;
import io.maintenance.spi.StorageProvider;
import io.maintenance.spi.support.StorageArtifactSink;
import io.maintenance.spi.support.StorageArtifactSource;
import io.maintenance.spi.support.UploadTracker;
import io.maintenance.storage.local.LocalStorageFactory;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Streams a collection snapshot (1 GiB by default) from Qdrant into storage and back through the
 * plugin, and compares each direction in the same run with a plain HTTP transfer of the same bytes by
 * curl: snapshot creation + download to a file, and a multipart upload of that file with the same
 * {@code priority=snapshot&checksum=...} recovery. Prints absolute times, throughput, ratios and the
 * JVM's peak RSS.
 *
 * <p>Usage: {@code QdrantSnapshotBenchmark <rest-url> <grpc-port> <api-key> <collection> <work-dir> [rounds]}
 */
public final class QdrantSnapshotBenchmark {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final URI rest;
  private final String apiKey;
  private final String collection;
  private final Path work;

  private QdrantSnapshotBenchmark(URI rest, String apiKey, String collection, Path work) {
    this.rest = rest;
    this.apiKey = apiKey;
    this.collection = collection;
    this.work = work;
  }

  public static void main(String[] args) throws Exception {
    URI rest = URI.create(args[0]);
    int grpcPort = Integer.parseInt(args[1]);
    String apiKey = args[2];
    String collection = args[3];
    Path work = Files.createDirectories(Path.of(args[4]));
    int rounds = args.length > 5 ? Integer.parseInt(args[5]) : 2;
    new QdrantSnapshotBenchmark(rest, apiKey, collection, work).run(grpcPort, rounds);
  }

  private void run(int grpcPort, int rounds) throws Exception {
    StorageProvider storage = new LocalStorageFactory().create(PluginConfig.of("storage local",
        Map.of("path", work.resolve("storage").toString(), "fsync", "false")));
    List<double[]> results = new ArrayList<>();
    long size = 0;
    try (QdrantDatastore qdrant = QdrantDatastore.builder("bench").url(rest).grpcPort(grpcPort).apiKey(apiKey)
        .include(collection).pollInterval(Duration.ofMillis(100)).build()) {
      System.out.println("probe: " + qdrant.probe().code() + " " + qdrant.probe().attributes());
      for (int round = 1; round <= rounds; round++) {
        Path refFile = work.resolve("curl.snapshot");
        double refCreate = curlCreateSeconds();
        String snapshotName = lastCreated;
        String refSha = lastChecksum;
        double refDownload = time(() -> curl("-sS", "-f", "-o", refFile.toString(), "-H", "api-key: " + apiKey,
            rest + "/collections/" + collection + "/snapshots/" + snapshotName));
        curl("-sS", "-f", "-o", "/dev/null", "-X", "DELETE", "-H", "api-key: " + apiKey, rest + "/collections/" + collection + "/snapshots/" + snapshotName);
        size = Files.size(refFile);
        // What a careful script adds: check the download against Qdrant's checksum.
        double refVerify = time(() -> {
          Process p = new ProcessBuilder("sha256sum", refFile.toString()).redirectErrorStream(true).start();
          String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.US_ASCII);
          if (p.waitFor() != 0 || !out.startsWith(refSha)) {
            throw new IOException("sha256sum of the curl download does not match Qdrant's checksum");
          }
        });

        String backupId = "b" + round;
        String folder = "bench/" + backupId + "/qdrant";
        Stages stages = new Stages();
        long t0 = System.nanoTime();
        DatastoreManifest manifest = backup(qdrant, storage, folder, backupId, stages);
        double pluginBackup = (System.nanoTime() - t0) / 1e9;
        double pluginDownload = stages.seconds("snapshot download");

        double refUpload = time(() -> curl("-sS", "-f", "-o", "/dev/null", "-H", "api-key: " + apiKey,
            "-F", "snapshot=@" + refFile + ";type=application/octet-stream",
            rest + "/collections/" + collection + "/snapshots/upload?wait=true&priority=snapshot&checksum=" + refSha));
        Files.delete(refFile);

        ArtifactSource source = new StorageArtifactSource(storage, manifest.artifacts(), a -> folder + "/" + a.name());
        t0 = System.nanoTime();
        DatastorePlan plan = qdrant.plan(context(manifest, source, Optional.empty()));
        double pluginPlan = (System.nanoTime() - t0) / 1e9;
        t0 = System.nanoTime();
        qdrant.restore(context(manifest, source, Optional.of(plan)));
        double pluginRestore = (System.nanoTime() - t0) / 1e9;
        for (ArtifactInfo a : manifest.artifacts()) {
          storage.delete(folder + "/" + a.name());
        }
        results.add(new double[] {refCreate, refDownload, pluginBackup, pluginDownload, refUpload, pluginRestore, pluginPlan, refVerify});
        System.out.printf("round %d: curl create %.2fs download %.2fs | plugin backup %.2fs (download %.2fs) | "
            + "curl upload %.2fs | plugin restore %.2fs | plugin plan %.2fs%n", round, refCreate, refDownload, pluginBackup,
            pluginDownload, refUpload, pluginRestore, pluginPlan);
      }
    }
    report(results, size);
  }

  private void report(List<double[]> rounds, long size) throws IOException {
    double[] best = rounds.get(0).clone();
    for (double[] r : rounds) {
      for (int i = 0; i < best.length; i++) {
        best[i] = Math.min(best[i], r[i]);
      }
    }
    double mib = size / (1024.0 * 1024.0);
    System.out.printf("%nsnapshot size: %d bytes (%.0f MiB); best of %d rounds; heap max %d MiB%n", size, mib, rounds.size(),
        Runtime.getRuntime().maxMemory() >> 20);
    System.out.println("| direction | curl (plain HTTP) | plugin | throughput ratio plugin/curl |");
    System.out.println("|---|---|---|---|");
    row("download only (server -> file / storage)", best[1], best[3], mib);
    row("download + SHA-256 check (curl + sha256sum)", best[1] + best[7], best[3], mib);
    row("backup: create snapshot + download (+ delete)", best[0] + best[1], best[2], mib);
    row("restore: upload + server recovery (+ verify)", best[4], best[5], mib);
    System.out.printf("plugin plan (dry run, reads the snapshot through SHA-256 and tar): %.2fs (%.0f MiB/s)%n", best[6], mib / best[6]);
    System.out.println("peak RSS of this JVM (VmHWM): " + vmHwm());
  }

  private static void row(String what, double ref, double plugin, double mib) {
    System.out.printf("| %s | %.2f s (%.0f MiB/s) | %.2f s (%.0f MiB/s) | %.2f |%n", what, ref, mib / ref, plugin, mib / plugin, ref / plugin);
  }

  private static String vmHwm() throws IOException {
    return Files.readAllLines(Path.of("/proc/self/status")).stream().filter(l -> l.startsWith("VmHWM"))
        .map(l -> l.substring(6).trim()).findFirst().orElse("n/a");
  }

  private String lastCreated;
  private String lastChecksum;

  /** curl's snapshot creation, waiting for it like a script would ({@code wait=true}). */
  private double curlCreateSeconds() throws Exception {
    Path out = work.resolve("create.json");
    double s = time(() -> curl("-sS", "-f", "-o", out.toString(), "-X", "POST", "-H", "api-key: " + apiKey,
        rest + "/collections/" + collection + "/snapshots?wait=true"));
    JsonNode r = JSON.readTree(out.toFile());
    lastCreated = r.path("result").path("name").asText();
    lastChecksum = r.path("result").path("checksum").asText();
    return s;
  }

  private DatastoreManifest backup(QdrantDatastore qdrant, StorageProvider storage, String folder, String backupId, Stages stages)
      throws IOException {
    StorageArtifactSink sink = new StorageArtifactSink(storage, folder, UploadTracker.NONE, Optional.empty());
    DatastoreBackup b = qdrant.backup(new BackupContext() {
      @Override
      public String backupId() {
        return backupId;
      }

      @Override
      public BackupType type() {
        return BackupType.FULL;
      }

      @Override
      public Optional<DatastoreManifest> parent() {
        return Optional.empty();
      }

      @Override
      public ArtifactSink artifacts() {
        return sink;
      }

      @Override
      public ProgressListener progress() {
        return stages;
      }
    });
    return new DatastoreManifest("bench", "qdrant", qdrant.version(), b.sourceFingerprint().value(), sink.completed(),
        b.resources(), b.metadata());
  }

  private static RestoreContext context(DatastoreManifest m, ArtifactSource source, Optional<DatastorePlan> plan) {
    return new RestoreContext() {
      @Override
      public String requestId() {
        return "bench";
      }

      @Override
      public String backupId() {
        return "bench";
      }

      @Override
      public DatastoreManifest manifest() {
        return m;
      }

      @Override
      public ArtifactSource artifacts() {
        return source;
      }

      @Override
      public Map<String, String> options() {
        return Map.of();
      }

      @Override
      public Optional<DatastorePlan> approvedPlan() {
        return plan;
      }

      @Override
      public ProgressListener progress() {
        return ProgressListener.NONE;
      }
    };
  }

  /** First and last progress report per stage. */
  private static final class Stages implements ProgressListener {
    private final Map<String, long[]> times = new java.util.HashMap<>();

    @Override
    public void onProgress(String stage, long done, long total) {
      long now = System.nanoTime();
      String key = stage.substring(stage.indexOf(": ") + 2);
      times.computeIfAbsent(key, k -> new long[] {now, now})[1] = now;
    }

    double seconds(String stage) {
      long[] t = times.get(stage);
      return t == null ? Double.NaN : (t[1] - t[0]) / 1e9;
    }
  }

  @FunctionalInterface
  private interface Action {
    void run() throws Exception;
  }

  private static double time(Action a) throws Exception {
    long t0 = System.nanoTime();
    a.run();
    return (System.nanoTime() - t0) / 1e9;
  }

  private static void curl(String... args) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>();
    cmd.add("curl");
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).inheritIO().start();
    if (p.waitFor() != 0) {
      throw new IOException("curl failed: " + String.join(" ", cmd.subList(0, Math.min(cmd.size(), 4))));
    }
  }
}
