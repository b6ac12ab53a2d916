package io.darestream.state.snapshot;

/** One file of a snapshot, as listed in its manifest: path relative to the snapshot directory. */
public record SnapshotFile(String path, long size, String sha256) {}
