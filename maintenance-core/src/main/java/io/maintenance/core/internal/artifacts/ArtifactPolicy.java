package io.maintenance.core.internal.artifacts;

import io.maintenance.api.Compression;
import io.maintenance.spi.PluginConfig;
import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The {@code artifacts.*} settings: how every artifact of every datastore is compressed and encrypted.
 *
 * @param compression what new artifacts are compressed with (unless a datastore says its bytes are compressed already)
 * @param level the compression level (zstd 1..19, gzip 1..9)
 * @param encryption what wraps the data keys of new backups; {@link Encryption#NONE}: new backups are not encrypted
 * @param keysetFile a Tink JSON keyset of AEAD keys: its primary key wraps (with {@link Encryption#KEYSET}), all its
 *     enabled keys unwrap
 * @param kmsKey the KMS key that wraps new data keys ({@code aws-kms://arn:...} or {@code gcp-kms://projects/...})
 * @param previousKeys more KMS keys that unwrap the data keys of older backups
 */
public record ArtifactPolicy(
    Compression compression,
    int level,
    Encryption encryption,
    Optional<Path> keysetFile,
    Optional<String> kmsKey,
    List<String> previousKeys,
    Kms kms) {

  public enum Encryption {
    NONE, KEYSET, AWS_KMS, GCP_KMS
  }

  /**
   * How to reach the KMS.
   *
   * @param awsEndpoint an AWS KMS-compatible endpoint (a VPC endpoint, a test server); default AWS's for the key's region
   * @param awsRegion default: the key ARN's region
   * @param awsAccessKey with {@code awsSecretKey}: explicit credentials; default the SDK's credentials chain
   * @param gcpEndpoint root URL of the Cloud KMS JSON API; default Google's
   * @param gcpCredentialsFile a service account JSON file; default application default credentials
   */
  public record Kms(Optional<URI> awsEndpoint, Optional<String> awsRegion, Optional<String> awsAccessKey,
      Optional<String> awsSecretKey, Optional<URI> gcpEndpoint, Optional<Path> gcpCredentialsFile) {
    @Override
    public String toString() {
      return "Kms[awsEndpoint=" + awsEndpoint + ", awsRegion=" + awsRegion + ", awsAccessKey="
          + awsAccessKey.map(k -> "****").orElse("default chain") + ", gcpEndpoint=" + gcpEndpoint
          + ", gcpCredentialsFile=" + gcpCredentialsFile + "]";
    }
  }

  public static final ArtifactPolicy DEFAULT = new ArtifactPolicy(Compression.ZSTD, 3, Encryption.NONE, Optional.empty(),
      Optional.empty(), List.of(), new Kms(Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(),
          Optional.empty(), Optional.empty()));

  /** Settings are named with this prefix in the engine's properties and in error messages. */
  private static final String K = "artifacts.";

  static final Set<String> KEYS = Set.of("compression", "compression.level", "encryption", "encryption.keyset-file",
      "encryption.kms-key", "encryption.previous-keys", "encryption.aws.endpoint", "encryption.aws.region",
      "encryption.aws.access-key", "encryption.aws.secret-key", "encryption.gcp.endpoint", "encryption.gcp.credentials-file");

  /** Parses the keys after {@code artifacts.}; {@code CONFIG_INVALID} naming the key for anything wrong. */
  public static ArtifactPolicy parse(Map<String, String> settings) {
    Map<String, String> prefixed = new java.util.TreeMap<>();
    settings.forEach((k, v) -> prefixed.put(K + k, v));
    PluginConfig c = PluginConfig.of("engine setting", prefixed);
    for (String k : settings.keySet()) {
      if (!KEYS.contains(k)) {
        throw c.invalid(K + k, "is not an artifacts setting; known: " + String.join(", ", KEYS.stream().sorted().toList()));
      }
    }
    Compression compression = switch (c.string(K + "compression", "zstd").toLowerCase(Locale.ROOT)) {
      case "zstd" -> Compression.ZSTD;
      case "gzip" -> Compression.GZIP;
      case "none" -> Compression.NONE;
      default -> throw c.invalid(K + "compression", "must be zstd, gzip or none");
    };
    int level = c.integer(K + "compression.level", compression == Compression.GZIP ? 6 : 3);
    if (compression == Compression.ZSTD && (level < 1 || level > 19)) {
      throw c.invalid(K + "compression.level", "must be 1..19 for zstd");
    }
    if (compression == Compression.GZIP && (level < 1 || level > 9)) {
      throw c.invalid(K + "compression.level", "must be 1..9 for gzip");
    }
    Encryption encryption = switch (c.string(K + "encryption", "none").toLowerCase(Locale.ROOT)) {
      case "none" -> Encryption.NONE;
      case "keyset" -> Encryption.KEYSET;
      case "aws-kms" -> Encryption.AWS_KMS;
      case "gcp-kms" -> Encryption.GCP_KMS;
      default -> throw c.invalid(K + "encryption", "must be none, keyset, aws-kms or gcp-kms");
    };
    Optional<Path> keyset = c.optional(K + "encryption.keyset-file").map(Path::of);
    Optional<String> kmsKey = c.optional(K + "encryption.kms-key");
    List<String> previous = c.list(K + "encryption.previous-keys");
    switch (encryption) {
      case KEYSET -> {
        if (keyset.isEmpty()) {
          throw c.invalid(K + "encryption.keyset-file", "is required with encryption=keyset");
        }
        if (kmsKey.isPresent()) {
          throw c.invalid(K + "encryption.kms-key", "is for encryption=aws-kms or gcp-kms, not keyset");
        }
      }
      case AWS_KMS, GCP_KMS -> {
        String prefix = encryption == Encryption.AWS_KMS ? KeyEncryptionKeys.AWS_PREFIX : KeyEncryptionKeys.GCP_PREFIX;
        String key = kmsKey.orElseThrow(() -> c.invalid(K + "encryption.kms-key", "is required with encryption="
            + c.string(K + "encryption", "")));
        if (!key.startsWith(prefix)) {
          throw c.invalid(K + "encryption.kms-key", "must start with " + prefix + " for encryption=" + c.string(K + "encryption", ""));
        }
      }
      case NONE -> {
        if (kmsKey.isPresent()) {
          throw c.invalid(K + "encryption.kms-key", "is set but encryption is none; set encryption=aws-kms or gcp-kms, "
              + "or list the key in encryption.previous-keys to read older backups");
        }
      }
    }
    for (String k : previous) {
      if (!k.startsWith(KeyEncryptionKeys.AWS_PREFIX) && !k.startsWith(KeyEncryptionKeys.GCP_PREFIX)) {
        throw c.invalid(K + "encryption.previous-keys", "must list KMS key URIs (aws-kms://... or gcp-kms://...)");
      }
    }
    Optional<String> accessKey = c.optional(K + "encryption.aws.access-key");
    Optional<String> secretKey = c.optional(K + "encryption.aws.secret-key");
    if (accessKey.isPresent() != secretKey.isPresent()) {
      throw c.invalid(K + (accessKey.isPresent() ? "encryption.aws.secret-key" : "encryption.aws.access-key"),
          "is needed with the other one (both or neither)");
    }
    Kms kms = new Kms(uri(c, K + "encryption.aws.endpoint"), c.optional(K + "encryption.aws.region"), accessKey, secretKey,
        uri(c, K + "encryption.gcp.endpoint"), c.optional(K + "encryption.gcp.credentials-file").map(Path::of));
    return new ArtifactPolicy(compression, level, encryption, keyset, kmsKey, previous, kms);
  }

  private static Optional<URI> uri(PluginConfig c, String key) {
    Optional<String> v = c.optional(key);
    if (v.isEmpty()) {
      return Optional.empty();
    }
    try {
      URI u = URI.create(v.get());
      if (u.getScheme() == null || u.getHost() == null || !(u.getScheme().equals("http") || u.getScheme().equals("https"))) {
        throw c.invalid(key, "must be an http(s) URL, was '" + v.get() + "'");
      }
      return Optional.of(u);
    } catch (IllegalArgumentException e) {
      throw c.invalid(key, "must be an http(s) URL, was '" + v.get() + "'");
    }
  }
}
