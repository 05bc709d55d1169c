package io.maintenance.datastore.qdrant.testing;

import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.maintenance.datastore.qdrant.testing.FakeQdrant.Collection;
import io.maintenance.datastore.qdrant.testing.FakeQdrant.PointKey;
import io.maintenance.datastore.qdrant.testing.FakeQdrant.QdrantError;
import io.maintenance.datastore.qdrant.testing.FakeQdrant.SnapshotFile;
import io.qdrant.client.grpc.Collections.AliasDescription;
import io.qdrant.client.grpc.Collections.AliasOperations;
import io.qdrant.client.grpc.Collections.ChangeAliases;
import io.qdrant.client.grpc.Collections.CollectionConfig;
import io.qdrant.client.grpc.Collections.CollectionDescription;
import io.qdrant.client.grpc.Collections.CollectionExists;
import io.qdrant.client.grpc.Collections.CollectionExistsRequest;
import io.qdrant.client.grpc.Collections.CollectionExistsResponse;
import io.qdrant.client.grpc.Collections.CollectionOperationResponse;
import io.qdrant.client.grpc.Collections.CollectionParams;
import io.qdrant.client.grpc.Collections.CreateCollection;
import io.qdrant.client.grpc.Collections.DeleteCollection;
import io.qdrant.client.grpc.Collections.GetCollectionInfoRequest;
import io.qdrant.client.grpc.Collections.GetCollectionInfoResponse;
import io.qdrant.client.grpc.Collections.HnswConfigDiff;
import io.qdrant.client.grpc.Collections.ListAliasesRequest;
import io.qdrant.client.grpc.Collections.ListAliasesResponse;
import io.qdrant.client.grpc.Collections.ListCollectionAliasesRequest;
import io.qdrant.client.grpc.Collections.ListCollectionsRequest;
import io.qdrant.client.grpc.Collections.ListCollectionsResponse;
import io.qdrant.client.grpc.Collections.PayloadSchemaInfo;
import io.qdrant.client.grpc.Collections.PayloadSchemaType;
import io.qdrant.client.grpc.Collections.VectorParams;
import io.qdrant.client.grpc.Collections.WalConfigDiff;
import io.qdrant.client.grpc.CollectionsGrpc;
import io.qdrant.client.grpc.Points.CountPoints;
import io.qdrant.client.grpc.Points.CountResponse;
import io.qdrant.client.grpc.Points.CountResult;
import io.qdrant.client.grpc.Points.CreateFieldIndexCollection;
import io.qdrant.client.grpc.Points.DeletePoints;
import io.qdrant.client.grpc.Points.DenseVector;
import io.qdrant.client.grpc.Points.NamedVectorsOutput;
import io.qdrant.client.grpc.Points.PointStruct;
import io.qdrant.client.grpc.Points.PointsOperationResponse;
import io.qdrant.client.grpc.Points.RetrievedPoint;
import io.qdrant.client.grpc.Points.ScrollPoints;
import io.qdrant.client.grpc.Points.ScrollResponse;
import io.qdrant.client.grpc.Points.UpdateResult;
import io.qdrant.client.grpc.Points.UpdateStatus;
import io.qdrant.client.grpc.Points.UpsertPoints;
import io.qdrant.client.grpc.Points.Vector;
import io.qdrant.client.grpc.Points.VectorOutput;
import io.qdrant.client.grpc.Points.Vectors;
import io.qdrant.client.grpc.Points.VectorsOutput;
import io.qdrant.client.grpc.PointsGrpc;
import io.qdrant.client.grpc.QdrantGrpc;
import io.qdrant.client.grpc.QdrantOuterClass.HealthCheckReply;
import io.qdrant.client.grpc.QdrantOuterClass.HealthCheckRequest;
import io.qdrant.client.grpc.SnapshotsGrpc;
import io.qdrant.client.grpc.SnapshotsService.CreateSnapshotRequest;
import io.qdrant.client.grpc.SnapshotsService.CreateSnapshotResponse;
import io.qdrant.client.grpc.SnapshotsService.DeleteSnapshotRequest;
import io.qdrant.client.grpc.SnapshotsService.DeleteSnapshotResponse;
import io.qdrant.client.grpc.SnapshotsService.ListSnapshotsRequest;
import io.qdrant.client.grpc.SnapshotsService.ListSnapshotsResponse;
import io.qdrant.client.grpc.SnapshotsService.SnapshotDescription;
import java.io.IOException;
import java.util.List;
import java.util.Map;

/** The gRPC side of {@link FakeQdrant}: the services and messages of {@code io.qdrant:client}'s protos. */
final class FakeGrpc {
  private static final Metadata.Key<String> API_KEY = Metadata.Key.of("api-key", Metadata.ASCII_STRING_MARSHALLER);
  private static final Metadata.Key<String> AUTHORIZATION = Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);

  private FakeGrpc() {}

  /** Qdrant's gRPC auth: every call but the health check needs the key; failures are UNAUTHENTICATED. */
  static ServerInterceptor auth(FakeQdrant q) {
    return new ServerInterceptor() {
      @Override
      public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        if (q.apiKey.isEmpty() || call.getMethodDescriptor().getFullMethodName().equals("qdrant.Qdrant/HealthCheck")) {
          return next.startCall(call, headers);
        }
        String key = headers.get(API_KEY);
        if (key == null && headers.get(AUTHORIZATION) != null && headers.get(AUTHORIZATION).startsWith("Bearer ")) {
          key = headers.get(AUTHORIZATION).substring(7);
        }
        if (key == null || !key.equals(q.apiKey.get())) {
          call.close(Status.UNAUTHENTICATED.withDescription(key == null
              ? "Must provide an API key or an Authorization bearer token" : "Invalid API key or JWT"), new Metadata());
          return new ServerCall.Listener<>() {};
        }
        return next.startCall(call, headers);
      }
    };
  }

  @FunctionalInterface
  interface Call<T> {
    T run() throws IOException;
  }

  static <T> void answer(StreamObserver<T> obs, Call<T> call) {
    try {
      T result = call.run();
      obs.onNext(result);
      obs.onCompleted();
    } catch (QdrantError e) {
      Status s = switch (e.status) {
        case 404 -> Status.NOT_FOUND;
        case 400, 422 -> Status.INVALID_ARGUMENT;
        case 409 -> Status.ALREADY_EXISTS;
        default -> Status.INTERNAL;
      };
      obs.onError(s.withDescription(e.getMessage()).asRuntimeException());
    } catch (IOException | RuntimeException e) {
      obs.onError(Status.INTERNAL.withDescription(String.valueOf(e.getMessage())).asRuntimeException());
    }
  }

  private static double time(long start) {
    return (System.nanoTime() - start) / 1e9;
  }

  static final class QdrantService extends QdrantGrpc.QdrantImplBase {
    private final FakeQdrant q;

    QdrantService(FakeQdrant q) {
      this.q = q;
    }

    @Override
    public void healthCheck(HealthCheckRequest request, StreamObserver<HealthCheckReply> obs) {
      answer(obs, () -> HealthCheckReply.newBuilder().setTitle("qdrant - vector search engine").setVersion(q.version).setCommit("fake").build());
    }
  }

  static final class CollectionsService extends CollectionsGrpc.CollectionsImplBase {
    private final FakeQdrant q;

    CollectionsService(FakeQdrant q) {
      this.q = q;
    }

    @Override
    public void get(GetCollectionInfoRequest req, StreamObserver<GetCollectionInfoResponse> obs) {
      long start = System.nanoTime();
      answer(obs, () -> {
        synchronized (q.lock) {
          return GetCollectionInfoResponse.newBuilder().setResult(q.require(req.getCollectionName()).info()).setTime(time(start)).build();
        }
      });
    }

    @Override
    public void list(ListCollectionsRequest req, StreamObserver<ListCollectionsResponse> obs) {
      long start = System.nanoTime();
      answer(obs, () -> {
        ListCollectionsResponse.Builder b = ListCollectionsResponse.newBuilder().setTime(time(start));
        synchronized (q.lock) {
          q.collections.keySet().forEach(n -> b.addCollections(CollectionDescription.newBuilder().setName(n)));
        }
        return b.build();
      });
    }

    @Override
    public void collectionExists(CollectionExistsRequest req, StreamObserver<CollectionExistsResponse> obs) {
      answer(obs, () -> {
        synchronized (q.lock) {
          return CollectionExistsResponse.newBuilder()
              .setResult(CollectionExists.newBuilder().setExists(q.collections.containsKey(q.resolve(req.getCollectionName())))).build();
        }
      });
    }

    @Override
    public void create(CreateCollection req, StreamObserver<CollectionOperationResponse> obs) {
      long start = System.nanoTime();
      answer(obs, () -> {
        String name = req.getCollectionName();
        if (!req.hasVectorsConfig()) {
          throw new QdrantError(400, "Wrong input: vectors config is required");
        }
        CollectionConfig config = CollectionConfig.newBuilder()
            .setParams(CollectionParams.newBuilder()
                .setShardNumber(req.hasShardNumber() ? req.getShardNumber() : 1)
                .setOnDiskPayload(!req.hasOnDiskPayload() || req.getOnDiskPayload())
                .setVectorsConfig(req.getVectorsConfig())
                .setReplicationFactor(1)
                .setWriteConsistencyFactor(1)
                .setSparseVectorsConfig(req.getSparseVectorsConfig()))
            .setHnswConfig(HnswConfigDiff.newBuilder().setM(16).setEfConstruct(100).setFullScanThreshold(10000)
                .setMaxIndexingThreads(0).setOnDisk(false).mergeFrom(req.getHnswConfig()))
            // Qdrant's defaults, all reported, so that an update can put each back.
            .setOptimizerConfig(io.qdrant.client.grpc.Collections.OptimizersConfigDiff.newBuilder().setDeletedThreshold(0.2)
                .setVacuumMinVectorNumber(1000).setDefaultSegmentNumber(0).setIndexingThreshold(10000).setFlushIntervalSec(5)
                .mergeFrom(req.getOptimizersConfig()))
            .setWalConfig(WalConfigDiff.newBuilder().setWalCapacityMb(32).setWalSegmentsAhead(0))
            .build();
        synchronized (q.lock) {
          if (q.collections.containsKey(name)) {
            throw new QdrantError(409, "Wrong input: Collection `" + name + "` already exists!");
          }
          q.collections.put(name, new Collection(name, config, q.newSegmentsDir(name)));
        }
        return CollectionOperationResponse.newBuilder().setResult(true).setTime(time(start)).build();
      });
    }

    @Override
    public void delete(DeleteCollection req, StreamObserver<CollectionOperationResponse> obs) {
      long start = System.nanoTime();
      answer(obs, () -> {
        boolean existed;
        synchronized (q.lock) {
          existed = q.collections.containsKey(req.getCollectionName());
        }
        q.dropCollection(req.getCollectionName());
        return CollectionOperationResponse.newBuilder().setResult(existed).setTime(time(start)).build();
      });
    }

    @Override
    public void updateAliases(ChangeAliases req, StreamObserver<CollectionOperationResponse> obs) {
      long start = System.nanoTime();
      answer(obs, () -> {
        synchronized (q.lock) {
          // One by one, each kept, as Qdrant does: an operation that fails leaves the earlier ones applied.
          for (AliasOperations op : req.getActionsList()) {
            if (q.aliasOperationsBeforeFailure.getAndDecrement() == 0) {
              throw new QdrantError(500, "Service internal error: injected alias failure");
            }
            if (op.hasCreateAlias()) {
              String alias = op.getCreateAlias().getAliasName();
              if (!q.collections.containsKey(op.getCreateAlias().getCollectionName())) {
                throw QdrantError.notFound("Collection `" + op.getCreateAlias().getCollectionName() + "` doesn't exist!");
              }
              if (q.collections.containsKey(alias)) {
                throw new QdrantError(409, "Wrong input: Collection `" + alias + "` already exists!");
              }
              if (q.aliases.containsKey(alias)) {
                throw new QdrantError(409, "Wrong input: Alias `" + alias + "` already exists!");
              }
              q.aliases.put(alias, op.getCreateAlias().getCollectionName());
            } else if (op.hasDeleteAlias()) {
              if (q.aliases.remove(op.getDeleteAlias().getAliasName()) == null) {
                throw QdrantError.notFound("Alias `" + op.getDeleteAlias().getAliasName() + "` doesn't exist!");
              }
            } else if (op.hasRenameAlias()) {
              String target = q.aliases.remove(op.getRenameAlias().getOldAliasName());
              if (target == null) {
                throw QdrantError.notFound("Alias `" + op.getRenameAlias().getOldAliasName() + "` doesn't exist!");
              }
              q.aliases.put(op.getRenameAlias().getNewAliasName(), target);
            }
          }
        }
        return CollectionOperationResponse.newBuilder().setResult(true).setTime(time(start)).build();
      });
    }

    @Override
    public void listAliases(ListAliasesRequest req, StreamObserver<ListAliasesResponse> obs) {
      answer(obs, () -> aliases(null));
    }

    @Override
    public void listCollectionAliases(ListCollectionAliasesRequest req, StreamObserver<ListAliasesResponse> obs) {
      answer(obs, () -> {
        synchronized (q.lock) {
          q.require(req.getCollectionName());
        }
        return aliases(req.getCollectionName());
      });
    }

    private ListAliasesResponse aliases(String collection) {
      ListAliasesResponse.Builder b = ListAliasesResponse.newBuilder();
      q.aliasesSnapshot().forEach((alias, c) -> {
        if (collection == null || collection.equals(c)) {
          b.addAliases(AliasDescription.newBuilder().setAliasName(alias).setCollectionName(c));
        }
      });
      return b.build();
    }
  }

  static final class PointsService extends PointsGrpc.PointsImplBase {
    private final FakeQdrant q;
    private long operations;

    PointsService(FakeQdrant q) {
      this.q = q;
    }

    private PointsOperationResponse done(long start) {
      return PointsOperationResponse.newBuilder()
          .setResult(UpdateResult.newBuilder().setOperationId(++operations).setStatus(UpdateStatus.Completed))
          .setTime(time(start)).build();
    }

    @Override
    public void upsert(UpsertPoints req, StreamObserver<PointsOperationResponse> obs) {
      long start = System.nanoTime();
      answer(obs, () -> {
        synchronized (q.lock) {
          Collection c = q.require(req.getCollectionName());
          for (PointStruct p : req.getPointsList()) {
            checkVectors(c, p.getVectors());
          }
          for (PointStruct p : req.getPointsList()) {
            c.points.put(PointKey.of(p.getId()), p);
          }
          return done(start);
        }
      });
    }

    private static void checkVectors(Collection c, Vectors v) throws QdrantError {
      var vc = c.config.getParams().getVectorsConfig();
      if (v.hasVector()) {
        if (!vc.hasParams()) {
          throw new QdrantError(400, "Wrong input: Not existing vector name error: ");
        }
        checkDim(vc.getParams(), v.getVector());
      } else if (v.hasVectors()) {
        for (Map.Entry<String, Vector> e : v.getVectors().getVectorsMap().entrySet()) {
          VectorParams params = vc.getParamsMap().getMapMap().get(e.getKey());
          if (params == null) {
            throw new QdrantError(400, "Wrong input: Not existing vector name error: " + e.getKey());
          }
          checkDim(params, e.getValue());
        }
      }
    }

    private static void checkDim(VectorParams params, Vector v) throws QdrantError {
      int got = v.hasDense() ? v.getDense().getDataCount() : v.getDataCount();
      if (got != params.getSize()) {
        throw new QdrantError(400, "Wrong input: Vector dimension error: expected dim: " + params.getSize() + ", got " + got);
      }
    }

    @Override
    public void delete(DeletePoints req, StreamObserver<PointsOperationResponse> obs) {
      long start = System.nanoTime();
      answer(obs, () -> {
        if (!req.getPoints().hasPoints()) {
          throw new QdrantError(400, "Bad request: the double deletes by point ids only");
        }
        synchronized (q.lock) {
          Collection c = q.require(req.getCollectionName());
          req.getPoints().getPoints().getIdsList().forEach(id -> c.points.remove(PointKey.of(id)));
          return done(start);
        }
      });
    }

    @Override
    public void setPayload(io.qdrant.client.grpc.Points.SetPayloadPoints req, StreamObserver<PointsOperationResponse> obs) {
      long start = System.nanoTime();
      answer(obs, () -> {
        if (!req.hasPointsSelector() || !req.getPointsSelector().hasPoints() || req.hasKey()) {
          throw new QdrantError(400, "Bad request: the double sets payloads by point ids only");
        }
        synchronized (q.lock) {
          Collection c = q.require(req.getCollectionName());
          for (var id : req.getPointsSelector().getPoints().getIdsList()) {
            PointStruct p = c.points.get(PointKey.of(id));
            if (p != null) {
              c.points.put(PointKey.of(id), p.toBuilder().putAllPayload(req.getPayloadMap()).build());
            }
          }
          return done(start);
        }
      });
    }

    @Override
    public void count(CountPoints req, StreamObserver<CountResponse> obs) {
      long start = System.nanoTime();
      answer(obs, () -> {
        if (req.hasFilter()) {
          throw new QdrantError(400, "Bad request: the double counts without filters only");
        }
        synchronized (q.lock) {
          return CountResponse.newBuilder().setResult(CountResult.newBuilder()
              .setCount(q.require(req.getCollectionName()).points.size())).setTime(time(start)).build();
        }
      });
    }

    @Override
    public void scroll(ScrollPoints req, StreamObserver<ScrollResponse> obs) {
      long start = System.nanoTime();
      answer(obs, () -> {
        if (req.hasFilter() || req.hasOrderBy()) {
          throw new QdrantError(400, "Bad request: the double scrolls without filters or ordering only");
        }
        int limit = req.hasLimit() ? req.getLimit() : 10;
        boolean payload = !req.hasWithPayload() || req.getWithPayload().getEnable();
        boolean vectors = req.hasWithVectors() && req.getWithVectors().getEnable();
        ScrollResponse.Builder b = ScrollResponse.newBuilder();
        synchronized (q.lock) {
          Collection c = q.require(req.getCollectionName());
          var tail = req.hasOffset() ? c.points.tailMap(PointKey.of(req.getOffset()), true) : c.points;
          int n = 0;
          for (Map.Entry<PointKey, PointStruct> e : tail.entrySet()) {
            if (n == limit) {
              b.setNextPageOffset(e.getKey().id());
              break;
            }
            PointStruct p = e.getValue();
            RetrievedPoint.Builder r = RetrievedPoint.newBuilder().setId(p.getId());
            if (payload) {
              r.putAllPayload(p.getPayloadMap());
            }
            if (vectors && p.hasVectors()) {
              r.setVectors(output(p.getVectors()));
            }
            b.addResult(r);
            n++;
          }
        }
        return b.setTime(time(start)).build();
      });
    }

    private static VectorsOutput output(Vectors v) {
      if (v.hasVector()) {
        return VectorsOutput.newBuilder().setVector(output(v.getVector())).build();
      }
      NamedVectorsOutput.Builder named = NamedVectorsOutput.newBuilder();
      v.getVectors().getVectorsMap().forEach((k, vec) -> named.putVectors(k, output(vec)));
      return VectorsOutput.newBuilder().setVectors(named).build();
    }

    private static VectorOutput output(Vector v) {
      List<Float> data = v.hasDense() ? v.getDense().getDataList() : v.getDataList();
      return VectorOutput.newBuilder().setDense(DenseVector.newBuilder().addAllData(data)).build();
    }

    @Override
    public void createFieldIndex(CreateFieldIndexCollection req, StreamObserver<PointsOperationResponse> obs) {
      long start = System.nanoTime();
      answer(obs, () -> {
        PayloadSchemaType type = switch (req.getFieldType()) {
          case FieldTypeKeyword -> PayloadSchemaType.Keyword;
          case FieldTypeInteger -> PayloadSchemaType.Integer;
          case FieldTypeFloat -> PayloadSchemaType.Float;
          case FieldTypeGeo -> PayloadSchemaType.Geo;
          case FieldTypeText -> PayloadSchemaType.Text;
          case FieldTypeBool -> PayloadSchemaType.Bool;
          case FieldTypeDatetime -> PayloadSchemaType.Datetime;
          case FieldTypeUuid -> PayloadSchemaType.Uuid;
          default -> throw new QdrantError(400, "Wrong input: unknown field type");
        };
        synchronized (q.lock) {
          Collection c = q.require(req.getCollectionName());
          PayloadSchemaInfo.Builder info = PayloadSchemaInfo.newBuilder().setDataType(type);
          if (req.hasFieldIndexParams()) {
            info.setParams(req.getFieldIndexParams());
          }
          c.schema.put(req.getFieldName(), info.build());
          return done(start);
        }
      });
    }
  }

  static final class SnapshotsService extends SnapshotsGrpc.SnapshotsImplBase {
    private final FakeQdrant q;

    SnapshotsService(FakeQdrant q) {
      this.q = q;
    }

    private static SnapshotDescription describe(SnapshotFile s) {
      SnapshotDescription.Builder b = SnapshotDescription.newBuilder().setName(s.name()).setSize(s.size())
          .setCreationTime(com.google.protobuf.Timestamp.newBuilder().setSeconds(s.created().getEpochSecond()));
      if (s.checksum() != null) {
        b.setChecksum(s.checksum());
      }
      return b.build();
    }

    @Override
    public void create(CreateSnapshotRequest req, StreamObserver<CreateSnapshotResponse> obs) {
      long start = System.nanoTime();
      answer(obs, () -> CreateSnapshotResponse.newBuilder().setSnapshotDescription(describe(q.createSnapshot(req.getCollectionName())))
          .setTime(time(start)).build());
    }

    @Override
    public void list(ListSnapshotsRequest req, StreamObserver<ListSnapshotsResponse> obs) {
      long start = System.nanoTime();
      answer(obs, () -> {
        ListSnapshotsResponse.Builder b = ListSnapshotsResponse.newBuilder().setTime(time(start));
        q.listSnapshots(req.getCollectionName()).forEach(s -> b.addSnapshotDescriptions(describe(s)));
        return b.build();
      });
    }

    @Override
    public void delete(DeleteSnapshotRequest req, StreamObserver<DeleteSnapshotResponse> obs) {
      long start = System.nanoTime();
      answer(obs, () -> {
        q.deleteSnapshot(req.getCollectionName(), req.getSnapshotName());
        return DeleteSnapshotResponse.newBuilder().setTime(time(start)).build();
      });
    }
  }
}
