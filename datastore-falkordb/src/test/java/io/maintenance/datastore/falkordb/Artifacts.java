package io.maintenance.datastore.falkordb;

import io.maintenance.api.ArtifactInfo;
import io.maintenance.api.Compression;
import io.maintenance.api.DatastoreManifest;
import io.maintenance.spi.support.Digests;
import io.maintenance.tck.DatastoreHarness;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

/** Reads and forges artifacts in a harness's storage, as a broken disk or an attacker would. */
final class Artifacts {
  private Artifacts() {}

  private static ArtifactInfo info(DatastoreManifest m, String artifact) {
    return m.artifacts().stream().filter(a -> a.name().equals(artifact)).findFirst().orElseThrow();
  }

  /** The artifact's content (decompressed if it was stored gzip, as older backups were). */
  static String text(DatastoreHarness h, DatastoreManifest m, String artifact) {
    byte[] stored = h.storage().backing().bytes(h.artifactKey(m, artifact)).orElseThrow();
    if (info(m, artifact).compression() != Compression.GZIP) {
      return new String(stored, StandardCharsets.UTF_8);
    }
    try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(stored))) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Replaces an artifact by {@code text} (stored as the original was) and returns a manifest whose
   * checksum matches it (a well-formed forgery).
   */
  static DatastoreManifest forge(DatastoreHarness h, DatastoreManifest m, String artifact, String text) {
    byte[] plain = text.getBytes(StandardCharsets.UTF_8);
    if (info(m, artifact).compression() != Compression.GZIP) {
      return forgeBytes(h, m, artifact, plain);
    }
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (GZIPOutputStream gz = new GZIPOutputStream(bytes)) {
      gz.write(plain);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return forgeBytes(h, m, artifact, bytes.toByteArray());
  }

  static DatastoreManifest forgePlain(DatastoreHarness h, DatastoreManifest m, String artifact, String text) {
    return forge(h, m, artifact, text);
  }

  /** Replaces an artifact's stored bytes and fixes the manifest's size and SHA-256. */
  static DatastoreManifest forgeBytes(DatastoreHarness h, DatastoreManifest m, String artifact, byte[] stored) {
    h.storage().backing().tamper(h.artifactKey(m, artifact), stored);
    List<ArtifactInfo> infos = new ArrayList<>();
    for (ArtifactInfo a : m.artifacts()) {
      infos.add(a.name().equals(artifact)
          ? new ArtifactInfo(a.name(), stored.length, Digests.sha256Hex(stored), a.contentType(), a.compression(), Optional.empty())
          : a);
    }
    return new DatastoreManifest(m.id(), m.type(), m.pluginVersion(), m.sourceFingerprint(), infos, m.resources(), m.metadata());
  }
}
