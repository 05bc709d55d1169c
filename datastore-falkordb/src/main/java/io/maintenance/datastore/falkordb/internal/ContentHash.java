package io.maintenance.datastore.falkordb.internal;

import io.maintenance.datastore.falkordb.internal.Values.Point;
import io.maintenance.datastore.falkordb.internal.Values.Temporal;
import io.maintenance.datastore.falkordb.internal.Values.VectorF32;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;

/**
 * A hash of a graph's content: every node and edge by id with its properties in order, each value
 * by type and exact bits. The same for a live graph (read from its DUMP) and for an artifact, so
 * that a preview can tell which entities a restore changes and a confirm can tell that the live
 * graph changed. Optionally records a 62-bit hash per entity.
 */
public final class ContentHash implements DumpContent.Visitor {
  private final MessageDigest sha;
  private final IdMap nodes;
  private final IdMap edges;
  private final Listener listener;
  private byte[] buf = new byte[256];
  private long nodeCount;
  private long edgeCount;
  private int len;

  /**
   * @param nodes where to record a hash per node id, or null
   * @param edges where to record a hash per edge id, or null
   */
  public ContentHash(IdMap nodes, IdMap edges) {
    this(nodes, edges, null);
  }

  /** Told each entity's own hash as it is seen. */
  public interface Listener {
    void entity(boolean edge, long id, long hash);
  }

  public ContentHash(Listener listener) {
    this(null, null, listener);
  }

  private ContentHash(IdMap nodes, IdMap edges, Listener listener) {
    try {
      sha = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
    this.nodes = nodes;
    this.edges = edges;
    this.listener = listener;
  }

  @Override
  public void node(long id, List<String> keys, List<Object> values) {
    // nodes (and edges) come in id order from both a DUMP and an export
    entity((byte) 'N', id, keys, values, nodes);
  }

  @Override
  public void edge(long id, List<String> keys, List<Object> values) {
    entity((byte) 'E', id, keys, values, edges);
  }

  long nodeCount() {
    return nodeCount;
  }

  long edgeCount() {
    return edgeCount;
  }

  private void entity(byte kind, long id, List<String> keys, List<Object> values, IdMap sink) {
    encode(kind, id, keys, values);
    end(kind == 'E', id);
  }

  // ---- the same encoding written field by field, for readers that never build the values (DumpContent)

  void begin(boolean edge, long id, long properties) {
    len = 0;
    put((byte) (edge ? 'E' : 'N'));
    putLong(id);
    putLong(properties);
  }

  void key(byte[] utf8) {
    putBytes(utf8, 0, utf8.length);
  }

  void tag(char t) {
    put((byte) t);
  }

  void raw(byte b) {
    put(b);
  }

  void rawLong(long v) {
    putLong(v);
  }

  void rawString(byte[] utf8, int length) {
    putBytes(utf8, 0, length);
  }

  /** Ends an entity begun with {@link #begin} (or encoded whole): digest, own hash, sinks. */
  void end(boolean edge, long id) {
    sha.update(buf, 0, len);
    long h = fnv() & 0x3fffffffffffffffL;
    if (edge) {
      edgeCount++;
    } else {
      nodeCount++;
    }
    IdMap sink = edge ? edges : nodes;
    if (sink != null) {
      sink.put(id, h);
    }
    if (listener != null) {
      listener.entity(edge, id, h);
    }
  }

  private void encode(byte kind, long id, List<String> keys, List<Object> values) {
    len = 0;
    put(kind);
    putLong(id);
    putLong(keys.size());
    for (int i = 0; i < keys.size(); i++) {
      putString(keys.get(i));
      value(values.get(i));
    }
  }

  /** The canonical bytes of an entity (for entities hashed later, in id order, with {@link #accept}). */
  byte[] canonical(byte kind, long id, List<String> keys, List<Object> values) {
    encode(kind, id, keys, values);
    return Arrays.copyOf(buf, len);
  }

  /** Adds canonical bytes made by {@link #canonical} to the digest. */
  void accept(byte[] canonical) {
    sha.update(canonical);
  }

  /** The hex SHA-256 of everything seen. */
  public String digest() {
    return HexFormat.of().formatHex(sha.digest());
  }

  private void value(Object v) {
    if (v == null) {
      put((byte) 'n');
    } else if (v instanceof String s) {
      put((byte) 's');
      putString(s);
    } else if (v instanceof Long l) {
      put((byte) 'i');
      putLong(l);
    } else if (v instanceof Boolean b) {
      put((byte) 'b');
      put((byte) (b ? 1 : 0));
    } else if (v instanceof Double d) {
      put((byte) 'd');
      putLong(Double.doubleToRawLongBits(d));
    } else if (v instanceof List<?> list) {
      put((byte) 'l');
      putLong(list.size());
      list.forEach(this::value);
    } else if (v instanceof Point p) {
      put((byte) 'p');
      putLong(((long) Float.floatToRawIntBits(p.latitude()) << 32) | (Float.floatToRawIntBits(p.longitude()) & 0xffffffffL));
    } else if (v instanceof VectorF32 vec) {
      put((byte) 'v');
      float[] f = vec.elements();
      putLong(f.length);
      for (float x : f) {
        putLong(Float.floatToRawIntBits(x));
      }
    } else if (v instanceof Temporal t) {
      put((byte) 't');
      put((byte) t.kind().ordinal());
      putLong(t.seconds());
    } else {
      throw new IllegalArgumentException("not a property value: " + v.getClass().getName());
    }
  }

  private void putString(String s) {
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    putBytes(b, 0, b.length);
  }

  private void putBytes(byte[] b, int off, int n) {
    putLong(n);
    ensure(n);
    System.arraycopy(b, off, buf, len, n);
    len += n;
  }

  private void putLong(long v) {
    ensure(8);
    for (int i = 0; i < 8; i++) {
      buf[len++] = (byte) (v >>> (56 - 8 * i));
    }
  }

  private void put(byte b) {
    ensure(1);
    buf[len++] = b;
  }

  private void ensure(int n) {
    if (len + n > buf.length) {
      buf = Arrays.copyOf(buf, Math.max(buf.length * 2, len + n));
    }
  }

  /** FNV-1a, 64 bits: one entity against the same entity elsewhere, not a security boundary. */
  private long fnv() {
    long h = 0xcbf29ce484222325L;
    for (int i = 0; i < len; i++) {
      h ^= buf[i] & 0xff;
      h *= 0x100000001b3L;
    }
    return h;
  }
}
