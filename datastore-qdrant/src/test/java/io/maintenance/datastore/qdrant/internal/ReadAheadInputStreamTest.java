package io.maintenance.datastore.qdrant.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.maintenance.api.ErrorCode;
import io.maintenance.api.MaintenanceException;
import io.maintenance.tck.TestData;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

class ReadAheadInputStreamTest {
  @Test
  void deliversTheSourceBytesUnchangedAndInOrder() throws Exception {
    long size = 3_000_001;
    try (InputStream in = new ReadAheadInputStream(TestData.stream(5, size), 64 * 1024, 3, "t")) {
      assertThat(TestData.sha256(in)).isEqualTo(TestData.sha256(5, size));
    }
  }

  @Test
  void sourceFailureReachesTheConsumerAfterTheBytesBeforeIt() throws Exception {
    InputStream failing = new InputStream() {
      @Override
      public int read() {
        throw new MaintenanceException(ErrorCode.INTEGRITY_MISMATCH, "artifact altered");
      }
    };
    byte[] good = TestData.bytes(1, 100_000);
    try (InputStream in = new ReadAheadInputStream(new SequenceInputStream(new ByteArrayInputStream(good), failing), 4096, 2, "t")) {
      assertThat(in.readNBytes(good.length)).isEqualTo(good);
      assertThatThrownBy(in::read).isInstanceOfSatisfying(MaintenanceException.class,
          e -> assertThat(e.code()).isEqualTo(ErrorCode.INTEGRITY_MISMATCH));
    }
  }

  @Test
  void closingEarlyStopsReadingAndClosesTheSource() throws Exception {
    AtomicBoolean closed = new AtomicBoolean();
    InputStream endless = new InputStream() {
      @Override
      public int read() {
        return 7;
      }

      @Override
      public void close() throws IOException {
        closed.set(true);
      }
    };
    InputStream in = new ReadAheadInputStream(endless, 1024, 2, "t");
    assertThat(in.read()).isEqualTo(7);
    in.close();
    assertThat(closed).isTrue();
  }
}
