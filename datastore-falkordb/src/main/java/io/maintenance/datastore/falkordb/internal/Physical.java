package io.maintenance.datastore.falkordb.internal;

import io.maintenance.api.ErrorCode;
import io.maintenance.api.MaintenanceException;
import io.maintenance.spi.support.PassThroughInputStream;
import java.io.BufferedInputStream;
import java.io.ByteArrayInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import redis.clients.jedis.Response;
import redis.clients.jedis.Transaction;
import redis.clients.jedis.commands.ProtocolCommand;
import redis.clients.jedis.exceptions.JedisDataException;
import redis.clients.jedis.exceptions.JedisException;

/**
 * The physical mode: each graph moves as the server's own serialization ({@code DUMP} / {@code RESTORE}),
 * which keeps node and edge ids, deleted-id lists, property order and every bit of every value, plus
 * the schema's id order.
 *
 * <p>Payloads travel through temporary string keys in pieces, so neither side holds a graph in memory:
 * a backup dumps into a key inside a Lua script (atomically checking that no BGSAVE or AOF rewrite is
 * running: FalkorDB splits graphs into virtual keys for those, and a DUMP then would return a partial
 * graph and disturb the save) and reads it back with {@code GETRANGE}; a restore appends the artifact
 * to a key, and one script per graph renames the live graph to its safety key and restores the payload
 * in its place (putting the original back if the server refuses it), so clients never see the graph
 * missing.
 *
 * <p>A payload is always restored under the name stored inside it: FalkorDB decodes a payload into the
 * graph of that name whatever key it is restored under, so restoring it under another key while that
 * graph exists corrupts the live graph (and crashed FalkorDB 4.16.3 in our tests). A backup by default
 * DUMPs a private copy (see {@link Server#onDumpSource}), so its payload carries the copy's reserved name:
 * a restore decodes it under that name, away from the live graph, and renames it into place (version 2
 * of {@link GraphMeta}); a payload carrying the graph's own name is restored in the swap itself.
 */
public final class Physical {
  /** Bytes per {@code GETRANGE} / {@code APPEND}. */
  static final int PIECE = 4 << 20;
  /** Expiry of temporary keys, so that a crashed process leaves nothing behind for long. */
  static final Duration TEMP_TTL = Duration.ofHours(6);

  // KEYS[1] graph, KEYS[2] temporary key; ARGV[1] expiry in ms. Returns the payload size.
  private static final String DUMP_SCRIPT = """
      local info = redis.call('INFO', 'persistence')
      if string.find(info, 'rdb_bgsave_in_progress:1', 1, true) or string.find(info, 'aof_rewrite_in_progress:1', 1, true) then
        return redis.error_reply('PERSISTENCE_IN_PROGRESS a BGSAVE or AOF rewrite is running')
      end
      local t = redis.call('TYPE', KEYS[1])['ok']
      if t ~= 'graphdata' then return redis.error_reply('NOT_A_GRAPH the key holds ' .. t) end
      local p = redis.call('DUMP', KEYS[1])
      redis.call('SET', KEYS[2], p, 'PX', ARGV[1])
      return string.len(p)
      """;

  // KEYS[1] graph, KEYS[2] payload key, KEYS[3] safety key. Returns 1 if a graph was replaced, 0 if created.
  private static final String SWAP_SCRIPT = """
      local p = redis.call('GET', KEYS[2])
      if not p then return redis.error_reply('PAYLOAD_MISSING the staged payload expired or was removed') end
      local existed = redis.call('EXISTS', KEYS[1])
      if existed == 1 then
        if redis.call('EXISTS', KEYS[3]) == 1 then return redis.error_reply('SAFETY_EXISTS the safety key is taken') end
        redis.call('RENAME', KEYS[1], KEYS[3])
      end
      local r = redis.pcall('RESTORE', KEYS[1], '0', p)
      if type(r) == 'table' and r['err'] then
        if existed == 1 then redis.call('RENAME', KEYS[3], KEYS[1]) end
        return r
      end
      redis.call('DEL', KEYS[2])
      return existed
      """;

  // KEYS[1] graph to create, KEYS[2] payload key. Returns 1.
  private static final String RESTORE_STAGED_SCRIPT = """
      local p = redis.call('GET', KEYS[2])
      if not p then return redis.error_reply('PAYLOAD_MISSING the staged payload expired or was removed') end
      if redis.call('EXISTS', KEYS[1]) == 1 then return redis.error_reply('STAGED_EXISTS the name inside the payload is taken') end
      redis.call('RESTORE', KEYS[1], '0', p)
      redis.call('DEL', KEYS[2])
      return 1
      """;

  // KEYS[1] graph, KEYS[2] staged graph, KEYS[3] safety key. Returns 1 if a graph was replaced, 0 if created.
  private static final String RENAME_SWAP_SCRIPT = """
      if redis.call('EXISTS', KEYS[2]) == 0 then return redis.error_reply('STAGED_MISSING the staged graph is gone') end
      local existed = redis.call('EXISTS', KEYS[1])
      if existed == 1 then
        if redis.call('EXISTS', KEYS[3]) == 1 then return redis.error_reply('SAFETY_EXISTS the safety key is taken') end
        redis.call('RENAME', KEYS[1], KEYS[3])
      end
      redis.call('RENAME', KEYS[2], KEYS[1])
      return existed
      """;

  // KEYS[1] graph, KEYS[2] safety key; ARGV[1] '1' when the graph existed before the swap.
  private static final String PUT_BACK_SCRIPT = """
      if ARGV[1] == '1' then
        if redis.call('EXISTS', KEYS[2]) == 0 then return redis.error_reply('SAFETY_MISSING the safety key is gone') end
        redis.call('RENAME', KEYS[2], KEYS[1])
      else
        redis.call('DEL', KEYS[1])
      end
      return 1
      """;

  private static final ProtocolCommand RO_QUERY = () -> "GRAPH.RO_QUERY".getBytes(StandardCharsets.US_ASCII);

  private Physical() {}

  /**
   * What a target server can load: its FalkorDB encoding version and RDB version, and the largest
   * string it accepts ({@code proto-max-bulk-len}; -1 when the user may not read the configuration).
   */
  public record Target(int encodingVersion, int rdbVersion, long maxPayload) {}

  /** A consistent view of one graph: its sizes, names and schema, taken in the same transaction as its DUMP. */
  public record Snapshot(GraphCounts counts, GraphNames names, GraphSchema schema, long payloadSize) {}

  /**
   * Dumps {@code graph} into {@code tempKey} and returns what was dumped with a stream over the
   * payload (read in pieces; closing it removes the key). The counts, names and schema are read in
   * the same MULTI as the DUMP, so they describe exactly these bytes.
   *
   * @param busyWait how long to wait for a running BGSAVE or AOF rewrite to finish
   */
  public static Dumped dump(FalkorConnection c, String graph, String tempKey, Duration busyWait) {
    long deadline = System.nanoTime() + busyWait.toNanos();
    try {
      while (true) {
        Attempt a = attempt(c, graph, tempKey);
        if (a.snapshot != null) {
          return new Dumped(a.snapshot, new Payload(c, graph, tempKey, a.snapshot.payloadSize()));
        }
        if (System.nanoTime() > deadline) {
          throw new MaintenanceException(ErrorCode.DATASTORE_FAILURE, "graph '" + graph + "': " + a.problem
              + " for longer than " + busyWait + "; the physical backup needs a moment without one", Map.of("graph", graph));
        }
        sleep(a.problem.startsWith("a BGSAVE") ? 200 : 10);
      }
    } catch (RuntimeException e) {
      deleteQuietly(c, tempKey);
      throw e;
    }
  }

  /** A dumped graph: what it holds and its payload. */
  public record Dumped(Snapshot snapshot, Payload payload) {}

  /** What a copied payload held: the versions it was written with and the hash of its content. */
  public record Copied(Target writtenBy, String content) {}

  /**
   * Streams a dumped payload into {@code out} while checking it whole and hashing its content (see
   * {@link ContentHash}; "unreadable" for a graph encoding {@link DumpContent} does not know).
   */
  public static Copied copy(String graph, Dumped d, OutputStream out) throws IOException {
    InputStream tee = new BufferedInputStream(new FilterInputStream(d.payload()) {
      @Override
      public int read() throws IOException {
        int b = super.read();
        if (b >= 0) {
          out.write(b);
        }
        return b;
      }

      @Override
      public int read(byte[] b, int off, int len) throws IOException {
        int n = super.read(b, off, len);
        if (n > 0) {
          out.write(b, off, n);
        }
        return n;
      }
    }, 64 * 1024);
    tee.mark(1 << 20); // the first chunk: at most 256 kB of graph data
    Dump.Header first = new Dump.Reader(tee).header();
    tee.reset();
    ContentHash hash = new ContentHash(null, null);
    Dump.Scan scan = first.encodingVersion() == DumpContent.ENCODING ? DumpContent.read(tee, hash) : Dump.scan(tee);
    check(graph, scan.header(), d.snapshot().counts());
    return new Copied(new Target(scan.header().encodingVersion(), scan.trailer().rdbVersion(), -1),
        first.encodingVersion() == DumpContent.ENCODING ? hash.digest() : "unreadable");
  }

  /** A payload in a temporary key, read in {@link #PIECE}-sized pieces; closing removes the key. */
  public static final class Payload extends InputStream {
    private final FalkorConnection c;
    private final String graph;
    private final String key;
    private final long size;
    private long position;
    private byte[] piece = new byte[0];
    private int offset;

    Payload(FalkorConnection c, String graph, String key, long size) {
      this.c = c;
      this.graph = graph;
      this.key = key;
      this.size = size;
    }

    private boolean fill() {
      if (offset < piece.length) {
        return true;
      }
      if (position >= size) {
        return false;
      }
      long to = Math.min(size, position + PIECE);
      piece = c.getRange(key, position, to - 1);
      if (piece.length != to - position) {
        throw new MaintenanceException(ErrorCode.DATASTORE_FAILURE, "graph '" + graph + "': the dumped payload changed while it was read",
            Map.of("graph", graph));
      }
      position = to;
      offset = 0;
      return true;
    }

    @Override
    public int read() {
      return fill() ? piece[offset++] & 0xff : -1;
    }

    @Override
    public int read(byte[] b, int off, int len) {
      if (len == 0) {
        return 0;
      }
      if (!fill()) {
        return -1;
      }
      int n = Math.min(len, piece.length - offset);
      System.arraycopy(piece, offset, b, off, n);
      offset += n;
      return n;
    }

    @Override
    public void close() {
      deleteQuietly(c, key);
    }
  }

  private record Attempt(Snapshot snapshot, String problem) {}

  private static Attempt attempt(FalkorConnection c, String graph, String tempKey) {
    GraphNames before = GraphNames.read(c, graph);
    List<Response<Object>> labelCounts = new ArrayList<>();
    List<Response<Object>> typeCounts = new ArrayList<>();
    List<Object> replies;
    Response<Object> labels;
    Response<Object> types;
    Response<Object> keys;
    Response<Object> nodes;
    Response<Object> edges;
    Response<Object> indexes;
    Response<Object> constraints;
    Response<Object> dumped;
    try (Transaction tx = c.multi()) {
      labels = tx.sendCommand(RO_QUERY, graph, "CALL db.labels()", "--compact");
      types = tx.sendCommand(RO_QUERY, graph, "CALL db.relationshipTypes()", "--compact");
      keys = tx.sendCommand(RO_QUERY, graph, "CALL db.propertyKeys()", "--compact");
      nodes = tx.sendCommand(RO_QUERY, graph, "MATCH (n) RETURN count(n)", "--compact");
      edges = tx.sendCommand(RO_QUERY, graph, "MATCH ()-[e]->() RETURN count(e)", "--compact");
      for (String l : before.labels()) {
        labelCounts.add(tx.sendCommand(RO_QUERY, graph, GraphOps.labelCountQuery(l), "--compact"));
      }
      for (String t : before.types()) {
        typeCounts.add(tx.sendCommand(RO_QUERY, graph, GraphOps.typeCountQuery(t), "--compact"));
      }
      indexes = tx.sendCommand(RO_QUERY, graph, GraphOps.INDEXES_QUERY, "--compact");
      constraints = tx.sendCommand(RO_QUERY, graph, GraphOps.CONSTRAINTS_QUERY, "--compact");
      dumped = tx.eval(FalkorConnection.bytes(DUMP_SCRIPT), List.of(FalkorConnection.bytes(graph), FalkorConnection.bytes(tempKey)),
          List.of(FalkorConnection.bytes(Long.toString(TEMP_TTL.toMillis()))));
      replies = tx.exec();
    } catch (JedisException e) {
      throw FalkorDbErrors.failure(graph, "physical backup", e);
    }
    if (replies == null) {
      throw new MaintenanceException(ErrorCode.DATASTORE_FAILURE, "graph '" + graph + "': the backup transaction was aborted",
          Map.of("graph", graph));
    }
    Object dump;
    try {
      dump = dumped.get();
    } catch (JedisDataException e) {
      String m = String.valueOf(e.getMessage());
      if (m.startsWith("PERSISTENCE_IN_PROGRESS")) {
        return new Attempt(null, "a BGSAVE or AOF rewrite was running");
      }
      throw FalkorDbErrors.failure(graph, "dump", e);
    }
    try {
      GraphNames names = new GraphNames(names(labels.get()), names(types.get()), names(keys.get()));
      if (!names.labels().equals(before.labels()) || !names.types().equals(before.types())) {
        return new Attempt(null, "labels or relationship types changed while counting"); // retried at once
      }
      GraphCounts counts = new GraphCounts();
      counts.setNodes(QueryResult.of(nodes.get()).singleLong());
      counts.setEdges(QueryResult.of(edges.get()).singleLong());
      for (int i = 0; i < before.labels().size(); i++) {
        counts.setLabel(before.labels().get(i), QueryResult.of(labelCounts.get(i).get()).singleLong());
      }
      for (int i = 0; i < before.types().size(); i++) {
        counts.setType(before.types().get(i), QueryResult.of(typeCounts.get(i).get()).singleLong());
      }
      GraphSchema schema = GraphOps.schema(QueryResult.of(indexes.get()), QueryResult.of(constraints.get()));
      return new Attempt(new Snapshot(counts, names, schema, (Long) dump), null);
    } catch (JedisDataException e) {
      throw FalkorDbErrors.failure(graph, "physical backup", e);
    }
  }

  private static List<String> names(Object reply) {
    List<String> out = new ArrayList<>();
    for (List<Object> row : QueryResult.of(reply).rows()) {
      out.add((String) row.get(0));
    }
    return out;
  }

  /** A payload's header must name the graph, hold it whole, and agree with the counts recorded beside it. */
  static void check(String graph, Dump.Header h, GraphCounts counts) {
    if (!graph.equals(h.graph())) {
      throw new ArtifactFormatException("the payload holds graph '" + h.graph() + "', not '" + graph + "'");
    }
    if (h.keyCount() != 1) {
      throw new ArtifactFormatException("the payload holds one part of " + h.keyCount() + " of the graph");
    }
    if (h.nodes() != counts.nodes() || h.edges() != counts.edges()) {
      throw new ArtifactFormatException("the payload holds " + h.nodes() + " nodes and " + h.edges() + " edges, but "
          + counts.nodes() + " and " + counts.edges() + " are recorded");
    }
  }

  /** What the server at {@code c} writes (and so can read): from a DUMP of a tiny scratch graph. */
  public static Target target(FalkorConnection c, String scratchKey) {
    try {
      c.delete(scratchKey);
      c.query(scratchKey, "RETURN 1", Map.of());
      byte[] p = c.dump(scratchKey);
      Dump.Header h = new Dump.Reader(new ByteArrayInputStream(p)).header();
      int rdb = (p[p.length - 10] & 0xff) | ((p[p.length - 9] & 0xff) << 8);
      return new Target(h.encodingVersion(), rdb, maxPayload(c));
    } catch (IOException e) {
      throw new MaintenanceException(ErrorCode.DATASTORE_FAILURE, "cannot read the server's encoding version: " + e.getMessage(), e);
    } finally {
      deleteQuietly(c, scratchKey);
    }
  }

  private static long maxPayload(FalkorConnection c) {
    try {
      List<?> reply = (List<?>) c.raw("CONFIG", "GET", "proto-max-bulk-len");
      return reply.size() == 2 ? Long.parseLong(FalkorConnection.text(reply.get(1))) : -1;
    } catch (JedisException | NumberFormatException e) {
      return -1; // not allowed to read the configuration: a too large payload fails while staging
    }
  }

  /**
   * Streams an artifact into {@code payloadKey} (in pieces, with an expiry) while checking its
   * structure; returns what it holds. The source verifies its SHA-256 when the stream ends, so a
   * damaged artifact fails here, before anything live is touched.
   */
  public static Dump.Scan stage(FalkorConnection c, InputStream artifact, String payloadKey) throws IOException {
    try (Uploader up = new Uploader(artifact, c, payloadKey)) {
      Dump.Scan scan = Dump.scan(new BufferedInputStream(up, 64 * 1024));
      up.flushPiece();
      return scan;
    }
  }

  /** Only checks an artifact's structure (a dry run of {@link #stage}). */
  public static Dump.Scan scan(InputStream artifact) throws IOException {
    return Dump.scan(new BufferedInputStream(artifact, 64 * 1024));
  }

  /** Replaces (or creates) {@code graph} with the staged payload; returns whether a graph was replaced. */
  public static boolean swap(FalkorConnection c, String graph, String payloadKey, String safetyKey) {
    Object r = c.eval(graph, "restore", SWAP_SCRIPT, List.of(graph, payloadKey, safetyKey), List.of());
    return Long.valueOf(1).equals(r);
  }

  /**
   * Decodes a staged payload into a new graph under {@code payloadGraph}, the name stored inside it (not
   * a live graph: see the class comment), and removes the payload key.
   */
  public static void restoreStaged(FalkorConnection c, String payloadGraph, String payloadKey) {
    c.eval(payloadGraph, "restore", RESTORE_STAGED_SCRIPT, List.of(payloadGraph, payloadKey), List.of());
  }

  /**
   * Replaces (or creates) {@code graph} with a staged graph by renaming: the original becomes the
   * safety key, the staged graph takes its name (FalkorDB renames the graph inside the value too).
   */
  public static boolean swapStaged(FalkorConnection c, String graph, String stagedKey, String safetyKey) {
    Object r = c.eval(graph, "swap", RENAME_SWAP_SCRIPT, List.of(graph, stagedKey, safetyKey), List.of());
    return Long.valueOf(1).equals(r);
  }

  /** Undoes {@link #swap}: the original back from its safety key, or the restored graph removed. */
  public static void putBack(FalkorConnection c, String graph, String safetyKey, boolean existed) {
    c.eval(graph, "put back", PUT_BACK_SCRIPT, List.of(graph, safetyKey), List.of(existed ? "1" : "0"));
  }

  static void deleteQuietly(FalkorConnection c, String key) {
    try {
      c.raw("DEL", key);
    } catch (RuntimeException e) {
      // expires on its own
    }
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new MaintenanceException(ErrorCode.DATASTORE_FAILURE, "interrupted", e);
    }
  }

  /** Passes bytes through while appending them to a key in {@link #PIECE}-sized pieces. */
  private static final class Uploader extends PassThroughInputStream {
    private final FalkorConnection c;
    private final String key;
    private final byte[] piece = new byte[PIECE];
    private int filled;

    Uploader(InputStream in, FalkorConnection c, String key) {
      super(in);
      this.c = c;
      this.key = key;
      deleteQuietly(c, key);
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      int n = in.read(b, off, len);
      for (int done = 0; done < n; ) {
        int k = Math.min(n - done, PIECE - filled);
        System.arraycopy(b, off + done, piece, filled, k);
        filled += k;
        done += k;
        if (filled == PIECE) {
          flushPiece();
        }
      }
      return n;
    }

    void flushPiece() {
      if (filled > 0) {
        c.append(key, filled == PIECE ? piece : Arrays.copyOf(piece, filled), TEMP_TTL);
        filled = 0;
      }
    }

    @Override
    public void close() {
      // the artifact stream is closed by its owner (closing is what verifies it)
    }
  }
}
