package io.maintenance.datastore.falkordb.internal;

import com.ning.compress.lzf.ChunkDecoder;
import com.ning.compress.lzf.LZFException;
import com.ning.compress.lzf.util.ChunkDecoderFactory;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * The server's own serialization of one graph key, as {@code DUMP} returns it and {@code RESTORE}
 * takes it: an RDB module value ({@code RDB_TYPE_MODULE_2}, the module type id with the FalkorDB
 * encoding version in its low 10 bits), then the graph encoded by FalkorDB in buffered string chunks
 * (each possibly LZF-compressed), an end opcode, the RDB version and a CRC64.
 *
 * <p>{@link #header} reads what a restore must check before it hands the bytes to a server: the
 * encoding version, the RDB version, and the graph name and sizes the first chunk starts with (the
 * name is stored inside the value: a server decodes the payload into the graph of that name, whatever
 * key it is restored under).
 */
public final class Dump {
  /** The module type FalkorDB registers for graph keys. */
  public static final String MODULE_TYPE = "graphdata";
  /** The artifact content type of a physical graph artifact. */
  public static final String CONTENT_TYPE = "application/x-falkordb-dump";

  private static final int RDB_TYPE_MODULE_2 = 7;
  private static final int OPCODE_EOF = 0;
  private static final int OPCODE_STRING = 5;
  /** The type-name alphabet of Redis module ids, 6 bits per character. */
  private static final String NAME_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  private static final ChunkDecoder LZF = ChunkDecoderFactory.safeInstance();

  private Dump() {}

  /**
   * What the start of a payload says.
   *
   * @param moduleType the RDB module type name (FalkorDB: {@value #MODULE_TYPE})
   * @param encodingVersion FalkorDB's graph encoding version (18 for 4.16)
   * @param keyCount how many keys the graph was split into (1 for a complete DUMP)
   */
  public record Header(String moduleType, int encodingVersion, String graph, long nodes, long edges, long deletedNodes,
      long deletedEdges, long labels, long relationTypes, long keyCount) {}

  /** Sizes at the end of a payload. */
  public record Trailer(int rdbVersion, long size) {}

  /**
   * Reads a whole payload, returning its header (parsed from the first chunk) and passing every byte
   * to nothing else; fails with {@link ArtifactFormatException} for anything that is not a complete
   * FalkorDB graph payload.
   */
  public static Scan scan(InputStream in) throws IOException {
    Reader r = new Reader(in);
    Header h = r.header();
    r.skipRest();
    return new Scan(h, r.trailer());
  }

  /** The header and trailer of a whole payload. */
  public record Scan(Header header, Trailer trailer) {}

  /** Reads the module chunks of a payload in order. */
  static final class Reader {
    private final InputStream in;
    private long position;
    private int rdbVersion = -1;
    private byte[] first;

    Reader(InputStream in) {
      this.in = in;
    }

    Header header() throws IOException {
      if (u8() != RDB_TYPE_MODULE_2) {
        throw new ArtifactFormatException("not a module value payload");
      }
      long moduleId = length();
      String type = typeName(moduleId);
      int encver = (int) (moduleId & 1023);
      if (!MODULE_TYPE.equals(type)) {
        throw new ArtifactFormatException("the payload holds a '" + type + "' value, not a FalkorDB graph");
      }
      first = nextChunk();
      if (first == null) {
        throw new ArtifactFormatException("the payload holds no graph data");
      }
      ByteBuffer b = ByteBuffer.wrap(first).order(ByteOrder.LITTLE_ENDIAN);
      try {
        long nameLength = b.getLong();
        if (nameLength < 1 || nameLength > b.remaining()) {
          throw new ArtifactFormatException("the payload's graph name is damaged");
        }
        byte[] name = new byte[(int) nameLength - 1];
        b.get(name);
        if (b.get() != 0) {
          throw new ArtifactFormatException("the payload's graph name is damaged");
        }
        long nodes = b.getLong();
        long edges = b.getLong();
        long deletedNodes = b.getLong();
        long deletedEdges = b.getLong();
        long labels = b.getLong();
        long relations = b.getLong();
        if (relations < 0 || relations > b.remaining() / 8) {
          throw new ArtifactFormatException("the payload's header is damaged");
        }
        b.position(b.position() + (int) relations * 8); // multi-edge flags
        long keys = b.getLong();
        return new Header(type, encver, new String(name, StandardCharsets.UTF_8), nodes, edges, deletedNodes, deletedEdges,
            labels, relations, keys);
      } catch (java.nio.BufferUnderflowException e) {
        throw new ArtifactFormatException("the payload's header is truncated");
      }
    }

    /** The trailer, once the whole payload was read. */
    Trailer trailer() {
      return new Trailer(rdbVersion, position);
    }

    /** The first module chunk (read by {@link #header}). */
    byte[] firstChunk() {
      return first;
    }

    /** The next module chunk, decompressed, or null after the end opcode (then the trailer is read). */
    byte[] nextChunk() throws IOException {
      long opcode = length();
      if (opcode == OPCODE_EOF) {
        rdbVersion = u8() | (u8() << 8);
        for (int i = 0; i < 8; i++) {
          u8(); // CRC64: the server checks it on RESTORE, our SHA-256 guards the artifact
        }
        if (in.read() >= 0) {
          throw new ArtifactFormatException("data after the end of the payload");
        }
        return null;
      }
      if (opcode != OPCODE_STRING) {
        throw new ArtifactFormatException("unexpected opcode " + opcode + " in the payload");
      }
      return string();
    }

    void skipRest() throws IOException {
      while (nextChunk() != null) {
        // each chunk is read (and decompressed, which validates it) and dropped
      }
    }

    private byte[] string() throws IOException {
      int first = u8();
      int kind = first >> 6;
      if (kind != 3) {
        return bytes(lengthFrom(first));
      }
      switch (first & 0x3f) {
        case 0 -> {
          return Long.toString((byte) u8()).getBytes(StandardCharsets.US_ASCII);
        }
        case 1 -> {
          return Long.toString((short) (u8() | (u8() << 8))).getBytes(StandardCharsets.US_ASCII);
        }
        case 2 -> {
          int v = u8() | (u8() << 8) | (u8() << 16) | (u8() << 24);
          return Integer.toString(v).getBytes(StandardCharsets.US_ASCII);
        }
        case 3 -> {
          long compressed = length();
          long plain = length();
          if (compressed > Integer.MAX_VALUE - 16 || plain > Integer.MAX_VALUE - 16) {
            throw new ArtifactFormatException("a payload chunk is too large");
          }
          byte[] in = bytes(compressed);
          byte[] out = new byte[(int) plain];
          try {
            LZF.decodeChunk(in, 0, out, 0, out.length);
          } catch (LZFException | RuntimeException e) {
            throw new ArtifactFormatException("a compressed payload chunk is damaged");
          }
          return out;
        }
        default -> throw new ArtifactFormatException("unknown string encoding in the payload");
      }
    }

    private long length() throws IOException {
      return lengthFrom(u8());
    }

    private long lengthFrom(int first) throws IOException {
      return switch (first >> 6) {
        case 0 -> first & 0x3f;
        case 1 -> ((first & 0x3f) << 8) | u8();
        default -> {
          if (first == 0x80) {
            yield ((long) u8() << 24) | (u8() << 16) | (u8() << 8) | u8();
          }
          if (first == 0x81) {
            long v = 0;
            for (int i = 0; i < 8; i++) {
              v = (v << 8) | u8();
            }
            yield v;
          }
          throw new ArtifactFormatException("unknown length encoding in the payload");
        }
      };
    }

    private byte[] bytes(long n) throws IOException {
      if (n < 0 || n > Integer.MAX_VALUE - 16) {
        throw new ArtifactFormatException("a payload chunk is too large");
      }
      byte[] b = in.readNBytes((int) n);
      if (b.length != n) {
        throw new EOFException("the payload ended early");
      }
      position += n;
      return b;
    }

    private int u8() throws IOException {
      int b = in.read();
      if (b < 0) {
        throw new EOFException("the payload ended early");
      }
      position++;
      return b;
    }
  }

  /** The type name a module id encodes (9 characters, 6 bits each, above the 10 version bits). */
  static String typeName(long moduleId) {
    char[] name = new char[9];
    long id = moduleId >>> 10;
    for (int i = 8; i >= 0; i--) {
      name[i] = NAME_CHARS.charAt((int) (id & 63));
      id >>>= 6;
    }
    return new String(name);
  }
}
