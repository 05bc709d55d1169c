/**
 * Engine machinery shared by the engine ({@code maintenance-core}) and the contract kit
 * ({@code maintenance-tck}): the artifact sink and source over a storage provider, upload tracking, the
 * backup layout, context implementations, the artifact codec hook. <strong>Not promised</strong>: it may
 * change in any release, the API compatibility check excludes it, and plugins must not use it in their
 * main code (a build check refuses it). Plugin authors use {@code io.maintenance.spi} and
 * {@code io.maintenance.spi.support}.
 */
@NullMarked
package io.maintenance.spi.internal;

import org.jspecify.annotations.NullMarked;
