package io.darestream.app.local;

import io.darestream.jobs.config.IngestOptions;
import io.darestream.jobs.config.KafkaOptions;
import io.darestream.jobs.config.SequenceOptions;
import io.darestream.serving.ServingServer;
import io.darestream.serving.kafka.KafkaSettings;
import io.darestream.state.sequence.SequenceLimits;
import java.nio.file.Path;
import java.util.Map;
import org.apache.flink.configuration.Configuration;

/**
 * Serving set up to follow a dare-train job: the job's delta, snapshot and event topics, and its
 * event policy and dedup horizon, so that serving's histories equal the trainer's.
 */
public final class JobServing {
  private JobServing() {}

  /** A serving builder for the job of {@code jobConfig}; callers add host, port and threads. */
  public static ServingServer.Builder builder(Configuration jobConfig, Path snapshots, Path data) {
    KafkaOptions k = KafkaOptions.from(jobConfig);
    return ServingServer.builder()
        .setSnapshotDir(snapshots)
        .setDataDir(data)
        .optKafka(
            new KafkaSettings(
                k.bootstrapServers(),
                k.deltasTopic(),
                k.snapshotsTopic(),
                k.eventsTopic(),
                Map.of()))
        .optEventPolicy(IngestOptions.from(jobConfig).policy())
        .optSequenceLimits(
            SequenceLimits.builder()
                .optDedupHorizonMs(SequenceOptions.from(jobConfig).dedupHorizon().toMillis())
                .build());
  }
}
