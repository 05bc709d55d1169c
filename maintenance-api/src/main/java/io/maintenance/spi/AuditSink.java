package io.maintenance.spi;

import io.maintenance.api.AuditEvent;

/**
 * Receives every audit event after it is stored in the hash-chained audit table, e.g. to forward it to
 * a SIEM. Called synchronously; implementations must be quick and must not throw.
 */
@FunctionalInterface
public interface AuditSink {
  void publish(AuditEvent event);
}
