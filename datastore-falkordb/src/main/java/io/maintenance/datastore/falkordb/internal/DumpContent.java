package io.maintenance.datastore.falkordb.internal;

import io.maintenance.datastore.falkordb.internal.Values.Point;
import io.maintenance.datastore.falkordb.internal.Values.Temporal;
import io.maintenance.datastore.falkordb.internal.Values.TemporalKind;
import io.maintenance.datastore.falkordb.internal.Values.VectorF32;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads the entities of a graph payload (FalkorDB graph encoding 18): the schema names, then every
 * node and edge with its id and its properties in order, exactly as stored. The label and relation
 * matrices that follow (GraphBLAS blobs, which are not byte-for-byte reproducible: two DUMPs of an
 * unchanged graph differ there) are skipped, so labels, types and endpoints are not seen here.
 *
 * <p>Used to hash a graph's content (see {@link ContentHash}) without a full scan through queries.
 */
public final class DumpContent {
  /** The only graph encoding this reader understands. */
  public static final int ENCODING = 18;

  private static final int BUFFER_SIZE = 256000;
  private static final int STATE_NODES = 1;
  private static final int STATE_DELETED_NODES = 2;
  private static final int STATE_EDGES = 3;
  private static final int STATE_DELETED_EDGES = 4;

  private static final long T_ARRAY = 1 << 3;
  private static final long T_DATETIME = 1 << 5;
  private static final long T_LOCALDATETIME = 1 << 6;
  private static final long T_DATE = 1 << 7;
  private static final long T_TIME = 1 << 8;
  private static final long T_LOCALTIME = 1 << 9;
  private static final long T_DURATION = 1 << 10;
  private static final long T_STRING = 1 << 11;
  private static final long T_BOOL = 1 << 12;
  private static final long T_INT64 = 1 << 13;
  private static final long T_DOUBLE = 1 << 14;
  private static final long T_NULL = 1 << 15;
  private static final long T_POINT = 1 << 17;
  private static final long T_VECTOR_F32 = 1 << 18;
  private static final long T_INTERN = 1 << 19;

  /** Receives what the payload holds. */
  public interface Visitor {
    /** The property key names, by attribute id. */
    default void keys(List<String> keys) {}

    void node(long id, List<String> keys, List<Object> values);

    void edge(long id, List<String> keys, List<Object> values);
  }

  private final Dump.Reader chunks;
  private ByteBuffer buf = ByteBuffer.allocate(0);
  private byte[][] keyBytes = new byte[0][];

  private DumpContent(InputStream in) {
    this.chunks = new Dump.Reader(in);
  }

  /** Reads a whole payload (so that its source can verify it), feeding the entities to the visitor. */
  public static Dump.Scan read(InputStream in, Visitor visitor) throws IOException {
    DumpContent d = new DumpContent(in);
    Dump.Header h = d.chunks.header();
    if (h.encodingVersion() != ENCODING) {
      throw new ArtifactFormatException("graph encoding " + h.encodingVersion() + " is not readable here");
    }
    if (h.keyCount() != 1) {
      throw new ArtifactFormatException("the payload holds one part of " + h.keyCount());
    }
    d.entities(h, visitor);
    d.chunks.skipRest();
    return new Dump.Scan(h, d.chunks.trailer());
  }

  private void entities(Dump.Header h, Visitor visitor) throws IOException {
    // The first chunk starts with the header Dump.Reader parsed: name, six counts, flags, key count.
    buf = ByteBuffer.wrap(chunks.firstChunk()).order(ByteOrder.LITTLE_ENDIAN);
    buffer(); // name
    for (int i = 0; i < 6; i++) {
      unsigned();
    }
    for (long i = 0; i < h.relationTypes(); i++) {
      unsigned();
    }
    unsigned(); // key count
    List<String> keys = schema();
    visitor.keys(keys);
    keyBytes = new byte[keys.size()][];
    for (int i = 0; i < keyBytes.length; i++) {
      keyBytes[i] = keys.get(i).getBytes(StandardCharsets.UTF_8);
    }
    long payloads = unsigned();
    long[][] states = new long[(int) payloads][];
    for (int i = 0; i < payloads; i++) {
      states[i] = new long[] {unsigned(), unsigned()};
    }
    for (long[] state : states) {
      long n = state[1];
      switch ((int) state[0]) {
        case STATE_NODES -> {
          for (long i = 0; i < n; i++) {
            entity(keys, visitor, false);
          }
        }
        case STATE_EDGES -> {
          for (long i = 0; i < n; i++) {
            entity(keys, visitor, true);
          }
        }
        case STATE_DELETED_NODES, STATE_DELETED_EDGES -> buffer();
        default -> {
          return; // matrices: not read
        }
      }
    }
  }

  private List<String> schema() throws IOException {
    long count = unsigned();
    List<String> keys = new ArrayList<>();
    for (long i = 0; i < count; i++) {
      keys.add(string());
    }
    for (int kind = 0; kind < 2; kind++) {
      long schemas = unsigned();
      for (long s = 0; s < schemas; s++) {
        unsigned(); // id
        buffer(); // name
        if (unsigned() != 0) {
          index();
        }
        long constraints = unsigned();
        for (long c = 0; c < constraints; c++) {
          unsigned(); // type
          long attrs = unsigned();
          for (long a = 0; a < attrs; a++) {
            unsigned();
          }
        }
      }
    }
    return keys;
  }

  private void index() throws IOException {
    buffer(); // language
    long stopwords = unsigned();
    for (long i = 0; i < stopwords; i++) {
      buffer();
    }
    long fields = unsigned();
    for (long i = 0; i < fields; i++) {
      buffer(); // name
      long type = unsigned();
      doubleValue(); // weight
      unsigned(); // nostem
      buffer(); // phonetic
      if ((type & 0x10) != 0) { // INDEX_FLD_VECTOR
        for (int k = 0; k < 5; k++) {
          unsigned();
        }
      }
    }
  }

  private void entity(List<String> keys, Visitor visitor, boolean edge) throws IOException {
    long id = unsigned();
    long n = unsigned();
    if (visitor instanceof ContentHash hash) {
      // Straight from the payload's bytes into the hash's canonical encoding, without building values.
      hash.begin(edge, id, n);
      for (long i = 0; i < n; i++) {
        long attr = unsigned();
        if (attr < 0 || attr >= keyBytes.length) {
          throw new ArtifactFormatException("unknown property key id " + attr);
        }
        hash.key(keyBytes[(int) attr]);
        hashValue(hash);
      }
      hash.end(edge, id);
      return;
    }
    List<String> ks = new ArrayList<>((int) Math.min(n, 64));
    List<Object> vs = new ArrayList<>((int) Math.min(n, 64));
    for (long i = 0; i < n; i++) {
      long attr = unsigned();
      if (attr < 0 || attr >= keys.size()) {
        throw new ArtifactFormatException("unknown property key id " + attr);
      }
      ks.add(keys.get((int) attr));
      vs.add(value());
    }
    if (edge) {
      visitor.edge(id, ks, vs);
    } else {
      visitor.node(id, ks, vs);
    }
  }

  private Object value() throws IOException {
    long type = unsigned();
    if (type == T_BOOL) {
      return signed() != 0;
    }
    if (type == T_INT64) {
      return signed();
    }
    if (type == T_DOUBLE) {
      return doubleValue();
    }
    if (type == T_STRING || type == (T_INTERN | T_STRING)) {
      return string();
    }
    if (type == T_ARRAY) {
      long n = unsigned();
      List<Object> list = new ArrayList<>((int) Math.min(n, 1024));
      for (long i = 0; i < n; i++) {
        list.add(value());
      }
      return list;
    }
    if (type == T_POINT) {
      return new Point((float) doubleValue(), (float) doubleValue());
    }
    if (type == T_VECTOR_F32) {
      // The vector as it lies in memory: a 32-bit dimension, then the elements.
      ByteBuffer b = ByteBuffer.wrap(buffer()).order(ByteOrder.LITTLE_ENDIAN);
      int dim = b.remaining() >= 4 ? b.getInt() : -1;
      if (dim < 0 || dim != b.remaining() / 4) {
        throw new ArtifactFormatException("a vector in the payload is damaged");
      }
      float[] f = new float[dim];
      for (int i = 0; i < f.length; i++) {
        f[i] = b.getFloat();
      }
      return new VectorF32(f);
    }
    if (type == T_DATETIME || type == T_LOCALDATETIME) {
      return new Temporal(TemporalKind.DATETIME, signed());
    }
    if (type == T_DATE) {
      return new Temporal(TemporalKind.DATE, signed());
    }
    if (type == T_TIME || type == T_LOCALTIME) {
      return new Temporal(TemporalKind.TIME, signed());
    }
    if (type == T_DURATION) {
      return new Temporal(TemporalKind.DURATION, signed());
    }
    if (type == T_NULL) {
      return null;
    }
    throw new ArtifactFormatException("unknown value type " + type + " in the payload");
  }

  /** Writes one value the way {@link ContentHash} encodes the same value built as an object. */
  private void hashValue(ContentHash h) throws IOException {
    long type = unsigned();
    if (type == T_BOOL) {
      h.tag('b');
      h.raw((byte) (signed() != 0 ? 1 : 0));
    } else if (type == T_INT64) {
      h.tag('i');
      h.rawLong(signed());
    } else if (type == T_DOUBLE) {
      h.tag('d');
      h.rawLong(signed()); // the double's bits as stored
    } else if (type == T_STRING || type == (T_INTERN | T_STRING)) {
      byte[] b = buffer();
      h.tag('s');
      h.rawString(b, b.length > 0 && b[b.length - 1] == 0 ? b.length - 1 : b.length);
    } else if (type == T_ARRAY) {
      long n = unsigned();
      h.tag('l');
      h.rawLong(n);
      for (long i = 0; i < n; i++) {
        hashValue(h);
      }
    } else if (type == T_POINT) {
      float lat = (float) doubleValue();
      float lon = (float) doubleValue();
      h.tag('p');
      h.rawLong(((long) Float.floatToRawIntBits(lat) << 32) | (Float.floatToRawIntBits(lon) & 0xffffffffL));
    } else if (type == T_VECTOR_F32) {
      ByteBuffer b = ByteBuffer.wrap(buffer()).order(ByteOrder.LITTLE_ENDIAN);
      int dim = b.remaining() >= 4 ? b.getInt() : -1;
      if (dim < 0 || dim != b.remaining() / 4) {
        throw new ArtifactFormatException("a vector in the payload is damaged");
      }
      h.tag('v');
      h.rawLong(dim);
      for (int i = 0; i < dim; i++) {
        h.rawLong(b.getInt());
      }
    } else if (type == T_NULL) {
      h.tag('n');
    } else {
      TemporalKind kind = type == T_DATETIME || type == T_LOCALDATETIME ? TemporalKind.DATETIME
          : type == T_DATE ? TemporalKind.DATE
          : type == T_TIME || type == T_LOCALTIME ? TemporalKind.TIME
          : type == T_DURATION ? TemporalKind.DURATION : null;
      if (kind == null) {
        throw new ArtifactFormatException("unknown value type " + type + " in the payload");
      }
      h.tag('t');
      h.raw((byte) kind.ordinal());
      h.rawLong(signed());
    }
  }

  private String string() throws IOException {
    byte[] b = buffer();
    int n = b.length > 0 && b[b.length - 1] == 0 ? b.length - 1 : b.length;
    return new String(b, 0, n, StandardCharsets.UTF_8);
  }

  // ---- the server's buffered serializer: values never straddle chunks; big buffers are chunks of their own

  private void ensure(int n) throws IOException {
    if (!buf.hasRemaining()) {
      next();
    }
    if (buf.remaining() < n) {
      throw new ArtifactFormatException("a payload value straddles a chunk");
    }
  }

  private void next() throws IOException {
    byte[] chunk = chunks.nextChunk();
    if (chunk == null) {
      throw new ArtifactFormatException("the payload ended inside the graph");
    }
    buf = ByteBuffer.wrap(chunk).order(ByteOrder.LITTLE_ENDIAN);
  }

  private long unsigned() throws IOException {
    ensure(8);
    return buf.getLong();
  }

  private long signed() throws IOException {
    ensure(8);
    return buf.getLong();
  }

  private double doubleValue() throws IOException {
    ensure(8);
    return buf.getDouble();
  }

  private byte[] buffer() throws IOException {
    if (!buf.hasRemaining()) {
      next();
      if (buf.capacity() > BUFFER_SIZE) {
        byte[] whole = new byte[buf.remaining()];
        buf.get(whole);
        return whole;
      }
    }
    ensure(8);
    long n = buf.getLong();
    if (n < 0 || n > buf.remaining()) {
      throw new ArtifactFormatException("a payload buffer is damaged");
    }
    byte[] b = new byte[(int) n];
    buf.get(b);
    return b;
  }
}
