package io.maintenance.datastore.falkordb;

import io.maintenance.datastore.falkordb.internal.FalkorConnection;
import io.maintenance.spi.Datastore;
import io.maintenance.tck.DiscardContract;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * The TCK's discard contract (a restore drill's sandbox) on real servers: graphs of the live server
 * backed up and restored into the second server, which the contract compares key by key and graph by
 * graph ({@link Canonical}) before and after.
 */
abstract class FalkorDbDiscardContract extends DiscardContract {
  private static FalkorConnection live;
  private static FalkorConnection target;

  @BeforeAll
  static void connect() {
    live = TestServer.connect();
    target = TestServer.connect(TestServer.targetUrl());
  }

  @AfterAll
  static void disconnect() {
    TestServer.dropGraphs(live, "dc_");
    TestServer.dropGraphs(target, "dc_");
    live.close();
    target.close();
  }

  protected abstract String format();

  @Override
  protected Datastore createSource() {
    TestServer.dropGraphs(live, "dc_");
    Corpus.seed(live, "dc_corpus");
    TestServer.query(live, "dc_social", "CREATE (a:Person {uid: 1}), (b:Person {uid: 2}), (a)-[:KNOWS]->(b)");
    return TestServer.datastore("graphs").include("dc_*").format(format()).build();
  }

  @Override
  protected Datastore createSandbox() {
    TestServer.dropGraphs(target, "dc_");
    return FalkorDbDatastore.builder("graphs").uri(TestServer.targetUrl()).build();
  }

  /** Every key of the sandbox server with its type, and every graph in full. */
  @Override
  protected String sandboxContents() {
    StringBuilder sb = new StringBuilder();
    List<String> keys = TestServer.keys(target, "*").stream().sorted().toList();
    for (String k : keys) {
      if (k.startsWith("telemetry{") && !k.startsWith("telemetry{dc_")) {
        continue; // FalkorDB's log of queries other tests ran on their graphs
      }
      String type = FalkorConnection.text(target.raw("TYPE", k));
      sb.append(k).append(' ').append(type).append('\n');
      if (type.equals("graphdata")) {
        sb.append(Canonical.of(target, k));
      }
    }
    return sb.append("GRAPH.LIST ").append(target.graphList().stream().sorted().toList()).toString();
  }
}
