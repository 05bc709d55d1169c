package io.maintenance.storage.gcs;

import io.maintenance.spi.StorageProvider;
import io.maintenance.tck.StorageProviderContract;

/**
 * The whole storage contract, unchanged, against gcp-storage-emulator: a second server that checks
 * chunk offsets and answers status queries as GCS documents, so the resume cases run here in full.
 * Its downloads ignore the {@code generation} parameter and send no {@code x-goog-generation}; the
 * provider then checks the live generation itself, which the pinned-read case proves.
 */
class GcsAltEmulatorContractIT extends StorageProviderContract {

  @Override
  protected StorageProvider createProvider() {
    return GcsEmulators.provider(GcsEmulators.altEndpoint(), "contract");
  }
}
