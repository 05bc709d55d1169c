package io.maintenance.datastore.qdrant.internal;

import java.io.IOException;

/** A REST call answered with an error status; {@link #serverMessage()} is Qdrant's own {@code status.error}. */
public final class QdrantHttpException extends IOException {
  private static final long serialVersionUID = 1L;
  private final int status;
  private final String serverMessage;

  public QdrantHttpException(String operation, int status, String serverMessage) {
    super(operation + " failed with HTTP " + status + ": " + serverMessage);
    this.status = status;
    this.serverMessage = serverMessage;
  }

  public int status() {
    return status;
  }

  public String serverMessage() {
    return serverMessage;
  }

  /** Qdrant answers 401 with a plain-text body when the API key is missing or wrong. */
  public boolean unauthorized() {
    return status == 401;
  }

  /**
   * A 403 that says the key lacks the rights for the call (a read-only or collection-scoped key). Qdrant
   * also answers 403 when its storage is locked and when recovery from URLs is disabled; those are not
   * about the key.
   */
  public boolean forbidden() {
    return status == 403 && serverMessage.startsWith("Forbidden:") && !urlRecoveryDisabled();
  }

  /** The server refuses {@code PUT .../snapshots/recover} from http(s) URLs ({@code enable_snapshot_url_recovery: false}). */
  public boolean urlRecoveryDisabled() {
    return status == 403 && serverMessage.contains("recovery from remote URLs is disabled");
  }

  /** Qdrant's checksum refusals: {@code Checksum mismatch: ...} (uploads) and {@code Wrong input: Snapshot checksum mismatch: ...} (URL recovery). */
  public boolean checksumMismatch() {
    return serverMessage.startsWith("Checksum mismatch") || serverMessage.contains("Snapshot checksum mismatch");
  }

  public boolean notFound() {
    return status == 404;
  }
}
