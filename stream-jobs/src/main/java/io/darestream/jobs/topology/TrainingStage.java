package io.darestream.jobs.topology;

import io.darestream.jobs.config.DareJobOptions;
import io.darestream.model.TrainingSample;
import java.io.Serializable;
import org.apache.flink.streaming.api.datastream.DataStream;

/**
 * What the job does with its training samples: the trainer operator and its sinks (model deltas,
 * snapshot announcements) plug in here, after the sequence stage, so that the ingest and sequence
 * wiring does not change when the trainer does.
 */
@FunctionalInterface
public interface TrainingStage extends Serializable {
  /**
   * Adds the stage's operators and sinks to the graph. Operators must get stable uids (see {@link
   * Uids}) and names.
   */
  void attach(DataStream<TrainingSample> samples, DareJobOptions options);

  /** No trainer: samples are produced (and counted) but not consumed. */
  static TrainingStage none() {
    return (samples, options) -> {};
  }
}
