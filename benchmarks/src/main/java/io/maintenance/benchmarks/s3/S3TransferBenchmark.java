package io.maintenance.benchmarks.s3;

import io.maintenance.spi.PluginConfig;
import io.maintenance.spi.ReadRequest;
import io.maintenance.spi.Upload;
import io.maintenance.spi.UploadOptions;
import io.maintenance.spi.support.Digests;
import io.maintenance.storage.s3.S3StorageProvider;
import io.maintenance.storage.s3.S3StorageProviderFactory;
import io.maintenance.tck.TestData;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3AsyncClient;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.transfer.s3.S3TransferManager;

/**
 * Upload and download of one large file to a local S3 server, by this library's {@code s3} provider (a
 * stream into {@code startUpload}, {@code openRead} into a file) or by the SDK's S3 Transfer Manager
 * ({@code uploadFile}/{@code downloadFile}). benchmarks/s3.sh runs each tool in its own JVM with -Xmx256m,
 * alternating, and compares them.
 *
 * <pre>
 * prepare FILE BYTES                       write BYTES incompressible bytes to FILE, print their SHA-256
 * run library|transfer-manager FILE SHA256  upload FILE, download it again, check the SHA-256, print a RESULT line
 * </pre>
 *
 * The server comes from MAINTENANCE_IT_S3_ENDPOINT, _ACCESS_KEY and _SECRET_KEY (scripts/services/s3.sh).
 */
public final class S3TransferBenchmark {
  private static final String BUCKET = "maintenance-bench";
  private static final int BUFFER = 1024 * 1024;

  private S3TransferBenchmark() {}

  public static void main(String[] args) throws Exception {
    if (args.length == 3 && args[0].equals("prepare")) {
      prepare(Path.of(args[1]), Long.parseLong(args[2]));
    } else if (args.length == 4 && args[0].equals("run")) {
      run(args[1], Path.of(args[2]), args[3]);
    } else {
      System.err.println("usage: prepare FILE BYTES | run library|transfer-manager FILE SHA256");
      System.exit(2);
    }
  }

  private static void prepare(Path file, long bytes) throws IOException {
    MessageDigest md = Digests.sha256();
    byte[] buf = new byte[BUFFER];
    try (InputStream in = TestData.stream(2026, bytes); OutputStream out = Files.newOutputStream(file)) {
      int n;
      while ((n = in.read(buf)) >= 0) {
        md.update(buf, 0, n);
        out.write(buf, 0, n);
      }
    }
    System.out.println(Digests.hex(md.digest()));
  }

  private static void run(String tool, Path file, String sha256) throws Exception {
    URI endpoint = URI.create(env("MAINTENANCE_IT_S3_ENDPOINT"));
    String access = env("MAINTENANCE_IT_S3_ACCESS_KEY");
    String secret = env("MAINTENANCE_IT_S3_SECRET_KEY");
    ensureBucket(endpoint, access, secret);
    long size = Files.size(file);
    Path downloaded = file.resolveSibling(file.getFileName() + "." + tool + ".out");
    String key = "bench/" + tool + "/" + System.nanoTime() + ".bin";
    Files.deleteIfExists(downloaded);

    long upNanos;
    long downNanos;
    long upCpu;
    long downCpu;
    String config;
    if (tool.equals("library")) {
      Map<String, String> c = new LinkedHashMap<>();
      c.put("bucket", BUCKET);
      c.put("endpoint", endpoint.toString());
      c.put("path-style", "true");
      c.put("access-key", access);
      c.put("secret-key", secret);
      // Optional overrides for experiments, e.g. -Ds3.bench.part-size=8MiB -Ds3.bench.parallelism=8
      for (String k : new String[] {"part-size", "parallelism", "checksum"}) {
        String v = System.getProperty("s3.bench." + k);
        if (v != null) {
          c.put(k, v);
        }
      }
      try (S3StorageProvider storage = (S3StorageProvider) new S3StorageProviderFactory().create(PluginConfig.of("storage s3", c))) {
        config = "part-size " + storage.partSize() / (1024 * 1024) + " MiB, parallelism " + storage.parallelism()
            + ", checksum " + storage.checksumMode().configValue();
        long c0 = cpuNanos();
        long t0 = System.nanoTime();
        try (InputStream in = Files.newInputStream(file); Upload u = storage.startUpload(key, UploadOptions.of("application/octet-stream"))) {
          byte[] buf = new byte[BUFFER];
          int n;
          while ((n = in.read(buf)) >= 0) {
            u.write(buf, 0, n);
          }
          u.complete();
        }
        upNanos = System.nanoTime() - t0;
        upCpu = cpuNanos() - c0;
        long c1 = cpuNanos();
        long t1 = System.nanoTime();
        try (InputStream in = storage.openRead(ReadRequest.whole(key)); OutputStream out = Files.newOutputStream(downloaded)) {
          in.transferTo(out);
        }
        downNanos = System.nanoTime() - t1;
        downCpu = cpuNanos() - c1;
        storage.delete(key);
      }
    } else if (tool.equals("transfer-manager")) {
      try (S3AsyncClient async = S3AsyncClient.builder().endpointOverride(endpoint).forcePathStyle(true).region(Region.US_EAST_1)
              .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(access, secret)))
              .multipartEnabled(true).build();
          S3TransferManager tm = S3TransferManager.builder().s3Client(async).build()) {
        config = "defaults: Java-based multipart S3AsyncClient (8 MiB parts, netty), SDK default checksums (CRC32)";
        long c0 = cpuNanos();
        long t0 = System.nanoTime();
        tm.uploadFile(u -> u.source(file).putObjectRequest(p -> p.bucket(BUCKET).key(key))).completionFuture().join();
        upNanos = System.nanoTime() - t0;
        upCpu = cpuNanos() - c0;
        long c1 = cpuNanos();
        long t1 = System.nanoTime();
        tm.downloadFile(d -> d.destination(downloaded).getObjectRequest(g -> g.bucket(BUCKET).key(key))).completionFuture().join();
        downNanos = System.nanoTime() - t1;
        downCpu = cpuNanos() - c1;
        async.deleteObject(d -> d.bucket(BUCKET).key(key)).join();
      }
    } else {
      throw new IllegalArgumentException("unknown tool " + tool);
    }

    String actual;
    try (InputStream in = Files.newInputStream(downloaded)) {
      actual = TestData.sha256(in);
    }
    Files.delete(downloaded);
    if (!actual.equals(sha256)) {
      throw new IllegalStateException(tool + " downloaded bytes with SHA-256 " + actual + ", expected " + sha256);
    }
    double mib = size / (1024.0 * 1024.0);
    System.out.printf(Locale.ROOT, "RESULT tool=%s bytes=%d upload_s=%.2f download_s=%.2f upload_mibps=%.1f download_mibps=%.1f"
            + " upload_cpu_s=%.2f download_cpu_s=%.2f vmhwm_mib=%.0f heap_max_mib=%d%n", tool, size, upNanos / 1e9, downNanos / 1e9,
        mib / (upNanos / 1e9), mib / (downNanos / 1e9), upCpu / 1e9, downCpu / 1e9, vmHwmKib() / 1024.0,
        Runtime.getRuntime().maxMemory() / (1024 * 1024));
    System.out.println("CONFIG tool=" + tool + " " + config);
  }

  private static void ensureBucket(URI endpoint, String access, String secret) {
    try (S3Client c = S3Client.builder().endpointOverride(endpoint).forcePathStyle(true).region(Region.US_EAST_1)
        .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(access, secret))).build()) {
      try {
        c.headBucket(b -> b.bucket(BUCKET));
      } catch (S3Exception e) {
        c.createBucket(b -> b.bucket(BUCKET));
      }
    }
  }

  /** CPU time of this JVM (all threads, user and system): under load, a fairer measure than elapsed time. */
  private static long cpuNanos() {
    return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
  }

  /** Peak resident set size of this JVM (VmHWM), in KiB. */
  private static long vmHwmKib() throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
      if (line.startsWith("VmHWM:")) {
        return Long.parseLong(line.replaceAll("[^0-9]", ""));
      }
    }
    return -1;
  }

  private static String env(String name) {
    String v = System.getenv(name);
    if (v == null || v.isBlank()) {
      throw new IllegalStateException(name + " is not set: run benchmarks/s3.sh, which starts the S3 server");
    }
    return v;
  }
}
