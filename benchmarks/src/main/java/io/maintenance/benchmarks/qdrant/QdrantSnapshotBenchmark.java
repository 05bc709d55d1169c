package io.maintenance.benchmarks.qdrant;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.maintenance.api.ArtifactInfo;
import io.maintenance.api.BackupType;
import io.maintenance.api.DatastoreManifest;
import io.maintenance.api.DatastorePlan;
import io.maintenance.datastore.qdrant.QdrantDatastore;
import io.maintenance.spi.ArtifactSource;
import io.maintenance.spi.DatastoreBackup;
import io.maintenance.spi.PluginConfig;
import io.maintenance.spi.ProgressListener;
import io.maintenance.spi.RestoreContext;
import io.maintenance.spi.StorageProvider;
import io.maintenance.spi.support.Contexts;
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

  /** Wall-clock and CPU seconds of one step (CPU of curl/sha256sum, or of this whole JVM). */
  private record Cost(double seconds, double cpu) {
    Cost plus(Cost o) {
      return new Cost(seconds + o.seconds, cpu + o.cpu);
    }
  }

  @FunctionalInterface
  private interface External {
    double run() throws Exception;
  }

  @FunctionalInterface
  private interface Action {
    void run() throws Exception;
  }

  private static Cost external(External e) throws Exception {
    long t0 = System.nanoTime();
    double cpu = e.run();
    return new Cost((System.nanoTime() - t0) / 1e9, cpu);
  }

  private static Cost inJvm(Action a) throws Exception {
    double cpu0 = processCpuSeconds();
    long t0 = System.nanoTime();
    a.run();
    return new Cost((System.nanoTime() - t0) / 1e9, processCpuSeconds() - cpu0);
  }

  private void run(int grpcPort, int rounds) throws Exception {
    StorageProvider storage = new LocalStorageFactory().create(PluginConfig.of("storage local",
        Map.of("path", work.resolve("storage").toString(), "fsync", "false")));
    List<Map<String, Cost>> results = new ArrayList<>();
    long size = 0;
    try (QdrantDatastore qdrant = QdrantDatastore.builder("bench").url(rest).grpcPort(grpcPort).apiKey(apiKey)
        .include(collection).pollInterval(Duration.ofMillis(100)).build()) {
      System.out.println("probe: " + qdrant.probe().code() + " " + qdrant.probe().attributes());
      for (int round = 1; round <= rounds; round++) {
        Map<String, Cost> r = new java.util.LinkedHashMap<>();
        Path refFile = work.resolve("curl.snapshot");
        Path created = work.resolve("create.json");
        r.put("curl create", external(() -> curl("-sS", "-f", "-o", created.toString(), "-X", "POST", "-H", "api-key: " + apiKey,
            rest + "/collections/" + collection + "/snapshots?wait=true")));
        JsonNode description = JSON.readTree(created.toFile()).path("result");
        String snapshotName = description.path("name").asText();
        String refSha = description.path("checksum").asText();
        r.put("curl download", external(() -> curl("-sS", "-f", "-o", refFile.toString(), "-H", "api-key: " + apiKey,
            rest + "/collections/" + collection + "/snapshots/" + snapshotName)));
        curl("-sS", "-f", "-o", "/dev/null", "-X", "DELETE", "-H", "api-key: " + apiKey,
            rest + "/collections/" + collection + "/snapshots/" + snapshotName);
        size = Files.size(refFile);
        // What a careful script adds: check the download against Qdrant's checksum.
        r.put("sha256sum", external(() -> cpuOf(List.of("bash", "-c",
            "echo \"$0  $1\" | sha256sum --check --quiet; rc=$?; times; exit $rc", refSha, refFile.toString()))));

        String backupId = "b" + round;
        String folder = "bench/" + backupId + "/qdrant";
        Stages stages = new Stages();
        DatastoreManifest[] manifest = new DatastoreManifest[1];
        r.put("plugin backup", inJvm(() -> manifest[0] = backup(qdrant, storage, folder, backupId, stages)));
        r.put("plugin download", new Cost(stages.seconds("snapshot download"), Double.NaN));

        r.put("curl upload", external(() -> curl("-sS", "-f", "-o", "/dev/null", "-H", "api-key: " + apiKey,
            "-F", "snapshot=@" + refFile + ";type=application/octet-stream",
            rest + "/collections/" + collection + "/snapshots/upload?wait=true&priority=snapshot&checksum=" + refSha)));
        Files.delete(refFile);

        ArtifactSource source = new StorageArtifactSource(storage, manifest[0].artifacts(), a -> folder + "/" + a.name());
        DatastorePlan[] plan = new DatastorePlan[1];
        r.put("plugin plan", inJvm(() -> plan[0] = qdrant.plan(context(manifest[0], source, Optional.empty()))));
        r.put("plugin restore", inJvm(() -> qdrant.restore(context(manifest[0], source, Optional.of(plan[0])))));
        for (ArtifactInfo a : manifest[0].artifacts()) {
          storage.delete(folder + "/" + a.name());
        }
        results.add(r);
        StringBuilder line = new StringBuilder("round " + round + ":");
        r.forEach((k, v) -> line.append(String.format(" | %s %.2fs", k, v.seconds())));
        System.out.println(line);
      }
    }
    report(results, size);
  }

  private void report(List<Map<String, Cost>> rounds, long size) throws IOException {
    Map<String, Cost> best = new java.util.LinkedHashMap<>(rounds.get(0));
    for (Map<String, Cost> r : rounds) {
      r.forEach((k, v) -> best.merge(k, v, (a, b) -> a.seconds() <= b.seconds() ? a : b));
    }
    double mib = size / (1024.0 * 1024.0);
    System.out.printf("%nsnapshot size: %d bytes (%.0f MiB); fastest of %d rounds per step; heap max %d MiB%n", size, mib,
        rounds.size(), Runtime.getRuntime().maxMemory() >> 20);
    System.out.println("| step | curl (plain HTTP) | plugin | throughput ratio plugin/curl | client CPU s curl / plugin |");
    System.out.println("|---|---|---|---|---|");
    row("download only (server -> file / storage)", best.get("curl download"), best.get("plugin download"), mib);
    row("download + SHA-256 check (curl + sha256sum)", best.get("curl download").plus(best.get("sha256sum")),
        best.get("plugin download"), mib);
    row("backup: create snapshot + download (+ check, delete)",
        best.get("curl create").plus(best.get("curl download")).plus(best.get("sha256sum")), best.get("plugin backup"), mib);
    row("restore: upload + server recovery (+ verify)", best.get("curl upload"), best.get("plugin restore"), mib);
    Cost plan = best.get("plugin plan");
    System.out.printf("plugin plan (dry run, reads the snapshot through SHA-256 and tar): %.2fs (%.0f MiB/s), CPU %.2fs%n",
        plan.seconds(), mib / plan.seconds(), plan.cpu());
    System.out.println("peak RSS of this JVM (VmHWM): " + vmHwm());
  }

  private static void row(String what, Cost ref, Cost plugin, double mib) {
    System.out.printf("| %s | %.2f s (%.0f MiB/s) | %.2f s (%.0f MiB/s) | %.2f | %s / %s |%n", what, ref.seconds(),
        mib / ref.seconds(), plugin.seconds(), mib / plugin.seconds(), ref.seconds() / plugin.seconds(),
        String.format("%.2f", ref.cpu()), Double.isNaN(plugin.cpu()) ? "-" : String.format("%.2f", plugin.cpu()));
  }

  private static String vmHwm() throws IOException {
    return Files.readAllLines(Path.of("/proc/self/status")).stream().filter(l -> l.startsWith("VmHWM"))
        .map(l -> l.substring(6).trim()).findFirst().orElse("n/a");
  }

  private DatastoreManifest backup(QdrantDatastore qdrant, StorageProvider storage, String folder, String backupId, Stages stages)
      throws IOException {
    StorageArtifactSink sink = new StorageArtifactSink(storage, folder, UploadTracker.NONE, Optional.empty());
    DatastoreBackup b = qdrant.backup(new Contexts.Backup(backupId, BackupType.FULL, Optional.empty(), sink, stages));
    return new DatastoreManifest("bench", "qdrant", qdrant.version(), b.sourceFingerprint().value(), sink.completed(),
        b.resources(), b.metadata());
  }

  private static RestoreContext context(DatastoreManifest m, ArtifactSource source, Optional<DatastorePlan> plan) {
    return new Contexts.Restore("bench", "bench", m, source, Map.of(), plan, ProgressListener.NONE);
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

  /** Runs curl under bash and returns the CPU seconds (user + system) it used, from bash's {@code times}. */
  private static double curl(String... args) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>(List.of("bash", "-c", "\"$0\" \"$@\"; rc=$?; times; exit $rc", "curl"));
    cmd.addAll(List.of(args));
    return cpuOf(cmd);
  }

  private static double cpuOf(List<String> cmd) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.US_ASCII);
    if (p.waitFor() != 0) {
      throw new IOException("failed: " + String.join(" ", cmd.subList(0, Math.min(cmd.size(), 5))) + "\n" + out);
    }
    // The last line of `times` is the children's user and system time, e.g. "0m1.234s 0m0.567s".
    String[] lines = out.trim().split("\n");
    double cpu = 0;
    for (String t : lines[lines.length - 1].trim().split("\\s+")) {
      java.util.regex.Matcher m = java.util.regex.Pattern.compile("(\\d+)m([\\d.]+)s").matcher(t);
      if (m.matches()) {
        cpu += Integer.parseInt(m.group(1)) * 60 + Double.parseDouble(m.group(2));
      }
    }
    return cpu;
  }

  private static double processCpuSeconds() {
    return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean())
        .getProcessCpuTime() / 1e9;
  }
}
