package io.maintenance.datastore.qdrant;

import io.maintenance.spi.Datastore;
import io.maintenance.tck.DiscardContract;
import io.qdrant.client.grpc.Collections.AliasDescription;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * The TCK's discard contract (a restore drill's sandbox) on real servers: the fixture's collections on the
 * single node, restored into the sandbox node, which the contract compares by Qdrant's own scroll of every
 * point, config, indexes and aliases before and after.
 */
class QdrantServerDiscardContractIT extends DiscardContract {
  private static QdrantFixture live;
  private static QdrantFixture target;

  @BeforeAll
  static void connect() {
    live = QdrantServers.single().fixture();
    target = QdrantServers.sandbox().fixture();
  }

  @AfterAll
  static void disconnect() {
    live.close();
    target.close();
  }

  @Override
  protected Datastore createSource() throws Exception {
    live.seed();
    return live.datastore("vectors").build();
  }

  @Override
  protected Datastore createSandbox() throws Exception {
    for (AliasDescription a : target.client.listAliasesAsync().get()) {
      target.client.deleteAliasAsync(a.getAliasName()).get();
    }
    for (String c : target.client.listCollectionsAsync().get()) {
      target.client.deleteCollectionAsync(c).get();
    }
    return target.datastore("vectors").build();
  }

  @Override
  protected String sandboxContents() throws Exception {
    return target.liveData();
  }
}
