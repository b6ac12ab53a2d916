package io.darestream.state.snapshot;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What the trainer says about a snapshot it publishes (everything in the manifest but the files).
 * Built with {@link #builder()}: model id, epoch, version and checkpoint id are required.
 */
public final class SnapshotMetadata {
  final String modelId;
  final long epoch;
  final long version;
  final long checkpointId;
  final String modelConfig;
  final List<DeltaOffset> deltaOffsets;
  final Map<String, Double> metrics;

  private SnapshotMetadata(Builder b) {
    this.modelId = b.modelId;
    this.epoch = b.epoch;
    this.version = b.version;
    this.checkpointId = b.checkpointId;
    this.modelConfig = b.modelConfig;
    this.deltaOffsets = List.copyOf(b.deltaOffsets);
    this.metrics = Map.copyOf(b.metrics);
  }

  public static Builder builder() {
    return new Builder();
  }

  /** The manifest of a snapshot (or part) with this metadata and {@code files}, created now. */
  SnapshotManifest manifest(List<SnapshotFile> files) {
    return new SnapshotManifest(
        modelId,
        epoch,
        version,
        checkpointId,
        System.currentTimeMillis(),
        modelConfig,
        deltaOffsets,
        metrics,
        files);
  }

  /** Collects snapshot metadata; {@link #build()} says what is missing. */
  public static final class Builder {
    private String modelId;
    private long epoch = -1;
    private long version = -1;
    private long checkpointId = -1;
    private String modelConfig = "{}";
    private final List<DeltaOffset> deltaOffsets = new ArrayList<>();
    private final Map<String, Double> metrics = new LinkedHashMap<>();

    private Builder() {}

    public Builder setModelId(String modelId) {
      this.modelId = modelId;
      return this;
    }

    public Builder setEpoch(long epoch) {
      this.epoch = epoch;
      return this;
    }

    public Builder setVersion(long version) {
      this.version = version;
      return this;
    }

    public Builder setCheckpointId(long checkpointId) {
      this.checkpointId = checkpointId;
      return this;
    }

    /** The model's config as an opaque string (JSON by convention). */
    public Builder optModelConfig(String modelConfig) {
      this.modelConfig = modelConfig;
      return this;
    }

    public Builder addDeltaOffset(String topic, int partition, long offset) {
      deltaOffsets.add(new DeltaOffset(topic, partition, offset));
      return this;
    }

    public Builder putMetric(String name, double value) {
      metrics.put(name, value);
      return this;
    }

    public SnapshotMetadata build() {
      if (modelId == null || modelId.isBlank()) {
        throw new IllegalArgumentException("Model id is required but not provided.");
      }
      if (epoch < 0) {
        throw new IllegalArgumentException("Epoch is required (>= 0) but not provided.");
      }
      if (version < 0) {
        throw new IllegalArgumentException("Version is required (>= 0) but not provided.");
      }
      if (checkpointId < 0) {
        throw new IllegalArgumentException("Checkpoint id is required (>= 0) but not provided.");
      }
      if (modelConfig == null) {
        throw new IllegalArgumentException("modelConfig must not be null");
      }
      return new SnapshotMetadata(this);
    }
  }
}
