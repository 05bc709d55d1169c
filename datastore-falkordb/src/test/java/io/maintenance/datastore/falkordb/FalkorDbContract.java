package io.maintenance.datastore.falkordb;

import io.maintenance.datastore.falkordb.internal.FalkorConnection;
import io.maintenance.spi.Datastore;
import io.maintenance.tck.DatastoreContract;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** The TCK's datastore contract against a real FalkorDB server, in both formats. */
abstract class FalkorDbContract extends DatastoreContract {
  private static FalkorConnection conn;

  @BeforeAll
  static void connect() {
    conn = TestServer.connect();
  }

  @AfterAll
  static void disconnect() {
    TestServer.dropGraphs(conn, "tck_");
    conn.close();
  }

  @Override
  protected Datastore createDatastore() {
    return TestServer.datastore("graphs").include("tck_*").format(format()).batchSize(3).readBatchSize(4).build();
  }

  protected abstract String format();

  @Override
  protected void seed() {
    TestServer.dropGraphs(conn, "tck_");
    TestServer.query(conn, "tck_social", "CREATE (a:Person:Admin {uid: 1, name: 'Ada', score: 0.1, tags: ['x', 'y'], born: date('1815-12-10')}),"
        + " (b:Person {uid: 2, name: 'Bob', score: 2.5e-10, at: point({latitude: 51.5, longitude: -0.12})}),"
        + " (c:Person {uid: 3, name: 'Cy', emb: vecf32([0.25, -1.5, 3.0])}), (d {uid: 4}), (e:Empty),"
        + " (a)-[:KNOWS {since: 2020, w: 0.75}]->(b), (a)-[:KNOWS {since: 2021}]->(b), (b)-[:KNOWS]->(c),"
        + " (c)-[:SELF {at: localdatetime('2024-02-29T12:00:00')}]->(c), (d)-[:LINK]->(a)");
    TestServer.query(conn, "tck_social", "CREATE INDEX FOR (p:Person) ON (p.uid)");
    conn.command("tck_social", "constraint", "GRAPH.CONSTRAINT", "CREATE", "tck_social", "UNIQUE", "NODE", "Person", "PROPERTIES", "1", "uid");
    TestServer.query(conn, "tck_catalog", "UNWIND range(1, 12) AS i CREATE (:Item {uid: i, price: toFloat(i) / 3.0})");
    TestServer.query(conn, "tck_catalog", "MATCH (a:Item), (b:Item) WHERE b.uid = a.uid + 1 CREATE (a)-[:NEXT {d: duration('P1DT2H')}]->(b)");
  }

  @Override
  protected void mutate() {
    TestServer.query(conn, "tck_social", "MATCH (n {uid: 2}) SET n.name = 'Robert', n.score = 1.0/3");
    TestServer.query(conn, "tck_social", "MATCH (n {uid: 4}) DETACH DELETE n");
    TestServer.query(conn, "tck_social", "CREATE (:Person {uid: 5, name: 'Eve'}), (:Intruder {uid: 6})");
    TestServer.query(conn, "tck_catalog", "MATCH ()-[e:NEXT]->() WITH e LIMIT 3 DELETE e");
  }

  @Override
  protected String liveData() {
    return Canonical.of(conn, "tck_social") + "\n---\n" + Canonical.of(conn, "tck_catalog");
  }
}
