package io.maintenance.spi.internal;

import io.maintenance.spi.UploadState;

/**
 * Follows upload sessions so that a crash leaves a record to resume or abort (the engine keeps them
 * in {@code maintenance_upload_sessions}). Called before data is sent, at each checkpoint, and at the end.
 */
public interface UploadTracker {
  UploadTracker NONE = new UploadTracker() {
    @Override
    public void started(UploadState state) {}

    @Override
    public void checkpoint(UploadState state) {}

    @Override
    public void finished(UploadState state, boolean completed) {}
  };

  void started(UploadState state);

  void checkpoint(UploadState state);

  /** @param completed true if the object was made visible, false if the upload was aborted */
  void finished(UploadState state, boolean completed);
}
