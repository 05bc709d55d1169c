/**
 * The control-plane benchmark (preview and confirm overhead, catalog listing, local storage); a program,
 * not a library.
 */
package io.maintenance.benchmarks.controlplane;
