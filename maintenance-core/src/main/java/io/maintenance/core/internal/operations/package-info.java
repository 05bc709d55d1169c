/**
 * The engine's implementation (operations: running jobs, their progress). Not promised: may change in any release.
 */
package io.maintenance.core.internal.operations;
