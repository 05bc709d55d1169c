package io.maintenance.core.internal.artifacts;

import com.google.crypto.tink.Aead;
import java.security.GeneralSecurityException;
import java.util.HexFormat;
import java.util.Map;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.kms.KmsClient;
import software.amazon.awssdk.services.kms.KmsClientBuilder;
import software.amazon.awssdk.services.kms.model.DecryptResponse;

/**
 * A Tink {@link Aead} backed by an AWS KMS key, on the AWS SDK v2 the project already uses.
 *
 * <p>Written here rather than taken from {@code com.google.crypto.tink:tink-awskms} because the release
 * of it on Maven Central that builds here (1.11.0) is built on the AWS SDK v1, which reached end of
 * support; its successor (2.x, on SDK v2) does the same two calls with the same encryption context,
 * which this mirrors so wrapped keys stay interchangeable with it.
 */
final class AwsKms {
  private AwsKms() {}

  /** @param keyArn the key ARN (or alias ARN) without {@code aws-kms://} */
  static Aead aead(String keyArn, ArtifactPolicy.Kms settings) {
    KmsClientBuilder b = KmsClient.builder();
    String region = settings.awsRegion().orElseGet(() -> regionOf(keyArn));
    b.region(Region.of(region));
    settings.awsEndpoint().ifPresent(b::endpointOverride);
    if (settings.awsAccessKey().isPresent()) {
      b.credentialsProvider(StaticCredentialsProvider.create(
          AwsBasicCredentials.create(settings.awsAccessKey().get(), settings.awsSecretKey().orElseThrow())));
    } else {
      b.credentialsProvider(DefaultCredentialsProvider.builder().build());
    }
    return new KmsAead(b.build(), keyArn);
  }

  private static String regionOf(String arn) {
    String[] parts = arn.split(":");
    return parts.length >= 6 && parts[0].equals("arn") && !parts[3].isEmpty() ? parts[3] : "us-east-1";
  }

  private record KmsAead(KmsClient client, String keyArn) implements Aead {
    @Override
    public byte[] encrypt(byte[] plaintext, byte[] associatedData) throws GeneralSecurityException {
      try {
        return client.encrypt(r -> r.keyId(keyArn).plaintext(SdkBytes.fromByteArray(plaintext))
            .encryptionContext(context(associatedData))).ciphertextBlob().asByteArray();
      } catch (SdkException e) {
        throw new GeneralSecurityException("AWS KMS Encrypt with " + keyArn + " failed: " + e.getMessage(), e);
      }
    }

    @Override
    public byte[] decrypt(byte[] ciphertext, byte[] associatedData) throws GeneralSecurityException {
      DecryptResponse r;
      try {
        r = client.decrypt(q -> q.keyId(keyArn).ciphertextBlob(SdkBytes.fromByteArray(ciphertext))
            .encryptionContext(context(associatedData)));
      } catch (SdkException e) {
        throw new GeneralSecurityException("AWS KMS Decrypt with " + keyArn + " failed: " + e.getMessage(), e);
      }
      // A ciphertext under another key we may also decrypt with must not pass as this key's.
      if (keyArn.startsWith("arn:") && keyArn.contains(":key/") && !keyArn.equals(r.keyId())) {
        throw new GeneralSecurityException("AWS KMS decrypted with " + r.keyId() + ", not " + keyArn);
      }
      return r.plaintext().asByteArray();
    }

    private static Map<String, String> context(byte[] associatedData) {
      return associatedData == null || associatedData.length == 0 ? Map.of()
          : Map.of("associatedData", HexFormat.of().formatHex(associatedData));
    }

    @Override
    public String toString() {
      return "AwsKmsAead[" + keyArn + "]";
    }
  }
}
