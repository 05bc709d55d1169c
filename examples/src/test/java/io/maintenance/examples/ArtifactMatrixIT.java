package io.maintenance.examples;

import static org.assertj.core.api.Assertions.assertThat;

import io.maintenance.api.ArtifactInfo;
import io.maintenance.api.BackupManifest;
import io.maintenance.api.BackupRecord;
import io.maintenance.api.BackupRequest;
import io.maintenance.api.Compression;
import io.maintenance.api.Principal;
import io.maintenance.api.RestorePreview;
import io.maintenance.api.RestoreRequest;
import io.maintenance.api.RestoreStatus;
import io.maintenance.api.Scope;
import io.maintenance.core.MaintenanceEngine;
import io.maintenance.spi.ObjectInfo;
import io.maintenance.spi.PluginConfig;
import io.maintenance.spi.ReadRequest;
import io.maintenance.spi.StorageProvider;
import io.maintenance.spi.StorageProviderFactory;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.UnifiedJedis;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * Every artifact policy (no compression, gzip, zstd, zstd with envelope encryption from a keyset file)
 * round-trips real datastores through every storage: PostgreSQL (embedded) on local disk, S3
 * (versitygw) and GCS (fake-gcs-server), FalkorDB on local disk. Small data; each case is backup ->
 * accident -> preview -> approve -> confirm -> the data is back, and with encryption on no row value
 * appears in any stored artifact.
 */
class ArtifactMatrixIT {
  private static final Principal ALICE = Principal.of("alice", Scope.READ, Scope.BACKUP, Scope.RESTORE_PREVIEW, Scope.RESTORE_APPLY);
  private static final Principal BOB = Principal.of("bob", Scope.READ, Scope.RESTORE_APPROVE);
  private static final String S3_BUCKET = "maintenance-matrix";
  private static EmbeddedPostgres pg;
  private static int databases;

  @TempDir
  static Path tmp;

  @BeforeAll
  static void startPostgres() throws Exception {
    pg = EmbeddedPostgres.builder().start();
  }

  @AfterAll
  static void stopPostgres() throws Exception {
    pg.close();
  }

  static Stream<Arguments> postgresCases() {
    List<Arguments> out = new ArrayList<>();
    for (String storage : List.of("local", "s3", "gcs")) {
      for (String policy : List.of("none", "gzip", "zstd", "zstd+keyset")) {
        out.add(Arguments.of(storage, policy));
      }
    }
    return out.stream();
  }

  private static String env(String name) {
    String v = System.getenv(name);
    if (v == null || v.isBlank()) {
      throw new IllegalStateException(name + " is not set: run through scripts/test.sh, which starts the servers");
    }
    return v;
  }

  /** Storage settings (keys after {@code storage.}) for a fresh prefix on the named storage. */
  private static Map<String, String> storage(String type) throws Exception {
    String prefix = "matrix-" + UUID.randomUUID();
    Map<String, String> s = new HashMap<>();
    s.put("type", type);
    switch (type) {
      case "local" -> s.put("path", Files.createDirectories(tmp.resolve(prefix)).toString());
      case "s3" -> {
        try (S3Client c = S3Client.builder().endpointOverride(URI.create(env("MAINTENANCE_IT_S3_ENDPOINT")))
            .region(Region.US_EAST_1).forcePathStyle(true).credentialsProvider(StaticCredentialsProvider.create(
                AwsBasicCredentials.create(env("MAINTENANCE_IT_S3_ACCESS_KEY"), env("MAINTENANCE_IT_S3_SECRET_KEY")))).build()) {
          if (c.listBuckets().buckets().stream().noneMatch(b -> b.name().equals(S3_BUCKET))) {
            c.createBucket(r -> r.bucket(S3_BUCKET));
          }
        }
        s.putAll(Map.of("bucket", S3_BUCKET, "key-prefix", prefix, "endpoint", env("MAINTENANCE_IT_S3_ENDPOINT"), "path-style", "true",
            "access-key", env("MAINTENANCE_IT_S3_ACCESS_KEY"), "secret-key", env("MAINTENANCE_IT_S3_SECRET_KEY")));
      }
      case "gcs" -> s.putAll(Map.of("bucket", env("MAINTENANCE_IT_GCS_BUCKET"), "key-prefix", prefix,
          "endpoint", env("MAINTENANCE_IT_GCS_ENDPOINT"), "credentials", "none", "project", "maintenance-it"));
      default -> throw new IllegalArgumentException(type);
    }
    return s;
  }

  private static Map<String, String> policy(String policy) throws Exception {
    return switch (policy) {
      case "none", "gzip", "zstd" -> Map.of("artifacts.compression", policy);
      case "zstd+keyset" -> Map.of("artifacts.compression", "zstd", "artifacts.encryption", "keyset",
          "artifacts.encryption.keyset-file", keyset().toString());
      default -> throw new IllegalArgumentException(policy);
    };
  }

  private static Path keyset;

  /** A Tink keyset of one AES256_GCM key, as `tinkey create-keyset --key-template AES256_GCM` writes it. */
  private static synchronized Path keyset() throws Exception {
    if (keyset == null) {
      com.google.crypto.tink.aead.AeadConfig.register();
      keyset = tmp.resolve("kek.json");
      Files.writeString(keyset, com.google.crypto.tink.TinkJsonProtoKeysetFormat.serializeKeyset(
          com.google.crypto.tink.KeysetHandle.generateNew(com.google.crypto.tink.aead.PredefinedAeadParameters.AES256_GCM),
          com.google.crypto.tink.InsecureSecretKeyAccess.get()));
    }
    return keyset;
  }

  private static MaintenanceEngine engine(Map<String, String> storage, Map<String, String> policy, String dsType,
      Map<String, String> ds, String catalogDb) {
    Map<String, String> props = new HashMap<>(policy);
    storage.forEach((k, v) -> props.put("storage." + k, v));
    props.put("datastores.data.type", dsType);
    ds.forEach((k, v) -> props.put("datastores.data." + k, v));
    props.put("restore.approvals-required", "1");
    return MaintenanceEngine.builder().dataSource(pg.getDatabase("postgres", catalogDb)).configure(props).build();
  }

  private static String newDatabase(String name) throws Exception {
    try (Connection c = pg.getPostgresDatabase().getConnection(); Statement st = c.createStatement()) {
      st.execute("CREATE DATABASE " + name);
    }
    return name;
  }

  private static void restore(MaintenanceEngine engine, String backupId) {
    RestorePreview p = engine.previewRestore(RestoreRequest.of(backupId), ALICE);
    engine.approveRestore(p.requestId(), "matrix", BOB);
    assertThat(engine.confirmRestore(p.token(), ALICE).status()).isEqualTo(RestoreStatus.APPLIED);
  }

  /** Every stored artifact of a backup, read through the same storage plugin the engine used. */
  private static Map<String, byte[]> stored(Map<String, String> storage, String backupId) throws Exception {
    Map<String, String> config = new HashMap<>(storage);
    String type = config.remove("type");
    StorageProviderFactory factory = ServiceLoader.load(StorageProviderFactory.class).stream().map(ServiceLoader.Provider::get)
        .filter(f -> f.name().equals(type)).findFirst().orElseThrow();
    Map<String, byte[]> out = new HashMap<>();
    try (StorageProvider p = factory.create(PluginConfig.of("test", config)); Stream<ObjectInfo> objects = p.list("backups/" + backupId + "/")) {
      for (ObjectInfo o : objects.toList()) {
        if (!o.key().endsWith("/manifest.json") && !o.key().endsWith("/owner.json")) {
          try (InputStream in = p.openRead(ReadRequest.whole(o.key()))) {
            out.put(o.key(), in.readAllBytes());
          }
        }
      }
    }
    return out;
  }

  private static void assertPolicyApplied(MaintenanceEngine engine, BackupRecord b, String policy, Map<String, String> storage,
      String... secrets) throws Exception {
    BackupManifest m = engine.manifest(b.id(), ALICE);
    List<ArtifactInfo> artifacts = m.datastores().get(0).artifacts();
    assertThat(artifacts).isNotEmpty();
    Map<String, byte[]> bytes = stored(storage, b.id());
    assertThat(bytes).hasSize(artifacts.size());
    boolean encrypted = policy.endsWith("+keyset");
    assertThat(m.dataKeys()).hasSize(encrypted ? 1 : 0);
    for (ArtifactInfo a : artifacts) {
      assertThat(a.dataKey().isPresent()).as(a.name()).isEqualTo(encrypted);
    }
    Compression expected = Compression.valueOf(policy.replace("+keyset", "").toUpperCase());
    boolean falkordb = m.datastores().get(0).type().equals("falkordb");
    for (ArtifactInfo a : artifacts) {
      if (falkordb) {
        // the FalkorDB plugin still forces its own gzip (older engines); once it stops, the policy applies
        assertThat(a.compression()).as(a.name()).isIn(expected, Compression.GZIP);
      } else {
        assertThat(a.compression()).as(a.name()).isEqualTo(expected);
      }
    }
    if (encrypted) {
      for (var e : bytes.entrySet()) {
        String text = new String(e.getValue(), StandardCharsets.ISO_8859_1);
        for (String secret : secrets) {
          assertThat(text).as(e.getKey()).doesNotContain(secret);
        }
      }
    }
  }

  @ParameterizedTest(name = "postgres on {0}, {1}")
  @MethodSource("postgresCases")
  void postgresRoundTrips(String storageType, String policy) throws Exception {
    int n = ++databases;
    String shopDb = newDatabase("mshop" + n);
    SampleShop shop = new SampleShop(pg.getDatabase("postgres", shopDb));
    shop.create();
    Map<String, String> storage = storage(storageType);
    try (MaintenanceEngine engine = engine(storage, policy(policy), "postgres",
        Map.of("url", pg.getJdbcUrl("postgres", shopDb), "user", "postgres"), newDatabase("mcatalog" + n))) {
      Map<String, String> original = shop.fingerprint();
      BackupRecord b = engine.backup(BackupRequest.all(), ALICE);
      assertPolicyApplied(engine, b, policy, storage, "customer17@example.com", "Customer 17", "gift wrap");
      shop.breakIt();
      assertThat(shop.fingerprint()).isNotEqualTo(original);
      restore(engine, b.id());
      assertThat(shop.fingerprint()).isEqualTo(original);
    }
  }

  @ParameterizedTest(name = "falkordb on local, {0}")
  @org.junit.jupiter.params.provider.ValueSource(strings = {"none", "zstd", "zstd+keyset"})
  void falkordbRoundTrips(String policy) throws Exception {
    String url = env("MAINTENANCE_IT_FALKORDB_URL");
    String graph = "matrix_" + UUID.randomUUID().toString().replace("-", "");
    int n = ++databases;
    Map<String, String> storage = storage("local");
    try (UnifiedJedis redis = new UnifiedJedis(URI.create(url).resolve("/0"),
        DefaultJedisClientConfig.builder().user(env("MAINTENANCE_IT_FALKORDB_USER"))
            .password(env("MAINTENANCE_IT_FALKORDB_PASSWORD")).build());
        MaintenanceEngine engine = engine(storage, policy(policy), "falkordb", Map.of("uri", url,
            "user", env("MAINTENANCE_IT_FALKORDB_USER"), "password", env("MAINTENANCE_IT_FALKORDB_PASSWORD"), "include", graph),
            newDatabase("mcatalog" + n))) {
      redis.sendCommand(() -> "GRAPH.QUERY".getBytes(StandardCharsets.UTF_8), graph,
          "UNWIND range(1, 300) AS i CREATE (:Person {name: 'Person ' + toString(i), email: 'person' + toString(i) + '@graph.example'})"
              + "-[:OWNS {since: 2000 + i % 20}]->(:Account {iban: 'IBAN-' + toString(i)})");
      String before = graphState(redis, graph);
      BackupRecord b = engine.backup(BackupRequest.all(), ALICE);
      assertPolicyApplied(engine, b, policy, storage, "person17@graph.example", "IBAN-17");
      redis.sendCommand(() -> "GRAPH.QUERY".getBytes(StandardCharsets.UTF_8), graph, "MATCH (p:Person) WHERE p.name < 'Person 2' DETACH DELETE p");
      assertThat(graphState(redis, graph)).isNotEqualTo(before);
      restore(engine, b.id());
      assertThat(graphState(redis, graph)).isEqualTo(before);
      redis.sendCommand(() -> "GRAPH.DELETE".getBytes(StandardCharsets.UTF_8), graph);
    }
  }

  /** FalkorDB's own answer: every node and edge with its properties, in a stable order. */
  private static String graphState(UnifiedJedis redis, String graph) {
    List<?> reply = (List<?>) redis.sendCommand(() -> "GRAPH.RO_QUERY".getBytes(StandardCharsets.UTF_8), graph,
        "MATCH (p:Person)-[o:OWNS]->(a:Account) RETURN p.name, p.email, o.since, a.iban ORDER BY p.name");
    return deepToString(reply.get(1)); // the rows; [0] is the header, [2] timing statistics
  }

  private static String deepToString(Object o) {
    if (o instanceof byte[] b) {
      return new String(b, StandardCharsets.UTF_8);
    }
    if (o instanceof List<?> l) {
      return l.stream().map(ArtifactMatrixIT::deepToString).toList().toString();
    }
    return String.valueOf(o);
  }
}
