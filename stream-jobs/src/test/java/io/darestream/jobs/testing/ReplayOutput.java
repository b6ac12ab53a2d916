package io.darestream.jobs.testing;

import io.darestream.jobs.config.DareJobOptions;
import io.darestream.jobs.sequence.SequenceUpdate;
import io.darestream.jobs.train.PrequentialScore;
import io.darestream.model.TrainingSample;
import io.darestream.schemas.avro.BehaviorEvent;
import io.darestream.schemas.avro.DeadLetter;
import io.darestream.schemas.avro.ModelDelta;
import io.darestream.schemas.avro.SnapshotAnnouncement;
import io.darestream.schemas.serde.Codecs;
import io.darestream.state.snapshot.SnapshotPartReader;
import io.darestream.state.snapshot.SnapshotReader;
import io.darestream.state.snapshot.VerifiedSnapshot;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.apache.flink.configuration.Configuration;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * What one {@link JobReplay} run put in and got out. Sequence updates, samples and scores come from
 * checkpointed collect sinks, so they hold each result once even across a restart; the Kafka topics
 * are read back in full (deltas and announcements are at least once by design).
 *
 * @param events the valid events produced, in producing order
 * @param config the whole job configuration the run used (topics, model, directories)
 */
public record ReplayOutput(
    List<BehaviorEvent> events,
    List<SequenceUpdate> sequenceUpdates,
    List<TrainingSample> samples,
    List<PrequentialScore> scores,
    List<ConsumerRecord<byte[], byte[]>> deadLetterRecords,
    List<ConsumerRecord<byte[], byte[]>> deltaRecords,
    List<ConsumerRecord<byte[], byte[]>> announcementRecords,
    Path snapshotDir,
    Configuration config) {

  public DareJobOptions options() {
    return DareJobOptions.from(config);
  }

  public List<DeadLetter> deadLetters() {
    return deadLetterRecords.stream().map(r -> Codecs.DEAD_LETTER.decode(r.value())).toList();
  }

  public List<ModelDelta> deltas() {
    return deltaRecords.stream().map(r -> Codecs.MODEL_DELTA.decode(r.value())).toList();
  }

  public List<SnapshotAnnouncement> announcements() {
    return announcementRecords.stream()
        .map(r -> Codecs.SNAPSHOT_ANNOUNCEMENT.decode(r.value()))
        .toList();
  }

  /** The newest snapshot that verifies (manifest, sizes, checksums), if any was published. */
  public Optional<VerifiedSnapshot> newestSnapshot() {
    return SnapshotReader.findNewestValid(snapshotDir).snapshot();
  }

  /** The newest complete snapshot set of the sharded stage, verified, if one was written. */
  public Optional<List<SnapshotPartReader.VerifiedPart>> newestPartSet() {
    return SnapshotPartReader.completeSetsNewestFirst(snapshotDir).stream()
        .findFirst()
        .map(SnapshotPartReader::verify);
  }

  /** Whether the run trained with the sharded stage (the default), not the single trainer. */
  public boolean sharded() {
    return options().trainer().sharded();
  }

  /**
   * Exact prequential AUC (ties count half) of the last {@code n} scores in arrival order, i.e. of
   * the model as it was while it predicted the end of the stream; NaN if one class is missing.
   */
  public double auc(int n) {
    List<PrequentialScore> tail = scores.subList(Math.max(0, scores.size() - n), scores.size());
    return auc(tail);
  }

  /** Exact AUC (Mann-Whitney U over ranks, ties averaged) of {@code scores}. */
  public static double auc(List<PrequentialScore> scores) {
    int n = scores.size();
    PrequentialScore[] sorted = scores.toArray(PrequentialScore[]::new);
    Arrays.sort(sorted, (a, b) -> Float.compare(a.prediction, b.prediction));
    double positiveRankSum = 0;
    long positives = 0;
    int i = 0;
    while (i < n) {
      int j = i;
      while (j < n && sorted[j].prediction == sorted[i].prediction) {
        j++;
      }
      double averageRank = (i + 1 + j) / 2.0; // ranks i+1..j share their mean
      for (int k = i; k < j; k++) {
        if (sorted[k].label == 1) {
          positiveRankSum += averageRank;
          positives++;
        }
      }
      i = j;
    }
    long negatives = n - positives;
    if (positives == 0 || negatives == 0) {
      return Double.NaN;
    }
    return (positiveRankSum - positives * (positives + 1) / 2.0) / ((double) positives * negatives);
  }
}
