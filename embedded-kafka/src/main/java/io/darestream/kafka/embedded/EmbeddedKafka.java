package io.darestream.kafka.embedded;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.stream.Stream;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.metadata.storage.Formatter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real Kafka broker in this JVM: one KRaft node acting as broker and controller, built from the
 * broker classes of the pinned Kafka version ({@link KafkaRaftServer}), so tests and the local
 * runner talk to the same broker code as production.
 *
 * <p>Storage is formatted before start (KRaft refuses unformatted log directories); ports are
 * picked free at start; replication settings are those a single broker needs (internal topics would
 * otherwise wait forever for replicas). Close it to stop the broker and, if the log directory was a
 * temporary one, delete it.
 *
 * <pre>{@code
 * try (EmbeddedKafka kafka = EmbeddedKafka.builder().start()) {
 *   kafka.createTopics(List.of(new NewTopic("events", 4, (short) 1)));
 *   ... kafka.bootstrapServers() ...
 * }
 * }</pre>
 */
public final class EmbeddedKafka implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(EmbeddedKafka.class);
  private static final int NODE_ID = 1;
  private static final String BROKER_LISTENER = "PLAINTEXT";
  private static final String CONTROLLER_LISTENER = "CONTROLLER";

  private final KafkaRaftServer server;
  private final Path logDir;
  private final boolean deleteLogDirOnClose;
  private final String bootstrapServers;
  private boolean closed;

  private EmbeddedKafka(
      KafkaRaftServer server, Path logDir, boolean deleteLogDirOnClose, String bootstrapServers) {
    this.server = server;
    this.logDir = logDir;
    this.deleteLogDirOnClose = deleteLogDirOnClose;
    this.bootstrapServers = bootstrapServers;
  }

  /** A builder with defaults: temporary log directory, free ports, localhost. */
  public static Builder builder() {
    return new Builder();
  }

  /** Starts a broker with all defaults. */
  public static EmbeddedKafka start() {
    return builder().start();
  }

  /** {@code host:port} of the broker listener, for {@code bootstrap.servers}. */
  public String bootstrapServers() {
    return bootstrapServers;
  }

  /** The broker's data directory (also holds the KRaft metadata log). */
  public Path logDir() {
    return logDir;
  }

  /** Admin client properties pointing at this broker. */
  public Properties adminProperties() {
    Properties props = new Properties();
    props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    return props;
  }

  /**
   * Producer properties pointing at this broker: byte-array keys and values, every send
   * acknowledged by the broker ({@code acks=all}); callers add their batching settings.
   */
  public Properties producerProperties() {
    Properties props = new Properties();
    props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
    props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
    props.put(ProducerConfig.ACKS_CONFIG, "all");
    return props;
  }

  /**
   * Creates {@code topics} (existing ones are left alone) and returns once every partition has a
   * leader, because producing before that loses records (see {@link Topics#ensure}).
   */
  public void createTopics(Collection<NewTopic> topics) {
    try (Admin admin = Admin.create(adminProperties())) {
      Topics.ensure(admin, topics, Duration.ofSeconds(60));
    }
  }

  /** Creates one topic with replication factor 1; see {@link #createTopics}. */
  public void createTopic(String name, int partitions) {
    createTopics(List.of(new NewTopic(name, partitions, (short) 1)));
  }

  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    server.shutdown();
    server.awaitShutdown();
    if (deleteLogDirOnClose) {
      deleteRecursively(logDir);
    }
    LOG.info("Embedded Kafka at {} stopped", bootstrapServers);
  }

  /** Configures and starts an {@link EmbeddedKafka}. */
  public static final class Builder {
    private Path logDir;
    private int brokerPort;
    private String host = "localhost";
    private final Map<String, String> overrides = new HashMap<>();

    private Builder() {}

    /**
     * Keeps data in {@code dir} instead of a temporary directory (not deleted on close). A
     * directory formatted by an earlier run is reused, so the local runner keeps its topics.
     */
    public Builder optLogDir(Path dir) {
      this.logDir = Objects.requireNonNull(dir, "dir");
      return this;
    }

    /** Fixed broker port (default: a free one). */
    public Builder optBrokerPort(int port) {
      if (port < 0 || port > 65535) {
        throw new IllegalArgumentException("port out of range: " + port);
      }
      this.brokerPort = port;
      return this;
    }

    /** Host name the listeners bind to and advertise (default localhost). */
    public Builder optHost(String host) {
      this.host = Objects.requireNonNull(host, "host");
      return this;
    }

    /** Any broker property, e.g. {@code log.retention.ms}; applied last. */
    public Builder optConfig(String key, String value) {
      overrides.put(Objects.requireNonNull(key, "key"), Objects.requireNonNull(value, "value"));
      return this;
    }

    /** Formats the storage if needed and starts the broker; returns once it serves requests. */
    public EmbeddedKafka start() {
      boolean temporary = logDir == null;
      Path dir;
      try {
        dir = temporary ? Files.createTempDirectory("embedded-kafka-") : logDir;
        Files.createDirectories(dir);
      } catch (IOException e) {
        throw new UncheckedIOException("Cannot create the Kafka log directory", e);
      }
      int port = brokerPort == 0 ? freePort() : brokerPort;
      int controllerPort = freePort();
      Properties props = brokerProperties(dir, port, controllerPort);
      KafkaConfig config = KafkaConfig.fromProps(props, false);
      format(config, dir);
      KafkaRaftServer server = new KafkaRaftServer(config, Time.SYSTEM);
      try {
        server.startup();
      } catch (RuntimeException e) {
        server.shutdown();
        if (temporary) {
          deleteRecursively(dir);
        }
        throw e;
      }
      String bootstrap = host + ":" + port;
      LOG.info("Embedded Kafka started at {} (log dir {})", bootstrap, dir);
      return new EmbeddedKafka(server, dir, temporary, bootstrap);
    }

    private Properties brokerProperties(Path dir, int port, int controllerPort) {
      Properties props = new Properties();
      props.put("process.roles", "broker,controller");
      props.put("node.id", Integer.toString(NODE_ID));
      props.put("controller.quorum.voters", NODE_ID + "@" + host + ":" + controllerPort);
      props.put(
          "listeners",
          BROKER_LISTENER
              + "://"
              + host
              + ":"
              + port
              + ","
              + CONTROLLER_LISTENER
              + "://"
              + host
              + ":"
              + controllerPort);
      props.put("advertised.listeners", BROKER_LISTENER + "://" + host + ":" + port);
      props.put("controller.listener.names", CONTROLLER_LISTENER);
      props.put("inter.broker.listener.name", BROKER_LISTENER);
      props.put(
          "listener.security.protocol.map",
          BROKER_LISTENER + ":PLAINTEXT," + CONTROLLER_LISTENER + ":PLAINTEXT");
      props.put("log.dirs", dir.toAbsolutePath().toString());
      // One broker: internal topics must not ask for more replicas than exist.
      props.put("offsets.topic.replication.factor", "1");
      props.put("offsets.topic.num.partitions", "1");
      props.put("transaction.state.log.replication.factor", "1");
      props.put("transaction.state.log.min.isr", "1");
      props.put("transaction.state.log.num.partitions", "1");
      props.put("default.replication.factor", "1");
      props.put("min.insync.replicas", "1");
      props.put("share.coordinator.state.topic.replication.factor", "1");
      props.put("share.coordinator.state.topic.min.isr", "1");
      // Consumers in tests should not wait 3 s for a rebalance that has no one to wait for.
      props.put("group.initial.rebalance.delay.ms", "0");
      // Flink's exactly-once sink asks for up to this transaction timeout.
      props.put("transaction.max.timeout.ms", "3600000");
      props.put("auto.create.topics.enable", "false");
      props.putAll(overrides);
      return props;
    }

    private static void format(KafkaConfig config, Path dir) {
      if (Files.exists(dir.resolve("meta.properties"))) {
        return; // formatted by an earlier run: keep its data
      }
      try (PrintStream quiet =
          new PrintStream(OutputStream.nullOutputStream(), true, StandardCharsets.UTF_8)) {
        new Formatter()
            .setPrintStream(quiet)
            .setNodeId(config.nodeId())
            .setClusterId(Uuid.randomUuid().toString())
            .setControllerListenerName(CONTROLLER_LISTENER)
            .setMetadataLogDirectory(config.metadataLogDir())
            .setDirectories(List.of(dir.toAbsolutePath().toString()))
            .run();
      } catch (Exception e) {
        throw new IllegalStateException("Cannot format KRaft storage in " + dir, e);
      }
    }

    private int freePort() {
      try (ServerSocket socket = new ServerSocket(0, 0, InetAddress.getByName(host))) {
        socket.setReuseAddress(true);
        return socket.getLocalPort();
      } catch (IOException e) {
        throw new UncheckedIOException("No free port on " + host, e);
      }
    }
  }

  private static void deleteRecursively(Path dir) {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(dir)) {
      paths.sorted(Comparator.reverseOrder()).forEach(EmbeddedKafka::deleteQuietly);
    } catch (IOException e) {
      LOG.warn("Could not delete {}", dir, e);
    }
  }

  private static void deleteQuietly(Path path) {
    try {
      Files.deleteIfExists(path);
    } catch (IOException e) {
      LOG.debug("Could not delete {}", path, e);
    }
  }
}
