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

  /** Qdrant answers 401 (older releases 403) with a plain-text body when the API key is missing or wrong. */
  public boolean unauthorized() {
    return status == 401 || status == 403;
  }
}
