package io.maintenance.api;

/** Life cycle of a restore request. */
public enum RestoreStatus {
  /** Previewed; waiting for approvals (if any) and a confirm with the token. */
  PREVIEWED,
  /** Confirmed; the token is consumed and the restore is being applied. */
  APPLYING,
  /** Applied and verified against the plan. */
  APPLIED,
  /** Failed while applying; the error says why and whether anything changed. */
  FAILED,
  /** Not confirmed before its expiry. */
  EXPIRED
}
