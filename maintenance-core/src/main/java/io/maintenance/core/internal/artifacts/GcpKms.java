package io.maintenance.core.internal.artifacts;

import com.google.api.client.http.HttpRequestInitializer;
import com.google.api.client.http.javanet.NetHttpTransport;
import com.google.api.client.json.gson.GsonFactory;
import com.google.api.services.cloudkms.v1.CloudKMS;
import com.google.api.services.cloudkms.v1.CloudKMSScopes;
import com.google.auth.http.HttpCredentialsAdapter;
import com.google.auth.oauth2.GoogleCredentials;
import com.google.crypto.tink.Aead;
import com.google.crypto.tink.integration.gcpkms.GcpKmsAead;
import io.maintenance.api.ErrorCode;
import io.maintenance.api.MaintenanceException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.util.Map;

/** Tink's Cloud KMS integration ({@code tink-gcpkms}), with the endpoint and credentials of the settings. */
final class GcpKms {
  private GcpKms() {}

  /** @param keyName {@code projects/.../locations/.../keyRings/.../cryptoKeys/...} */
  static Aead aead(String keyName, ArtifactPolicy.Kms settings) {
    HttpRequestInitializer auth;
    try {
      if (settings.gcpCredentialsFile().isPresent()) {
        try (InputStream in = Files.newInputStream(settings.gcpCredentialsFile().get())) {
          auth = new HttpCredentialsAdapter(GoogleCredentials.fromStream(in).createScoped(CloudKMSScopes.all()));
        }
      } else if (settings.gcpEndpoint().isPresent()) {
        auth = request -> {}; // a local endpoint (an emulator) takes no credentials
      } else {
        auth = new HttpCredentialsAdapter(GoogleCredentials.getApplicationDefault().createScoped(CloudKMSScopes.all()));
      }
    } catch (IOException e) {
      throw new MaintenanceException(ErrorCode.CONFIG_INVALID, "Cloud KMS credentials cannot be loaded ("
          + e.getClass().getSimpleName() + "); set artifacts.encryption.gcp.credentials-file or application default credentials",
          Map.of("key", "artifacts.encryption.gcp.credentials-file"));
    }
    CloudKMS.Builder b = new CloudKMS.Builder(new NetHttpTransport(), GsonFactory.getDefaultInstance(), auth)
        .setApplicationName("maintenance-control-plane");
    settings.gcpEndpoint().ifPresent(u -> b.setRootUrl(u.toString().endsWith("/") ? u.toString() : u + "/"));
    return new GcpKmsAead(b.build(), keyName);
  }
}
