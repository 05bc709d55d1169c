package io.maintenance.datastore.qdrant.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.maintenance.tck.TestData;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The double's multipart parser must split parts exactly, however the bytes arrive. */
class MultipartReaderTest {
  @Test
  void partsAreSplitExactlyEvenWhenTheBoundaryArrivesInPieces() throws Exception {
    byte[] file = TestData.bytes(7, 700_000);
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    body.write(("--XyZ\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\nhello\r\n"
        + "--XyZ\r\nContent-Disposition: form-data; name=\"snapshot\"; filename=\"a.snapshot\"\r\n"
        + "Content-Type: application/octet-stream\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
    body.write(file);
    body.write("\r\n--XyZ--\r\n".getBytes(StandardCharsets.US_ASCII));
    Map<String, ByteArrayOutputStream> parts = new HashMap<>();

    new MultipartReader(trickle(body.toByteArray()), "XyZ").readParts(p -> parts.computeIfAbsent(p.name(), k -> new ByteArrayOutputStream()));

    assertThat(parts.get("note").toString(StandardCharsets.US_ASCII)).isEqualTo("hello");
    assertThat(parts.get("snapshot").toByteArray()).isEqualTo(file);
  }

  @Test
  void bodyThatEndsInsideAPartIsAnIncompleteUpload() {
    byte[] body = "--b\r\nContent-Disposition: form-data; name=\"snapshot\"\r\n\r\npartial data".getBytes(StandardCharsets.US_ASCII);
    assertThatThrownBy(() -> new MultipartReader(new ByteArrayInputStream(body), "b").readParts(p -> new ByteArrayOutputStream()))
        .isInstanceOf(IOException.class).hasMessageContaining("upload incomplete");
  }

  /** Hands out at most 7 bytes per read, so boundaries straddle reads. */
  private static InputStream trickle(byte[] bytes) {
    return new FilterInputStream(new ByteArrayInputStream(bytes)) {
      @Override
      public int read(byte[] b, int off, int len) throws IOException {
        return super.read(b, off, Math.min(len, 7));
      }
    };
  }
}
