package io.maintenance.tck;

import io.maintenance.spi.StorageProvider;

/** The test double of the TCK keeps the contract too (small objects only: it holds them in memory by design). */
class InMemoryStorageContractTest extends StorageProviderContract {
  private final InMemoryStorage.Backing backing = new InMemoryStorage.Backing();

  @Override
  protected StorageProvider createProvider() {
    return new InMemoryStorage(backing, 64 * 1024);
  }

  @Override
  protected long largeObjectBytes() {
    return 8L * 1024 * 1024;
  }
}
