package io.maintenance.core.internal.artifacts;

import com.google.crypto.tink.aead.AeadConfig;
import com.google.crypto.tink.streamingaead.StreamingAeadConfig;
import io.maintenance.api.ErrorCode;
import io.maintenance.api.MaintenanceException;
import java.security.GeneralSecurityException;

/** Registers the Tink primitives the engine uses, once. */
final class Tink {
  private static volatile boolean registered;

  private Tink() {}

  static void register() {
    if (registered) {
      return;
    }
    synchronized (Tink.class) {
      try {
        AeadConfig.register();
        StreamingAeadConfig.register();
      } catch (GeneralSecurityException e) {
        throw new MaintenanceException(ErrorCode.INTERNAL_ERROR, "Tink cannot register its primitives: " + e.getMessage(), e);
      }
      registered = true;
    }
  }
}
