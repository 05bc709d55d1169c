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

  static String text(DatastoreHarness h, DatastoreManifest m, String artifact) {
    byte[] gz = h.storage().backing().bytes(h.artifactKey(m, artifact)).orElseThrow();
    try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(gz))) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Replaces an artifact by {@code text} and returns a manifest whose checksum matches it (a well-formed forgery). */
  static DatastoreManifest forge(DatastoreHarness h, DatastoreManifest m, String artifact, String text) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (GZIPOutputStream gz = new GZIPOutputStream(bytes)) {
      gz.write(text.getBytes(StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    byte[] stored = bytes.toByteArray();
    h.storage().backing().tamper(h.artifactKey(m, artifact), stored);
    List<ArtifactInfo> infos = new ArrayList<>();
    for (ArtifactInfo a : m.artifacts()) {
      infos.add(a.name().equals(artifact)
          ? new ArtifactInfo(a.name(), stored.length, Digests.sha256Hex(stored), a.contentType(), Compression.GZIP, Optional.empty())
          : a);
    }
    return new DatastoreManifest(m.id(), m.type(), m.pluginVersion(), m.sourceFingerprint(), infos, m.resources(), m.metadata());
  }
}
