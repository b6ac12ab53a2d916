package io.darestream.serving;

import io.darestream.schemas.avro.SnapshotAnnouncement;
import io.darestream.schemas.validate.EventPolicy;
import io.darestream.serving.http.ConnectionLimits;
import io.darestream.serving.http.HttpApi;
import io.darestream.serving.http.RequestLimits;
import io.darestream.serving.http.ServiceState;
import io.darestream.serving.kafka.BehaviorFeed;
import io.darestream.serving.kafka.DeltaFeed;
import io.darestream.serving.kafka.KafkaSettings;
import io.darestream.serving.kafka.RecordHandler;
import io.darestream.serving.kafka.SnapshotFeed;
import io.darestream.serving.kafka.TopicTailer;
import io.darestream.serving.live.DareModelHandle;
import io.darestream.serving.live.LiveModel;
import io.darestream.serving.live.SnapshotModelLoader;
import io.darestream.serving.metrics.ServingMetrics;
import io.darestream.serving.scoring.ModelStatus;
import io.darestream.serving.scoring.ScoreRequest;
import io.darestream.serving.scoring.ScoreResult;
import io.darestream.serving.sequence.OffsetFile;
import io.darestream.serving.sequence.StoredHistory;
import io.darestream.state.sequence.SequenceLimits;
import io.darestream.state.sequence.SequenceStore;
import io.darestream.state.snapshot.DeltaOffset;
import io.javalin.util.JavalinBindException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The serving process as an embeddable object: bootstraps from the newest valid snapshot, tails
 * deltas, snapshots and behaviours from Kafka (when configured), and answers HTTP. The local runner
 * embeds it in its own JVM; {@link ServingMain} wraps it with flags.
 *
 * <pre>{@code
 * try (ServingServer server = ServingServer.builder()
 *     .setSnapshotDir(snapshots).setDataDir(data)
 *     .optKafka(KafkaSettings.of(bootstrap)).optPort(0)
 *     .build().start()) {
 *   int port = server.port();
 * }
 * }</pre>
 */
public final class ServingServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ServingServer.class);

  private final Builder settings;
  private final ServingMetrics metrics = new ServingMetrics();
  private final LiveModel live = new LiveModel(metrics);
  private final SnapshotModelLoader loader;
  private SequenceStore store;
  private StoredHistory history;
  private BehaviorFeed behaviorFeed;
  private volatile TopicTailer behaviorTailer;
  // Read by readiness checks on HTTP threads while start and close change it.
  private final List<TopicTailer> tailers = new CopyOnWriteArrayList<>();
  private TopicTailer deltaTailer;
  private DeltaFeed deltaFeed;
  private HttpApi http;

  private ServingServer(Builder b) {
    this.settings = b;
    this.loader = new SnapshotModelLoader(b.snapshotDir, metrics);
  }

  public static Builder builder() {
    return new Builder();
  }

  /**
   * Opens the sequence store, loads the newest valid snapshot (if any yet), starts the Kafka
   * tailers and the HTTP server.
   *
   * @throws ServingStartException with a one-line reason if any of it fails; nothing is left open
   */
  public ServingServer start() {
    try {
      store = openStore();
      history = new StoredHistory(store);
      loader.loadNewestValid().ifPresent(live::install);
      http =
          new HttpApi(
              this::score,
              new State(),
              metrics,
              // Ids the feed refuses are refused in requests too, by the same policy.
              settings.limits.withMaxId(settings.eventPolicy.maxId()),
              settings.connections,
              settings.host,
              settings.port,
              settings.healthPort,
              settings.threads);
      try {
        http.start();
      } catch (JavalinBindException e) {
        throw new ServingStartException(
            "cannot listen on " + settings.host + ":" + settings.port + ": port in use", e);
      }
      if (settings.kafka != null) {
        startTailers(settings.kafka);
      }
      LOG.info("Serving on port {}", http.port());
      return this;
    } catch (RuntimeException e) {
      close();
      throw e;
    }
  }

  private SequenceStore openStore() {
    Path dir = settings.dataDir.resolve("sequences");
    try {
      Files.createDirectories(dir);
      return SequenceStore.builder().setPath(dir).optLimits(storeLimits(settings)).open();
    } catch (IOException | RuntimeException e) {
      throw new ServingStartException("cannot open the sequence store in " + dir + ": " + e, e);
    }
  }

  /**
   * The configured cap and dedup horizon with the event policy's ordering bound: a user's events
   * are placed (or refused as too late) exactly as in the job's sequences.
   */
  static SequenceLimits storeLimits(Builder settings) {
    return SequenceLimits.builder()
        .optMaxLength(settings.sequenceLimits.maxLength())
        .optDedupHorizonMs(settings.sequenceLimits.dedupHorizonMs())
        .optMaxOutOfOrderMs(settings.eventPolicy.maxOutOfOrderMs())
        .build();
  }

  private void startTailers(KafkaSettings kafka) {
    behaviorFeed =
        new BehaviorFeed(
            kafka.eventsTopic(),
            store,
            settings.eventPolicy,
            new OffsetFile(settings.dataDir.resolve("behavior-offsets")),
            metrics,
            System::currentTimeMillis);
    behaviorTailer = tailer(kafka, kafka.eventsTopic(), behaviorFeed).start();
    tailers.add(behaviorTailer);
    deltaFeed = new DeltaFeed(kafka.deltasTopic(), live, metrics, this::servedDeltaOffsets);
    deltaTailer = tailer(kafka, kafka.deltasTopic(), deltaFeed).start();
    tailers.add(deltaTailer);
    tailers.add(
        tailer(
                kafka,
                kafka.snapshotsTopic(),
                new SnapshotFeed(metrics, live::shouldReload, this::reload))
            .start());
  }

  private TopicTailer tailer(KafkaSettings kafka, String topic, RecordHandler handler) {
    TopicTailer t =
        settings.consumers == null
            ? new TopicTailer(topic, kafka, handler)
            : new TopicTailer(topic, () -> settings.consumers.apply(topic), handler);
    metrics.feedUnansweredSeconds(topic, t::unansweredSeconds);
    return t;
  }

  private List<DeltaOffset> servedDeltaOffsets() {
    return live.deltaOffsets().orElse(List.of());
  }

  /** Loads an announced snapshot off to the side and swaps it in; refused ones change nothing. */
  private void reload(SnapshotAnnouncement a) {
    loader.loadAnnounced(a.getLocation(), a.getManifestSha256()).ifPresent(this::install);
  }

  /**
   * Installs a loaded model and repositions the delta feed at its snapshot's offsets. The feed
   * applies nothing between the install and the reposition (see {@link
   * DeltaFeed#holdUntilRepositioned}).
   */
  private void install(DareModelHandle model) {
    if (deltaTailer == null) {
      live.install(model);
      return;
    }
    deltaFeed.holdUntilRepositioned();
    live.install(model);
    Map<TopicPartition, Long> offsets =
        DeltaFeed.offsetsFor(model.deltaOffsets(), deltaTailer.topic());
    deltaTailer.runOnTailerThread(
        c -> {
          try {
            c.seekToBeginning(c.assignment());
            offsets.forEach(
                (tp, o) -> {
                  if (c.assignment().contains(tp)) {
                    c.seek(tp, o);
                  }
                });
          } finally {
            deltaFeed.repositioned();
          }
        });
  }

  /**
   * Loads the newest valid snapshot in the snapshot directory if it is ahead of the model served;
   * for deployments without {@code model-snapshots}, and for tests.
   *
   * @return whether a new model was installed
   */
  public boolean reloadNewestSnapshot() {
    Optional<DareModelHandle> m = loader.loadNewestValid();
    if (m.isPresent() && live.shouldReload(m.get().snapshotPosition())) {
      install(m.get());
      return true;
    }
    return false;
  }

  private ScoreResult score(ScoreRequest request) {
    return live.score(request, history);
  }

  /** The bound HTTP port. */
  public int port() {
    return http.port();
  }

  /** The bound port of the health connector, or -1 if none was asked for. */
  public int healthPort() {
    return http.healthPort();
  }

  /** The model being served (what {@code GET /v1/model} reports); empty before the first. */
  public Optional<ModelStatus> modelStatus() {
    return live.status();
  }

  /** The served weights of one row; for checks that serving holds the trainer's model. */
  public float[] readWeights(String table, long id) {
    return live.readWeights(table, id);
  }

  public ServingMetrics metrics() {
    return metrics;
  }

  /** Why the service is not ready; empty once it is. */
  public List<String> notReady() {
    List<String> reasons = new ArrayList<>();
    if (!live.loaded()) {
      reasons.add("no model loaded: no valid snapshot in " + settings.snapshotDir + " yet");
    }
    if (behaviorFeed != null && !behaviorFeed.caughtUp()) {
      // Before its first read, say what the feed waits for: an unreachable broker or a missing
      // topic reads otherwise as a feed that is merely behind.
      String why =
          behaviorTailer == null
              ? ""
              : behaviorTailer
                  .waiting()
                  .map(w -> " (Kafka at " + settings.kafka.bootstrapServers() + ": " + w + ")")
                  .orElse("");
      reasons.add("sequence feed has not caught up with " + settings.kafka.eventsTopic() + why);
    }
    for (TopicTailer t : tailers) {
      t.failure().ifPresent(f -> reasons.add("feed of " + t.topic() + " stopped: " + f));
    }
    return reasons;
  }

  /**
   * What the service should be told whether or not it is ready: a feed whose brokers stopped
   * answering after it started reading. The service stays ready and serves what it has (a Kafka
   * outage would otherwise take every replica out at once); the health body, the log and the {@code
   * serving_feed_unanswered_seconds} gauge say it.
   */
  public List<String> warnings() {
    List<String> out = new ArrayList<>();
    for (TopicTailer t : tailers) {
      t.unanswered()
          .ifPresent(
              u ->
                  out.add(
                      "feed of "
                          + t.topic()
                          + ": Kafka at "
                          + settings.kafka.bootstrapServers()
                          + ": "
                          + u));
    }
    return out;
  }

  /** Stops HTTP, then the tailers, then closes the model and the store. Idempotent. */
  @Override
  public void close() {
    if (http != null) {
      closeQuietly("HTTP server", http);
      http = null;
    }
    for (TopicTailer t : tailers) {
      closeQuietly("tailer of " + t.topic(), t);
    }
    tailers.clear();
    behaviorTailer = null;
    if (behaviorFeed != null) {
      behaviorFeed.flush();
    }
    live.close();
    if (store != null) {
      closeQuietly("sequence store", store);
      store = null;
    }
  }

  private static void closeQuietly(String what, AutoCloseable c) {
    try {
      c.close();
    } catch (Exception e) {
      LOG.warn("Closing the {} failed: {}", what, e.toString());
    }
  }

  private final class State implements ServiceState {
    @Override
    public Optional<ModelStatus> model() {
      return live.status();
    }

    @Override
    public List<String> notReady() {
      return ServingServer.this.notReady();
    }

    @Override
    public List<String> warnings() {
      return ServingServer.this.warnings();
    }
  }

  /**
   * Settings of a {@link ServingServer}: the snapshot and data directories are required ({@code
   * set...}), everything else optional ({@code opt...}); {@link #build()} says what is missing.
   */
  public static final class Builder {
    private Path snapshotDir;
    private Path dataDir;
    private KafkaSettings kafka;
    private String host = "0.0.0.0";
    private int port = 8080;
    private int healthPort = -1;
    private ConnectionLimits connections = ConnectionLimits.DEFAULTS;
    private int threads = Math.max(2, Runtime.getRuntime().availableProcessors());
    private RequestLimits limits = RequestLimits.DEFAULTS;
    private SequenceLimits sequenceLimits = SequenceLimits.defaults();
    private EventPolicy eventPolicy = EventPolicy.defaults();
    private Function<String, Consumer<byte[], byte[]>> consumers;

    private Builder() {}

    /**
     * Makes the consumer of each tailed topic instead of a {@link
     * org.apache.kafka.clients.consumer.KafkaConsumer} from the {@link KafkaSettings}: for tests
     * that drive the feeds with Kafka's {@code MockConsumer}. Needs {@link #optKafka} for the topic
     * names.
     */
    Builder optConsumers(Function<String, Consumer<byte[], byte[]>> consumers) {
      this.consumers = consumers;
      return this;
    }

    /** Where the trainer publishes snapshots (read-only for serving). */
    public Builder setSnapshotDir(Path dir) {
      this.snapshotDir = dir;
      return this;
    }

    /** Where serving keeps its own state: the sequence store and its offsets. */
    public Builder setDataDir(Path dir) {
      this.dataDir = dir;
      return this;
    }

    /** Tail Kafka; without it the service serves the snapshot it loads and an empty history. */
    public Builder optKafka(KafkaSettings kafka) {
      this.kafka = kafka;
      return this;
    }

    public Builder optHost(String host) {
      this.host = host;
      return this;
    }

    /** HTTP port; 0 picks a free one (see {@link ServingServer#port()}). Default 8080. */
    public Builder optPort(int port) {
      this.port = port;
      return this;
    }

    /**
     * A second port answering only {@code /health/*} and {@code /metrics}, with its own threads and
     * no connection limit, so that probes are answered even when the API port is saturated; 0 picks
     * a free one (see {@link ServingServer#healthPort()}). Default -1: none.
     */
    public Builder optHealthPort(int port) {
      this.healthPort = port;
      return this;
    }

    /** Idle and body timeouts, header size and connection limit (see {@link ConnectionLimits}). */
    public Builder optConnectionLimits(ConnectionLimits connections) {
      this.connections = connections;
      return this;
    }

    /** Requests scored at once; scoring is CPU-bound, so about the number of cores. */
    public Builder optThreads(int threads) {
      this.threads = threads;
      return this;
    }

    /**
     * Body and candidate limits of a request; its largest id is always the event policy's ({@link
     * #optEventPolicy}), whatever these limits say.
     */
    public Builder optLimits(RequestLimits limits) {
      this.limits = limits;
      return this;
    }

    /**
     * Cap and dedup horizon of stored sequences (default L_max 2000, 2 d); their ordering bound is
     * the event policy's, whatever these limits say.
     */
    public Builder optSequenceLimits(SequenceLimits limits) {
      this.sequenceLimits = limits;
      return this;
    }

    /**
     * Which behaviour events enter the histories: the job's policy, built from the same {@code
     * dare.ingest.*} settings, so that a user's history here equals the trainer's.
     */
    public Builder optEventPolicy(EventPolicy policy) {
      this.eventPolicy = policy;
      return this;
    }

    EventPolicy eventPolicy() {
      return eventPolicy;
    }

    /**
     * Checks the settings.
     *
     * @throws ServingStartException naming the first problem
     */
    public ServingServer build() {
      if (snapshotDir == null) {
        throw new ServingStartException("Snapshot directory is required but not provided.");
      }
      if (!Files.isDirectory(snapshotDir)) {
        throw new ServingStartException("snapshot directory " + snapshotDir + " does not exist");
      }
      if (dataDir == null) {
        throw new ServingStartException("Data directory is required but not provided.");
      }
      if (Files.exists(dataDir) && !Files.isDirectory(dataDir)) {
        throw new ServingStartException("data directory " + dataDir + " is not a directory");
      }
      if (port < 0 || port > 65_535) {
        throw new ServingStartException("port must be in [0, 65535], got " + port);
      }
      if (healthPort < -1 || healthPort > 65_535) {
        throw new ServingStartException("health port must be in [-1, 65535], got " + healthPort);
      }
      if (threads < 1) {
        throw new ServingStartException("threads must be >= 1, got " + threads);
      }
      if (limits == null
          || connections == null
          || sequenceLimits == null
          || eventPolicy == null
          || host == null) {
        throw new ServingStartException(
            "limits, connection limits, sequence limits, event policy and host must not be null");
      }
      return new ServingServer(this);
    }
  }
}
