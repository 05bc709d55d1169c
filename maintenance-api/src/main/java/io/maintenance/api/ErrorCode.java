package io.maintenance.api;

/**
 * Stable error codes. The name is the contract: it appears in {@code application/problem+json}
 * responses, audit events and metrics, and never changes meaning between versions.
 */
public enum ErrorCode {
  /** The request carries no credentials, or credentials the host does not know. */
  UNAUTHENTICATED(401, false),
  /** The principal lacks the scope the operation requires. */
  FORBIDDEN(403, false),
  /** The request itself is malformed: missing fields, bad values, unsafe storage keys. */
  INVALID_REQUEST(400, false),
  /** The backup, restore request or task does not exist. */
  NOT_FOUND(404, false),
  /** The route exists but not for this HTTP method; the {@code allow} detail lists the methods it takes. */
  METHOD_NOT_ALLOWED(405, false),
  /** The request body is larger than the entry point accepts. */
  PAYLOAD_TOO_LARGE(413, false),
  /** Another mutating operation holds the operation lock; try again when it finishes. */
  OPERATION_IN_PROGRESS(409, true),
  /**
   * The operation lost its lease on the operation lock (the catalog could not confirm it in time, or
   * another replica took it over after it expired) and stopped before its next step; what it had not
   * finished was not applied. Try again.
   */
  LEASE_LOST(503, true),
  /**
   * The operation was cancelled on request ({@code POST /maintenance/operations/{id}/cancel}) and stopped
   * at its next check; what it had not finished was not applied. A backup leaves no objects; a restore
   * says which datastores were restored before it stopped (each one's restore is all-or-nothing).
   */
  CANCELLED(409, false),
  /** The restore token does not match any preview. */
  TOKEN_INVALID(403, false),
  /** The restore token matched but its preview has expired; preview again. */
  TOKEN_EXPIRED(410, false),
  /** The restore token was already used (or is being used right now). */
  TOKEN_CONSUMED(409, false),
  /** The restore policy requires more approvals than were given. */
  APPROVAL_REQUIRED(428, false),
  /** The requester of a restore tried to approve it. */
  SELF_APPROVAL_FORBIDDEN(403, false),
  /** The live target changed after the preview; the plan no longer describes what would happen. */
  PLAN_STALE(409, false),
  /** Bytes read back do not match the recorded size or SHA-256. */
  INTEGRITY_MISMATCH(422, false),
  /** An artifact named by the manifest is not in storage. */
  ARTIFACT_MISSING(422, false),
  /** An artifact cannot be restored into this target (format, version, schema). */
  INCOMPATIBLE_ARTIFACT(422, false),
  /**
   * The key-encryption key that wraps a backup's data key is not available (removed from the keyset,
   * not configured, disabled or refused by the KMS) or is not the key that wrapped it; the details
   * name it ({@code keyId}).
   */
  KEY_UNAVAILABLE(422, false),
  /** A dependency (catalog, datastore, storage) cannot be reached. */
  DEPENDENCY_UNAVAILABLE(503, true),
  /** The storage provider failed an operation. */
  STORAGE_FAILURE(502, true),
  /** A datastore failed an operation. */
  DATASTORE_FAILURE(502, true),
  /** The engine or a plugin is configured wrongly. */
  CONFIG_INVALID(500, false),
  /** An unexpected failure; the details say what happened. */
  INTERNAL_ERROR(500, false);

  private final int httpStatus;
  private final boolean retryable;

  ErrorCode(int httpStatus, boolean retryable) {
    this.httpStatus = httpStatus;
    this.retryable = retryable;
  }

  /** The stable string form, identical to {@link #name()}. */
  public String code() {
    return name();
  }

  public int httpStatus() {
    return httpStatus;
  }

  /** Whether the same request may succeed later without being changed. */
  public boolean retryable() {
    return retryable;
  }
}
