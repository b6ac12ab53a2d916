package io.darestream.jobs.job;

import io.darestream.jobs.config.CheckpointOptions;
import io.darestream.jobs.config.DareJobOptions;
import io.darestream.jobs.config.ModelOptions;
import io.darestream.jobs.ingest.EventGate;
import io.darestream.jobs.ingest.EventTimeWatermarks;
import io.darestream.jobs.ingest.IngestFunction;
import io.darestream.jobs.ingest.IngestRecord;
import io.darestream.jobs.ingest.IngestedEvent;
import io.darestream.jobs.kafka.KafkaConnectors;
import io.darestream.jobs.sequence.SequenceFunction;
import io.darestream.jobs.sequence.SequenceOperator;
import io.darestream.jobs.sequence.SequenceUpdate;
import io.darestream.jobs.sequence.TrainingSampleSerializer;
import io.darestream.jobs.shard.ShardedTrainingStage;
import io.darestream.jobs.topology.TrainingStage;
import io.darestream.jobs.topology.Uids;
import io.darestream.jobs.train.TrainerStage;
import io.darestream.model.TrainingSample;
import io.darestream.schemas.avro.DeadLetter;
import io.darestream.schemas.serde.AvroTrust;
import java.util.Objects;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.api.java.functions.KeySelector;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.GlobalConfiguration;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * The dare-train job: events from Kafka, decode and validate (bad records to the dead-letter
 * topic), per-user sequences and labels, then the {@link TrainingStage}.
 *
 * <pre>
 * events source ─► ingest ─┬─► keyBy(user) ─► sequence + labels ─► TrainingStage (trainer, deltas, snapshots)
 *                          └─► dead letters ─► DLQ sink            └─► (side) sequence updates
 * </pre>
 *
 * <p>The constructor takes the source and sinks, so tests and the local runner pass bounded or
 * embedded ones; {@link #main} builds the Kafka ones from the arguments.
 */
public final class DareTrainJob {
  private final DareJobOptions options;
  private final Source<IngestRecord, ?, ?> events;
  private final Sink<DeadLetter> deadLetters;
  private final TrainingStage trainer;

  public DareTrainJob(
      DareJobOptions options,
      Source<IngestRecord, ?, ?> events,
      Sink<DeadLetter> deadLetters,
      TrainingStage trainer) {
    this.options = Objects.requireNonNull(options, "options");
    this.events = Objects.requireNonNull(events, "events source");
    this.deadLetters = Objects.requireNonNull(deadLetters, "dead-letter sink");
    this.trainer = Objects.requireNonNull(trainer, "training stage");
  }

  /** The job on the Kafka topics of {@code options}: events as they come, dead letters out. */
  public static DareTrainJob onKafka(DareJobOptions options, TrainingStage trainer) {
    return onKafka(options, KafkaConnectors.eventsSource(options.kafka()), trainer);
  }

  /**
   * The job on the Kafka topics of {@code options} with a bounded source that stops at the events
   * topic's latest offsets when the job starts: it finishes by itself (tests and benchmarks).
   */
  public static DareTrainJob onKafkaBounded(DareJobOptions options, TrainingStage trainer) {
    return onKafka(options, KafkaConnectors.boundedEventsSource(options.kafka()), trainer);
  }

  /** The job reading {@code events}, its dead letters to the topic of {@code options}. */
  private static DareTrainJob onKafka(
      DareJobOptions options, Source<IngestRecord, ?, ?> events, TrainingStage trainer) {
    return new DareTrainJob(
        options, events, KafkaConnectors.deadLetterSink(options.kafka()), trainer);
  }

  /**
   * The streams of a built graph, for tests and for stages added by the caller.
   *
   * @param deadLetters the events the ingest gate refused, as they go to the dead-letter topic
   */
  public record Streams(
      SingleOutputStreamOperator<IngestedEvent> events,
      SingleOutputStreamOperator<TrainingSample> samples,
      DataStream<SequenceUpdate> sequenceUpdates,
      DataStream<Long> coldClicks,
      DataStream<DeadLetter> deadLetters) {}

  /**
   * A Flink environment for this job: {@code config} plus RocksDB and the checkpoint settings of
   * the options (Flink 2.x takes both from the configuration only), and the model's key groups
   * ({@code dare.trainer.max-parallelism}) as every operator's max parallelism.
   */
  public static StreamExecutionEnvironment environment(
      Configuration config, DareJobOptions options) {
    Configuration c = new Configuration(config);
    options.checkpoint().applyTo(c);
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(c);
    env.setParallelism(options.parallelism());
    // One explicit max parallelism for every operator, not one Flink derives per job vertex: a
    // restore at another trainer parallelism re-chains operators (one after the trainers joins
    // their chain once their parallelisms are equal), and Flink refuses to map an operator whose
    // vertex's max parallelism changed (SavepointRescaleITCase: 2 -> 4 -> 1 failed on it).
    env.setMaxParallelism(options.trainer().maxParallelism());
    return env;
  }

  /** Adds the job's operators to {@code env}. */
  public Streams build(StreamExecutionEnvironment env) {
    SingleOutputStreamOperator<IngestRecord> raw =
        env.fromSource(events, EventTimeWatermarks.strategy(options.ingest()), "events")
            .uid(Uids.EVENTS_SOURCE);

    SingleOutputStreamOperator<IngestedEvent> accepted =
        raw.process(new IngestFunction(new EventGate(options.ingest())))
            .uid(Uids.INGEST)
            .name("decode + validate");

    DataStream<DeadLetter> refused = accepted.getSideOutput(IngestFunction.DEAD_LETTERS);
    refused.sinkTo(deadLetters).uid(Uids.DEAD_LETTER_SINK).name("dead letters");

    long maxOutOfOrderMs = options.ingest().policy().maxOutOfOrderMs();
    SingleOutputStreamOperator<TrainingSample> samples =
        accepted
            .keyBy(new UserKey(), Types.LONG)
            .transform(
                "sequence + labels",
                TrainingSampleSerializer.TYPE_INFO,
                new SequenceOperator(
                    new SequenceFunction(options.sequence(), options.labels(), maxOutOfOrderMs)))
            .uid(Uids.SEQUENCE)
            .name("sequence + labels");

    trainer.attach(samples, options);
    return new Streams(
        accepted,
        samples,
        samples.getSideOutput(SequenceFunction.UPDATES),
        samples.getSideOutput(SequenceFunction.COLD_CLICKS),
        refused);
  }

  /** Builds the graph in a new environment and runs it to completion (or forever). */
  public JobExecutionResult execute(Configuration config) throws Exception {
    StreamExecutionEnvironment env = environment(config, options);
    build(env);
    return env.execute("dare-train");
  }

  /**
   * Runs the job against the Kafka named in the arguments, e.g. {@code
   * --dare.kafka.bootstrap-servers kafka:9092 --dare.label.mode IMPRESSION}. Every option is listed
   * in the {@code *Options} classes of {@code io.darestream.jobs.config}.
   */
  public static void main(String[] args) throws Exception {
    AvroTrust.ensure();
    // On `flink run` the client reads the cluster's Flink config from FLINK_CONF_DIR.
    Configuration config =
        CheckpointOptions.inheritClusterDir(
            DareJobOptions.parseArgs(args), GlobalConfiguration.loadConfiguration());
    DareJobOptions options = DareJobOptions.from(config);
    onKafka(options, trainingStage(options, ModelOptions.from(config, options.trainer())))
        .execute(config);
  }

  /**
   * The training stage the options ask for: the sharded stage (trainers, row owners, dense
   * averager), or the single trainer with {@code dare.trainer.sharded=false}.
   */
  public static TrainingStage trainingStage(DareJobOptions options, ModelOptions model) {
    return options.trainer().sharded() ? new ShardedTrainingStage(model) : new TrainerStage(model);
  }

  /** Partitions by user id (the Kafka key is the user id too, so partitions stay together). */
  static final class UserKey implements KeySelector<IngestedEvent, Long> {
    private static final long serialVersionUID = 1L;

    @Override
    public Long getKey(IngestedEvent event) {
      return event.event().getUserId();
    }
  }
}
