/**
 * {@code AdminRoutes}: the admin routes without a web framework, for a host to mount. Promised: the
 * routes, their bodies and codes.
 */
package io.maintenance.core.http;
