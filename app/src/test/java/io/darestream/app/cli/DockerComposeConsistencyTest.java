package io.darestream.app.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.darestream.jobs.config.CheckpointOptions;
import io.darestream.jobs.config.KafkaOptions;
import io.darestream.jobs.config.TrainerOptions;
import io.darestream.jobs.job.TrainCommand;
import io.darestream.schemas.input.EventFormat;
import io.darestream.schemas.serde.AvroTrust;
import io.darestream.serving.ServingMain;
import io.darestream.serving.kafka.KafkaSettings;
import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.runtime.util.EnvironmentInformation;
import org.apache.kafka.common.utils.AppInfoParser;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;
import picocli.CommandLine;

/**
 * docker-compose.yml (which no engine runs here) against the code: topics, ports, image versions
 * and every command line it runs are parsed by the real commands, so a renamed flag or topic fails
 * this test instead of a cluster start-up.
 */
class DockerComposeConsistencyTest {
  private static Map<String, Object> services;
  private static Map<String, Object> root;

  @BeforeAll
  @SuppressWarnings("unchecked")
  static void load() throws IOException {
    Path file = Path.of("..", "docker-compose.yml");
    // SnakeYAML (under Jackson's YAML module) resolves the file's anchors and merge keys.
    try (Reader r = Files.newBufferedReader(file)) {
      root = new Yaml().load(r);
    }
    services = (Map<String, Object>) root.get("services");
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> service(String name) {
    assertThat(services).containsKey(name);
    return (Map<String, Object>) services.get(name);
  }

  private static List<String> words(String service) {
    Object command = service(service).get("command");
    String line =
        command instanceof List<?> l
            ? String.join(" ", l.stream().map(String::valueOf).toList())
            : (String) command;
    return Arrays.stream(substituteDefaults(line).trim().split("\\s+")).toList();
  }

  /** {@code ${VAR:-default}} as compose resolves it with VAR unset. */
  private static String substituteDefaults(String s) {
    return s.replaceAll("\\$\\{[A-Z_]+:-([^}]*)}", "$1");
  }

  private static List<String> after(List<String> words, String marker) {
    int i = words.indexOf(marker);
    assertThat(i).as("'%s' in %s", marker, words).isNotNegative();
    return words.subList(i + 1, words.size());
  }

  @SuppressWarnings("unchecked")
  private static Map<String, String> flinkProperties(String service) {
    Map<String, Object> env = (Map<String, Object>) service(service).get("environment");
    Map<String, String> props = new LinkedHashMap<>();
    for (String line : ((String) env.get("FLINK_PROPERTIES")).split("\n")) {
      int colon = line.indexOf(':');
      if (colon > 0) {
        props.put(line.substring(0, colon).trim(), line.substring(colon + 1).trim());
      }
    }
    return props;
  }

  @Test
  void topicsAreTheJobsAndServingsDefaults() {
    String script = String.valueOf(service("kafka-topics").get("command"));
    Matcher m = Pattern.compile("for t in ([^;]+);").matcher(script);
    assertThat(m.find()).isTrue();
    Map<String, Integer> topics = new LinkedHashMap<>();
    for (String t : m.group(1).trim().split("\\s+")) {
      String[] nameAndPartitions = t.split(":");
      topics.put(nameAndPartitions[0], Integer.parseInt(nameAndPartitions[1]));
    }
    assertThat(topics)
        .containsOnlyKeys(
            KafkaOptions.EVENTS_TOPIC.defaultValue(),
            KafkaOptions.DLQ_TOPIC.defaultValue(),
            KafkaOptions.DELTAS_TOPIC.defaultValue(),
            KafkaOptions.SNAPSHOTS_TOPIC.defaultValue());
    assertThat(KafkaSettings.DEFAULT_EVENTS_TOPIC)
        .isEqualTo(KafkaOptions.EVENTS_TOPIC.defaultValue());
    assertThat(KafkaSettings.DEFAULT_DELTAS_TOPIC)
        .isEqualTo(KafkaOptions.DELTAS_TOPIC.defaultValue());
    assertThat(KafkaSettings.DEFAULT_SNAPSHOTS_TOPIC)
        .isEqualTo(KafkaOptions.SNAPSHOTS_TOPIC.defaultValue());
    // Serving reads the model topics from the start of one partition each.
    assertThat(topics.get(KafkaOptions.DELTAS_TOPIC.defaultValue())).isEqualTo(1);
    assertThat(topics.get(KafkaOptions.SNAPSHOTS_TOPIC.defaultValue())).isEqualTo(1);
  }

  @Test
  void portsMatchTheDefaults() {
    assertThat(listOf("serving", "ports")).containsExactly("8080:8080");
    String servingDefault =
        new CommandLine(new ServingMain()).getCommandSpec().findOption("--port").defaultValue();
    assertThat(after(words("serving"), "--port").get(0)).isEqualTo(servingDefault);
    assertThat(
            new CommandLine(new LocalCommand())
                .getCommandSpec()
                .findOption("--port")
                .defaultValue())
        .isEqualTo(servingDefault);

    assertThat(listOf("jobmanager", "ports")).containsExactly("8081:8081");
    assertThat(RestOptions.PORT.defaultValue()).isEqualTo(8081);
    assertThat(
            new CommandLine(new LocalCommand())
                .getCommandSpec()
                .findOption("--web-ui-port")
                .defaultValue())
        .isEqualTo("8081");
    assertThat(words("train-job")).contains("jobmanager:8081");

    // The host-facing listener is what the code's defaults point at.
    assertThat(listOf("kafka", "ports")).containsExactly("9092:9092");
    String advertised =
        String.valueOf(
            ((Map<?, ?>) service("kafka").get("environment")).get("KAFKA_ADVERTISED_LISTENERS"));
    assertThat(advertised).contains("EXTERNAL://" + KafkaOptions.BOOTSTRAP_SERVERS.defaultValue());
    assertThat(
            new CommandLine(new ReplayCommand())
                .getCommandSpec()
                .findOption("--bootstrap-servers")
                .defaultValue())
        .isEqualTo(KafkaOptions.BOOTSTRAP_SERVERS.defaultValue());
    assertThat(
            new CommandLine(new ReplayCommand())
                .getCommandSpec()
                .findOption("--topic")
                .defaultValue())
        .isEqualTo(KafkaOptions.EVENTS_TOPIC.defaultValue());
  }

  @Test
  void imagesMatchThePinnedVersions() {
    assertThat(String.valueOf(service("kafka").get("image")))
        .isEqualTo("apache/kafka:" + AppInfoParser.getVersion());
    String flink = "flink:" + EnvironmentInformation.getVersion() + "-java17";
    for (String s : List.of("jobmanager", "taskmanager", "train-job")) {
      assertThat(String.valueOf(service(s).get("image"))).isEqualTo(flink);
    }
  }

  @Test
  void trainCommandIsAcceptedAndUsesTheSharedVolumes() {
    List<String> words = words("train-job");
    assertThat(words).containsSubsequence("flink", "run", "/jars/dare-stream-job.jar");
    assertThat(volumes("train-job"))
        .as("the slim job jar, whose main class is the train command")
        .contains("./stream-jobs/target/dare-stream-job.jar:/jars/dare-stream-job.jar:ro");
    TrainCommand train = new TrainCommand();
    new CommandLine(train)
        .parseArgs(after(words, "/jars/dare-stream-job.jar").toArray(String[]::new));
    assertThat(train.unmatchedArgs()).as("only flags the train command knows").isEmpty();
    Configuration job = TrainCommand.checkedConfig(train.jobArgs());

    Map<String, String> flink = flinkProperties("train-job");
    assertThat(job.get(CheckpointOptions.DIR))
        .as("the trainer's model export must land on the shared checkpoint volume")
        .isEqualTo(flink.get("execution.checkpointing.dir"));
    assertThat(flink.get("env.java.opts.all"))
        .contains("-D" + AvroTrust.PROPERTY + "=" + AvroTrust.PROJECT_PACKAGE)
        .as("the vectorised MLP kernels (model's Gemm)")
        .contains("--add-modules jdk.incubator.vector");
    assertThat(flink.get("state.backend.type")).isEqualTo("rocksdb");
    assertThat(flinkProperties("jobmanager")).isEqualTo(flink);
    assertThat(flinkProperties("taskmanager")).isEqualTo(flink);

    String snapshots = job.get(TrainerOptions.SNAPSHOT_DIR);
    assertThat(volumes("taskmanager")).anyMatch(v -> v.endsWith(":" + snapshots));
    assertThat(volumes("serving")).anyMatch(v -> v.contains(":" + snapshots));
    assertThat(after(words("serving"), "--snapshot-dir").get(0)).isEqualTo(snapshots);
    assertThat(job.get(KafkaOptions.BOOTSTRAP_SERVERS))
        .isEqualTo(after(words("serving"), "--bootstrap-servers").get(0));
  }

  @Test
  void serveAndReplayCommandsParse() {
    assertThat(String.join(" ", words("serving")))
        .as("serving scores with the vectorised MLP kernels (model's Gemm)")
        .startsWith("java --add-modules jdk.incubator.vector -jar");
    List<String> serve = after(words("serving"), "serve");
    ServingMain serving = new ServingMain();
    new CommandLine(serving).parseArgs(serve.toArray(String[]::new));

    List<String> replayArgs = after(words("replay"), "replay");
    ReplayCommand replay = new ReplayCommand();
    new CommandLine(replay).parseArgs(replayArgs.toArray(String[]::new));
    assertThat(EventFormat.fromName(replay.dataset.format)).isEqualTo(EventFormat.TAOBAO);
    assertThat(replay.bootstrapServers)
        .isEqualTo(after(words("serving"), "--bootstrap-servers").get(0));
    assertThat(volumes("replay")).anyMatch(v -> v.endsWith(":/data:ro"));
    for (String s : List.of("serving", "replay")) {
      assertThat(volumes(s)).contains("./app/target/dare-stream.jar:/jars/dare-stream.jar:ro");
    }
  }

  private static List<String> volumes(String service) {
    return listOf(service, "volumes");
  }

  @SuppressWarnings("unchecked")
  private static List<String> listOf(String service, String key) {
    return (List<String>) service(service).get(key);
  }
}
