/**
 * Helpers for plugin authors (configuration parsing, name filters, storage keys, chunked resumable
 * uploads, probe codes), promised like {@code io.maintenance.spi}. Nothing here is null unless marked
 * {@code @Nullable}.
 */
@NullMarked
package io.maintenance.spi.support;

import org.jspecify.annotations.NullMarked;
