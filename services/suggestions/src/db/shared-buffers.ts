// The one rule for embedded Postgres's cache size, shared by the configuration and openDatabase.

/** A Postgres size for shared_buffers, e.g. 512MB or 1GB. */
export const SHARED_BUFFERS_SIZE = /^\d{1,6}(kB|MB|GB)$/;
