package io.maintenance.spi;

/** Progress of long work, so hosts can show it and operators can see it moving. */
@FunctionalInterface
public interface ProgressListener {
  ProgressListener NONE = (stage, done, total) -> {};

  /**
   * @param stage what is being done, e.g. {@code table public.accounts}
   * @param done units done so far (rows, bytes, nodes)
   * @param total units expected, or -1 when unknown
   */
  void onProgress(String stage, long done, long total);
}
