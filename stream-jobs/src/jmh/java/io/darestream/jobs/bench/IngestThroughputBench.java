package io.darestream.jobs.bench;

import io.darestream.jobs.config.CheckpointOptions;
import io.darestream.jobs.config.DareJobOptions;
import io.darestream.jobs.config.KafkaOptions;
import io.darestream.jobs.config.LabelOptions;
import io.darestream.jobs.job.DareTrainJob;
import io.darestream.jobs.topology.TrainingStage;
import io.darestream.kafka.embedded.EmbeddedKafka;
import io.darestream.schemas.avro.BehaviorEvent;
import io.darestream.schemas.generator.GeneratorConfig;
import io.darestream.schemas.generator.GeneratorMode;
import io.darestream.schemas.generator.StreamGenerator;
import io.darestream.schemas.serde.Codecs;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.Iterator;
import java.util.Properties;
import org.apache.flink.configuration.Configuration;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;

/** Ingest path throughput: decode, validate, sequence append (RocksDB, checkpoints on). */
class IngestThroughputBench {
  /** Runs the bench outside surefire, e.g. under a profiler. */
  public static void main(String[] args) throws Exception {
    new IngestThroughputBench().run();
  }

  @Test
  void run() throws Exception {
    int users = Integer.getInteger("bench.users", 4000);
    try (EmbeddedKafka kafka = EmbeddedKafka.start()) {
      kafka.createTopic("behavior-events", 2);
      kafka.createTopic("behavior-events-dlq", 1);
      Properties p = kafka.producerProperties();
      p.put(ProducerConfig.LINGER_MS_CONFIG, "20");
      p.put(ProducerConfig.BATCH_SIZE_CONFIG, "262144");
      long n = 0;
      try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p)) {
        Iterator<BehaviorEvent> it =
            new StreamGenerator(
                    GeneratorConfig.builder()
                        .setUsers(users)
                        .setItems(100_000)
                        .setBehaviorsPerUser(100)
                        .optMode(GeneratorMode.CLICK_ONLY)
                        .build())
                .events();
        while (it.hasNext()) {
          BehaviorEvent e = it.next();
          producer.send(
              new ProducerRecord<>(
                  "behavior-events",
                  Long.toString(e.getUserId()).getBytes(StandardCharsets.UTF_8),
                  Codecs.BEHAVIOR_EVENT.encode(e)));
          n++;
        }
        producer.flush();
      }
      Configuration c = new Configuration();
      c.set(KafkaOptions.BOOTSTRAP_SERVERS, kafka.bootstrapServers());
      c.set(DareJobOptions.PARALLELISM, 2);
      c.set(LabelOptions.NEGATIVE_RATIO, 0);
      c.set(CheckpointOptions.INTERVAL, Duration.ofSeconds(2));
      c.set(CheckpointOptions.DIR, Files.createTempDirectory("bench-cp").toUri().toString());
      DareJobOptions o = DareJobOptions.from(c);
      long start = System.nanoTime();
      DareTrainJob.onKafkaBounded(o, TrainingStage.none()).execute(c);
      double s = (System.nanoTime() - start) / 1e9;
      System.out.printf(
          "BENCH ingest: %d events in %.1f s = %.0f events/s (incl. job start)%n", n, s, n / s);
    }
  }
}
