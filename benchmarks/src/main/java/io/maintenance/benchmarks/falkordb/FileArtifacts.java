package io.maintenance.benchmarks.falkordb;

import io.maintenance.api.ArtifactInfo;
import io.maintenance.api.Compression;
import io.maintenance.spi.ArtifactSink;
import io.maintenance.spi.ArtifactSource;
import io.maintenance.spi.support.Digests;
import io.maintenance.spi.support.StorageKeys;
import io.maintenance.spi.support.VerifyingInputStream;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

/**
 * Artifacts as plain files in one directory, checksummed and verified like the engine's storage
 * sinks and sources, so the benchmark measures the datastore and not an object store.
 */
final class FileArtifacts implements ArtifactSink, ArtifactSource {
  private static final int BUFFER = 256 * 1024;
  private final Path dir;
  private final List<ArtifactInfo> done = new ArrayList<>();

  FileArtifacts(Path dir) throws IOException {
    this.dir = Files.createDirectories(dir);
  }

  long totalBytes() {
    return done.stream().mapToLong(ArtifactInfo::size).sum();
  }

  @Override
  public OutputStream create(String name, String contentType, Compression compression) throws IOException {
    StorageKeys.segment(name);
    OutputStream file = Files.newOutputStream(dir.resolve(name));
    MessageDigest md = Digests.sha256();
    long[] size = {0};
    OutputStream counted = new FilterOutputStream(new BufferedOutputStream(file, BUFFER)) {
      @Override
      public void write(byte[] b, int off, int len) throws IOException {
        md.update(b, off, len);
        size[0] += len;
        out.write(b, off, len);
      }

      @Override
      public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
      }

      @Override
      public void close() throws IOException {
        super.close();
        done.add(new ArtifactInfo(name, size[0], Digests.hex(md.digest()), contentType, compression, Optional.empty()));
      }
    };
    return compression == Compression.GZIP ? new GZIPOutputStream(counted, BUFFER) : counted;
  }

  @Override
  public void reuse(ArtifactInfo parentArtifact) {
    throw new UnsupportedOperationException("full backups only");
  }

  @Override
  public List<ArtifactInfo> completed() {
    return List.copyOf(done);
  }

  @Override
  public List<ArtifactInfo> list() {
    return completed();
  }

  @Override
  public InputStream open(String name) throws IOException {
    ArtifactInfo a = find(name).orElseThrow();
    InputStream raw = openRaw(name);
    return a.compression() == Compression.GZIP ? new GZIPInputStream(raw, BUFFER) : raw;
  }

  @Override
  public InputStream openRaw(String name) throws IOException {
    ArtifactInfo a = find(name).orElseThrow();
    return new VerifyingInputStream(new BufferedInputStream(Files.newInputStream(dir.resolve(name)), BUFFER), name, a.size(), a.sha256());
  }

  @Override
  public Optional<URI> presign(String name, Duration ttl) {
    return Optional.empty();
  }
}
