package io.maintenance.api;

import java.util.Objects;

/** An audit event as stored in the hash-chained {@code maintenance_audit_log}. */
public record AuditRecord(long sequence, AuditEvent event, String previousHash, String hash) {
  public AuditRecord {
    Objects.requireNonNull(event, "event");
    Objects.requireNonNull(previousHash, "previousHash");
    Objects.requireNonNull(hash, "hash");
  }
}
