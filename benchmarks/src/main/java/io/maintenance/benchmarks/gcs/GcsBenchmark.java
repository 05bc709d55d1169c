package io.maintenance.benchmarks.gcs;

import com.google.cloud.NoCredentials;
import com.google.cloud.WriteChannel;
import com.google.cloud.http.HttpTransportOptions;
import com.google.cloud.storage.Blob;
import com.google.cloud.storage.BlobId;
import com.google.cloud.storage.BlobInfo;
import com.google.cloud.storage.Storage;
import com.google.cloud.storage.StorageOptions;
import io.maintenance.spi.ReadRequest;
import io.maintenance.spi.Upload;
import io.maintenance.spi.UploadOptions;
import io.maintenance.storage.gcs.GcsStorageProvider;
import io.maintenance.tck.TestData;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.zip.CRC32C;

/**
 * Upload and download of one large file to a GCS emulator: the storage-gcs provider against the
 * client library's own {@code Storage.createFrom(Path)} and {@code Blob.downloadTo(Path)}, in the
 * same run, in this JVM (run it with -Xmx256m). Also the library's chunked {@code WriteChannel}
 * with the provider's chunk size, which pays the same per-request costs on the server as the
 * provider does. Prints absolute throughput, ratios and the peak RSS of each phase.
 *
 * <pre>
 * java -Xmx256m -cp ... io.maintenance.benchmarks.gcs.GcsBenchmark ENDPOINT BUCKET [SIZE_BYTES] [CHUNK_BYTES] [WORK_DIR]
 * </pre>
 */
public final class GcsBenchmark {
  private static final long MiB = 1024 * 1024;

  private record Result(String name, long bytes, double seconds, long peakRssKiB) {
    double mibPerSecond() {
      return bytes / (double) MiB / seconds;
    }
  }

  @FunctionalInterface
  private interface Phase {
    void run() throws Exception;
  }

  public static void main(String[] args) throws Exception {
    if (args.length < 2) {
      System.err.println("usage: GcsBenchmark ENDPOINT BUCKET [SIZE_BYTES] [CHUNK_BYTES] [WORK_DIR]");
      System.exit(2);
    }
    String endpoint = args[0];
    String bucket = args[1];
    long size = args.length > 2 ? Long.parseLong(args[2]) : 2048 * MiB;
    int chunk = args.length > 3 ? Integer.parseInt(args[3]) : GcsStorageProvider.DEFAULT_CHUNK_SIZE;
    Path work = Files.createDirectories(args.length > 4 ? Path.of(args[4]) : Path.of("benchmarks/target/gcs-bench"));

    // The emulator answers a 2 GiB single-request upload only after buffering and hashing all of it:
    // both sides get a read timeout far above the library's 20 s default.
    Storage storage = StorageOptions.http().setHost(endpoint).setProjectId("maintenance-bench")
        .setCredentials(NoCredentials.getInstance())
        .setTransportOptions(HttpTransportOptions.newBuilder().setReadTimeout(600_000).build())
        .build().getService();
    GcsStorageProvider provider = GcsStorageProvider.builder().storage(storage).bucket(bucket).keyPrefix("bench")
        .chunkSize(chunk).build();

    System.out.printf(Locale.ROOT, "GCS benchmark: %d MiB, chunk %d MiB, heap max %d MiB, endpoint %s, load %s%n",
        size / MiB, chunk / MiB, Runtime.getRuntime().maxMemory() / MiB, endpoint, loadAverage());
    Path source = work.resolve("source.bin");
    writeSource(source, size);
    long sourceCrc = crc32c(source);

    List<Result> results = new ArrayList<>();
    BlobInfo refInfo = BlobInfo.newBuilder(bucket, "bench/reference.bin").setContentType("application/octet-stream").build();
    results.add(measure("upload   Storage.createFrom(Path)", size, () -> storage.createFrom(refInfo, source)));
    results.add(measure("upload   storage-gcs Upload", size, () -> {
      try (InputStream in = Files.newInputStream(source);
          Upload u = provider.startUpload("provider.bin", UploadOptions.of("application/octet-stream"))) {
        byte[] buf = new byte[1 << 20];
        int n;
        while ((n = in.read(buf)) >= 0) {
          u.write(buf, 0, n);
        }
        u.complete();
      }
    }));
    results.add(measure("upload   Storage.writer (same chunk)", size, () -> {
      try (InputStream in = Files.newInputStream(source);
          WriteChannel w = storage.writer(BlobInfo.newBuilder(bucket, "bench/writer.bin").build())) {
        w.setChunkSize(chunk);
        byte[] buf = new byte[1 << 20];
        int n;
        while ((n = in.read(buf)) >= 0) {
          ByteBuffer bb = ByteBuffer.wrap(buf, 0, n);
          while (bb.hasRemaining()) {
            w.write(bb);
          }
        }
      }
    }));
    storage.delete(BlobId.of(bucket, "bench/writer.bin"));

    Path refOut = work.resolve("reference-download.bin");
    Path provOut = work.resolve("provider-download.bin");
    Blob refBlob = storage.get(BlobId.of(bucket, "bench/reference.bin"));
    results.add(measure("download Blob.downloadTo(Path)", size, () -> refBlob.downloadTo(refOut)));
    results.add(measure("download storage-gcs openRead", size, () -> {
      try (InputStream in = provider.openRead(ReadRequest.whole("provider.bin").pinnedTo(provider.stat("provider.bin").orElseThrow().version()));
          OutputStream out = Files.newOutputStream(provOut, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING)) {
        in.transferTo(out);
      }
    }));

    check("reference upload", Long.toUnsignedString(crc32c(refOut)), Long.toUnsignedString(sourceCrc));
    check("provider upload", Long.toUnsignedString(crc32c(provOut)), Long.toUnsignedString(sourceCrc));
    storage.delete(BlobId.of(bucket, "bench/reference.bin"));
    provider.delete("provider.bin");
    Files.deleteIfExists(refOut);
    Files.deleteIfExists(provOut);
    Files.deleteIfExists(source);

    System.out.println();
    System.out.printf(Locale.ROOT, "%-40s %10s %10s %14s%n", "phase", "seconds", "MiB/s", "peak RSS MiB");
    for (Result r : results) {
      System.out.printf(Locale.ROOT, "%-40s %10.2f %10.1f %14.1f%n", r.name(), r.seconds(), r.mibPerSecond(), r.peakRssKiB() / 1024.0);
    }
    Map<String, Double> ratios = new LinkedHashMap<>();
    ratios.put("upload   storage-gcs / createFrom", results.get(1).mibPerSecond() / results.get(0).mibPerSecond());
    ratios.put("upload   storage-gcs / Storage.writer", results.get(1).mibPerSecond() / results.get(2).mibPerSecond());
    ratios.put("download storage-gcs / downloadTo", results.get(4).mibPerSecond() / results.get(3).mibPerSecond());
    System.out.println();
    ratios.forEach((k, v) -> System.out.printf(Locale.ROOT, "ratio %-38s %6.2f (target >= 0.90)%n", k, v));
    System.out.printf(Locale.ROOT, "load at end %s%n", loadAverage());
    provider.close();
    storage.close();
  }

  private static Result measure(String name, long bytes, Phase phase) throws Exception {
    System.gc();
    resetPeakRss();
    long start = System.nanoTime();
    phase.run();
    double seconds = (System.nanoTime() - start) / 1e9;
    Result r = new Result(name, bytes, seconds, peakRssKiB());
    System.out.printf(Locale.ROOT, "  %-40s %8.2f s %8.1f MiB/s%n", name, seconds, r.mibPerSecond());
    return r;
  }

  private static void writeSource(Path file, long size) throws IOException {
    if (Files.exists(file) && Files.size(file) == size) {
      return;
    }
    try (InputStream in = TestData.stream(42, size);
        OutputStream out = Files.newOutputStream(file, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING)) {
      in.transferTo(out);
    }
  }

  private static long crc32c(Path file) throws IOException {
    CRC32C crc = new CRC32C();
    byte[] buf = new byte[1 << 20];
    try (InputStream in = Files.newInputStream(file)) {
      int n;
      while ((n = in.read(buf)) >= 0) {
        crc.update(buf, 0, n);
      }
    }
    return crc.getValue();
  }

  private static void check(String what, String actual, String expected) {
    if (!actual.equals(expected)) {
      throw new IllegalStateException(what + ": downloaded CRC32C " + actual + " differs from the source's " + expected);
    }
  }

  /** Writing 5 to clear_refs resets VmHWM, so each phase reports its own peak. */
  private static void resetPeakRss() {
    try {
      Files.writeString(Path.of("/proc/self/clear_refs"), "5");
    } catch (IOException e) {
      // not Linux, or not allowed: the peak then covers every phase so far
    }
  }

  private static long peakRssKiB() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith("VmHWM:")) {
          return Long.parseLong(line.replaceAll("[^0-9]", ""));
        }
      }
    } catch (IOException e) {
      // not Linux
    }
    return -1;
  }

  private static String loadAverage() {
    try {
      return Files.readString(Path.of("/proc/loadavg")).trim();
    } catch (IOException e) {
      return "n/a";
    }
  }
}
