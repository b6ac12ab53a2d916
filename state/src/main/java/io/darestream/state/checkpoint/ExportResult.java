package io.darestream.state.checkpoint;

/** What one {@link CheckpointExporter#export} copied and what it found already exported. */
public record ExportResult(
    long checkpointId, int filesCopied, long bytesCopied, int filesReused, long bytesReused) {}
