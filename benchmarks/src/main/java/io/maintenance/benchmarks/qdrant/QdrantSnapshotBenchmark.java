package io.maintenance.benchmarks.qdrant;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.maintenance.api.ArtifactInfo;
import io.maintenance.api.BackupType;
import io.maintenance.api.DatastoreManifest;
import io.maintenance.api.DatastorePlan;
import io.maintenance.datastore.qdrant.DriftCheck;
import io.maintenance.datastore.qdrant.QdrantDatastore;
import io.maintenance.spi.ArtifactSource;
import io.maintenance.spi.DatastoreBackup;
import io.maintenance.spi.PluginConfig;
import io.maintenance.spi.ProgressListener;
import io.maintenance.spi.RestoreContext;
import io.maintenance.spi.StorageProvider;
import io.maintenance.spi.internal.Contexts;
import io.maintenance.spi.internal.StorageArtifactSink;
import io.maintenance.spi.internal.StorageArtifactSource;
import io.maintenance.spi.internal.UploadTracker;
import io.maintenance.storage.local.LocalStorageProviderFactory;
import io.qdrant.client.PointIdFactory;
import io.qdrant.client.QdrantClient;
import io.qdrant.client.QdrantGrpcClient;
import io.qdrant.client.ValueFactory;
import io.qdrant.client.VectorsFactory;
import io.qdrant.client.grpc.Collections.CreateCollection;
import io.qdrant.client.grpc.Collections.Distance;
import io.qdrant.client.grpc.Collections.OptimizersConfigDiff;
import io.qdrant.client.grpc.Collections.VectorParams;
import io.qdrant.client.grpc.Collections.VectorsConfig;
import io.qdrant.client.grpc.Points.PointStruct;
import io.qdrant.client.grpc.Points.UpsertPoints;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * Backup and restore of a collection (1 GiB of vectors by default) on a real Qdrant through the plugin,
 * against the same work done with {@code curl} in the same run: snapshot creation, download to a file
 * and {@code sha256sum} against Qdrant's checksum; a multipart upload of that file with the same
 * {@code priority=snapshot&checksum=...} recovery. Also times the plugin's dry run and the fingerprint
 * with each drift check. Prints best and median times and ratios, the load average and the JVM's peak RSS.
 *
 * <p>Usage: {@code QdrantSnapshotBenchmark load <rest-url> <grpc-port> <api-key> <collection> <bytes>}, then
 * {@code QdrantSnapshotBenchmark run <rest-url> <grpc-port> <api-key> <collection> <work-dir> <rounds>}.
 */
public final class QdrantSnapshotBenchmark {
  private static final ObjectMapper JSON = new ObjectMapper();
  /** 1024 float dimensions: 4 KiB of vector per point. */
  private static final int DIM = 1024;

  private final URI rest;
  private final int grpcPort;
  private final String apiKey;
  private final String collection;

  private QdrantSnapshotBenchmark(URI rest, int grpcPort, String apiKey, String collection) {
    this.rest = rest;
    this.grpcPort = grpcPort;
    this.apiKey = apiKey;
    this.collection = collection;
  }

  public static void main(String[] args) throws Exception {
    QdrantSnapshotBenchmark b = new QdrantSnapshotBenchmark(URI.create(args[1]), Integer.parseInt(args[2]), args[3], args[4]);
    if (args[0].equals("load")) {
      b.load(Long.parseLong(args[5]));
    } else {
      b.run(Files.createDirectories(Path.of(args[5])), Integer.parseInt(args[6]));
    }
  }

  /** Creates the collection with {@code bytes} of vectors (no HNSW index, vectors on disk) and waits until it is idle. */
  private void load(long bytes) throws Exception {
    long points = bytes / (DIM * 4L);
    try (QdrantClient client = new QdrantClient(QdrantGrpcClient.newBuilder("127.0.0.1", grpcPort, false, false).withApiKey(apiKey).build())) {
      if (client.collectionExistsAsync(collection).get()) {
        client.deleteCollectionAsync(collection).get();
      }
      client.createCollectionAsync(CreateCollection.newBuilder().setCollectionName(collection)
          .setVectorsConfig(VectorsConfig.newBuilder().setParams(VectorParams.newBuilder().setSize(DIM)
              .setDistance(Distance.Dot).setOnDisk(true)))
          .setOptimizersConfig(OptimizersConfigDiff.newBuilder().setIndexingThreshold(0)).build()).get();
      long t0 = System.nanoTime();
      SplittableRandom r = new SplittableRandom(42);
      int batch = 256;
      for (long from = 0; from < points; from += batch) {
        List<PointStruct> ps = new ArrayList<>(batch);
        for (long i = from; i < Math.min(points, from + batch); i++) {
          float[] v = new float[DIM];
          for (int d = 0; d < DIM; d++) {
            v[d] = (float) r.nextDouble();
          }
          ps.add(PointStruct.newBuilder().setId(PointIdFactory.id(i)).setVectors(VectorsFactory.vectors(v))
              .putPayload("i", ValueFactory.value(i)).putPayload("name", ValueFactory.value("point " + i)).build());
        }
        client.upsertAsync(UpsertPoints.newBuilder().setCollectionName(collection).addAllPoints(ps)
            .setWait(from + batch >= points).build()).get();
      }
      while (client.getCollectionInfoAsync(collection).get().getStatus() != io.qdrant.client.grpc.Collections.CollectionStatus.Green) {
        Thread.sleep(500);
      }
      System.out.printf("loaded %d points of %d dimensions in %.1f s%n", points, DIM, (System.nanoTime() - t0) / 1e9);
    }
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

  private void run(Path work, int rounds) throws Exception {
    StorageProvider storage = new LocalStorageProviderFactory().create(PluginConfig.of("storage local",
        Map.of("path", work.resolve("storage").toString(), "fsync", "false")));
    List<Map<String, Cost>> results = new ArrayList<>();
    List<Double> loads = new ArrayList<>();
    long size = 0;
    String c = "/collections/" + collection;
    try (QdrantDatastore qdrant = datastore(DriftCheck.COUNTS); QdrantDatastore payloads = datastore(DriftCheck.PAYLOADS);
        QdrantDatastore points = datastore(DriftCheck.POINTS)) {
      System.out.println("probe: " + qdrant.probe().code() + " " + qdrant.probe().attributes());
      for (int round = 1; round <= rounds; round++) {
        loads.add(loadAverage());
        Map<String, Cost> r = new LinkedHashMap<>();
        Path refFile = work.resolve("curl.snapshot");
        Path created = work.resolve("create.json");
        r.put("curl create", external(() -> curl("-sS", "-f", "-o", created.toString(), "-X", "POST", "-H", "api-key: " + apiKey,
            rest + c + "/snapshots?wait=true")));
        JsonNode description = JSON.readTree(created.toFile()).path("result");
        String snapshotName = description.path("name").asText();
        String refSha = description.path("checksum").asText();
        r.put("curl download", external(() -> curl("-sS", "-f", "-o", refFile.toString(), "-H", "api-key: " + apiKey,
            rest + c + "/snapshots/" + snapshotName)));
        curl("-sS", "-f", "-o", "/dev/null", "-X", "DELETE", "-H", "api-key: " + apiKey, rest + c + "/snapshots/" + snapshotName);
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

        // Qdrant keeps an uploaded snapshot under the form's file name; a careful script deletes it, like the plugin.
        String uploaded = "bench-upload-" + round + ".snapshot";
        r.put("curl upload", external(() -> curl("-sS", "-f", "-o", "/dev/null", "-H", "api-key: " + apiKey,
            "-F", "snapshot=@" + refFile + ";type=application/octet-stream;filename=" + uploaded,
            rest + c + "/snapshots/upload?wait=true&priority=snapshot&checksum=" + refSha)));
        curl("-sS", "-f", "-o", "/dev/null", "-X", "DELETE", "-H", "api-key: " + apiKey, rest + c + "/snapshots/" + uploaded);
        Files.delete(refFile);

        ArtifactSource source = new StorageArtifactSource(storage, manifest[0].artifacts(), a -> folder + "/" + a.name());
        DatastorePlan[] plan = new DatastorePlan[1];
        r.put("plugin plan", inJvm(() -> plan[0] = qdrant.plan(context(manifest[0], source, Optional.empty()))));
        r.put("plugin restore", inJvm(() -> qdrant.restore(context(manifest[0], source, Optional.of(plan[0])))));
        for (ArtifactInfo a : manifest[0].artifacts()) {
          storage.delete(folder + "/" + a.name());
        }
        r.put("fingerprint counts", inJvm(() -> qdrant.fingerprint(Set.of(collection))));
        r.put("fingerprint payloads", inJvm(() -> payloads.fingerprint(Set.of(collection))));
        if (round == 1) {
          // Reads every vector: minutes for a large collection, so once.
          r.put("fingerprint points", inJvm(() -> points.fingerprint(Set.of(collection))));
        }
        loads.add(loadAverage());
        results.add(r);
        StringBuilder line = new StringBuilder("round " + round + ":");
        r.forEach((k, v) -> line.append(String.format(" | %s %.2fs", k, v.seconds())));
        System.out.println(line);
      }
    }
    report(results, size, loads);
  }

  private QdrantDatastore datastore(DriftCheck check) {
    return QdrantDatastore.builder("bench").url(rest).grpcPort(grpcPort).apiKey(apiKey).include(collection)
        .pollInterval(Duration.ofMillis(100)).driftCheck(check).build();
  }

  private void report(List<Map<String, Cost>> rounds, long size, List<Double> loads) throws IOException {
    double mib = size / (1024.0 * 1024.0);
    System.out.printf("%nsnapshot size: %d bytes (%.0f MiB); %d rounds; heap max %d MiB; load average (1 min) %.1f-%.1f%n",
        size, mib, rounds.size(), Runtime.getRuntime().maxMemory() >> 20, loads.stream().min(Double::compare).orElse(0.0),
        loads.stream().max(Double::compare).orElse(0.0));
    System.out.println("| step | curl best / median | plugin best / median | ratio curl/plugin best / median "
        + "(> 1: plugin faster) | client CPU s (median) curl / plugin |");
    System.out.println("|---|---|---|---|---|");
    row(rounds, "download only (server -> file / storage)", List.of("curl download"), List.of("plugin download"), mib);
    row(rounds, "download + SHA-256 check (curl + sha256sum)", List.of("curl download", "sha256sum"), List.of("plugin download"),
        mib);
    row(rounds, "backup: create snapshot + download + check (+ delete)", List.of("curl create", "curl download", "sha256sum"),
        List.of("plugin backup"), mib);
    row(rounds, "restore: upload + server recovery (+ verify)", List.of("curl upload"), List.of("plugin restore"), mib);
    for (String step : List.of("plugin plan", "fingerprint counts", "fingerprint payloads", "fingerprint points")) {
      List<Map<String, Cost>> with = rounds.stream().filter(r -> r.containsKey(step)).toList();
      Cost best = best(with, List.of(step));
      Cost median = median(with, List.of(step));
      System.out.printf("%s: best %.2f s, median %.2f s, CPU (median) %.2f s%n", step, best.seconds(), median.seconds(),
          median.cpu());
    }
    System.out.println("peak RSS of this JVM (VmHWM): " + vmHwm());
  }

  private static void row(List<Map<String, Cost>> rounds, String what, List<String> ref, List<String> plugin, double mib) {
    Cost rb = best(rounds, ref);
    Cost rm = median(rounds, ref);
    Cost pb = best(rounds, plugin);
    Cost pm = median(rounds, plugin);
    System.out.printf("| %s | %.2f / %.2f s (%.0f MiB/s best) | %.2f / %.2f s (%.0f MiB/s best) | %.2f / %.2f | %s / %s |%n",
        what, rb.seconds(), rm.seconds(), mib / rb.seconds(), pb.seconds(), pm.seconds(), mib / pb.seconds(),
        rb.seconds() / pb.seconds(), rm.seconds() / pm.seconds(), String.format("%.2f", rm.cpu()),
        Double.isNaN(pm.cpu()) ? "-" : String.format("%.2f", pm.cpu()));
  }

  private static List<Cost> sums(List<Map<String, Cost>> rounds, List<String> steps) {
    List<Cost> out = new ArrayList<>();
    for (Map<String, Cost> r : rounds) {
      Cost sum = new Cost(0, 0);
      for (String s : steps) {
        sum = sum.plus(r.get(s));
      }
      out.add(sum);
    }
    out.sort(Comparator.comparingDouble(Cost::seconds));
    return out;
  }

  private static Cost best(List<Map<String, Cost>> rounds, List<String> steps) {
    return sums(rounds, steps).get(0);
  }

  private static Cost median(List<Map<String, Cost>> rounds, List<String> steps) {
    List<Cost> s = sums(rounds, steps);
    return s.get(s.size() / 2);
  }

  private static double loadAverage() throws IOException {
    return Double.parseDouble(Files.readString(Path.of("/proc/loadavg")).split(" ")[0]);
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
