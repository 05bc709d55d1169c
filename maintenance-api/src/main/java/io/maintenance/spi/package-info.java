/**
 * The plugin SPI: what a storage provider ({@link io.maintenance.spi.StorageProvider}) or a datastore
 * ({@link io.maintenance.spi.Datastore}) implements, found through {@link java.util.ServiceLoader} by their
 * factories, and the contexts the engine passes to them.
 *
 * <p>Promised to plugin authors like {@code io.maintenance.api}: no incompatible change within a major
 * version; new interface methods come with a default. Nothing here is null unless marked {@code @Nullable}.
 */
@NullMarked
package io.maintenance.spi;

import org.jspecify.annotations.NullMarked;
