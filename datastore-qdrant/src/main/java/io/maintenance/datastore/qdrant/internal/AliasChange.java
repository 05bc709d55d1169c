package io.maintenance.datastore.qdrant.internal;

import io.maintenance.api.ErrorCode;
import io.maintenance.api.MaintenanceException;
import io.qdrant.client.grpc.Collections.AliasOperations;
import io.qdrant.client.grpc.Collections.CreateAlias;
import io.qdrant.client.grpc.Collections.DeleteAlias;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;

/**
 * Changes aliases so that a collection has exactly the recorded ones. Qdrant applies the operations of
 * one alias update one by one and keeps those done before a failing one, so when the update fails the
 * aliases are read again and every alias that moved is put back where it pointed before.
 */
public final class AliasChange {
  private AliasChange() {}

  /** The operations that make {@code wanted} exactly the aliases of {@code collection}, given every alias's target now. */
  public static List<AliasOperations> operations(String collection, List<String> wanted, Map<String, String> targets) {
    List<AliasOperations> ops = new ArrayList<>();
    targets.forEach((alias, target) -> {
      if (target.equals(collection) && !wanted.contains(alias)) {
        ops.add(delete(alias));
      }
    });
    for (String alias : wanted) {
      String target = targets.get(alias);
      if (collection.equals(target)) {
        continue;
      }
      if (target != null) {
        ops.add(delete(alias));
      }
      ops.add(create(alias, collection));
    }
    return ops;
  }

  /**
   * Applies {@code ops} as one alias update; if Qdrant fails, puts every alias back to {@code before}
   * and throws {@code DATASTORE_FAILURE} saying whether that worked.
   */
  public static void apply(GrpcGateway grpc, String collection, List<AliasOperations> ops, Map<String, String> before) {
    try {
      grpc.updateAliases(ops);
    } catch (IOException | RuntimeException e) {
      String undo;
      try {
        List<String> failed = new ArrayList<>();
        for (AliasOperations op : compensation(before, grpc.aliasTargets())) {
          try {
            grpc.updateAliases(List.of(op));
          } catch (IOException | RuntimeException again) {
            failed.add(QdrantErrors.message(again));
          }
        }
        undo = failed.isEmpty() ? "the aliases were put back as they were" : "putting the aliases back failed: " + failed;
      } catch (IOException | RuntimeException again) {
        undo = "the aliases could not be read to put them back: " + QdrantErrors.message(again);
      }
      MaintenanceException base = QdrantErrors.of("changing the aliases of '" + collection + "'", e);
      throw new MaintenanceException(base.code() == ErrorCode.INTEGRITY_MISMATCH ? ErrorCode.DATASTORE_FAILURE : base.code(),
          base.getMessage() + "; " + undo, base.details(), e);
    }
  }

  /** What puts every alias of {@code now} back to {@code before}: deletions first, then creations. */
  static List<AliasOperations> compensation(Map<String, String> before, Map<String, String> now) {
    List<AliasOperations> deletes = new ArrayList<>();
    List<AliasOperations> creates = new ArrayList<>();
    TreeSet<String> all = new TreeSet<>(before.keySet());
    all.addAll(now.keySet());
    for (String alias : all) {
      String was = before.get(alias);
      String is = now.get(alias);
      if (Objects.equals(was, is)) {
        continue;
      }
      if (is != null) {
        deletes.add(delete(alias));
      }
      if (was != null) {
        creates.add(create(alias, was));
      }
    }
    deletes.addAll(creates);
    return deletes;
  }

  static AliasOperations delete(String alias) {
    return AliasOperations.newBuilder().setDeleteAlias(DeleteAlias.newBuilder().setAliasName(alias)).build();
  }

  private static AliasOperations create(String alias, String collection) {
    return AliasOperations.newBuilder()
        .setCreateAlias(CreateAlias.newBuilder().setAliasName(alias).setCollectionName(collection)).build();
  }
}
