package io.darestream.state.snapshot;

/** A position in {@code model-deltas}: the next offset to read in one partition. */
public record DeltaOffset(String topic, int partition, long offset) {}
