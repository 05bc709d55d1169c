package io.maintenance.api;

/** State of one dependency. DEGRADED works but needs attention (e.g. an old server version). */
public enum ProbeStatus {
  UP,
  DEGRADED,
  DOWN
}
