package io.darestream.serving;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Configuration errors: one clear line, exit status 2, no stack trace. */
class ServingMainTest {
  @TempDir Path snapshots;
  @TempDir Path data;

  private record Outcome(int status, String err) {}

  private static Outcome run(String... args) {
    StringWriter err = new StringWriter();
    int status =
        ServingMain.run(
            new PrintWriter(new StringWriter(), true), new PrintWriter(err, true), args);
    return new Outcome(status, err.toString());
  }

  private static void assertOneLineError(Outcome o, String contains) {
    assertThat(o.status()).isEqualTo(ServingMain.CONFIG_ERROR);
    assertThat(o.err().strip()).contains(contains).doesNotContain("\n").doesNotContain("\tat ");
  }

  @Test
  void helpGoesToTheCallersWriter() {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int status = ServingMain.run(new PrintWriter(out, true), new PrintWriter(err, true), "--help");

    assertThat(status).isZero();
    assertThat(out.toString()).startsWith("Usage: dare-serving").contains("--snapshot-dir");
    assertThat(err.toString()).isEmpty();
  }

  @Test
  void missingSnapshotDirectory() {
    assertOneLineError(
        run("--snapshot-dir", snapshots.resolve("nope").toString(), "--data-dir", data.toString()),
        "does not exist");
  }

  @Test
  void missingRequiredFlag() {
    assertOneLineError(run("--data-dir", data.toString()), "--snapshot-dir is required");
  }

  @Test
  void portInUse() throws Exception {
    try (ServerSocket taken = new ServerSocket(0)) {
      assertOneLineError(
          run(
              "--snapshot-dir", snapshots.toString(),
              "--data-dir", data.toString(),
              "--host", "127.0.0.1",
              "--port", Integer.toString(taken.getLocalPort())),
          "port in use");
    }
  }

  @Test
  void unknownFlagAndBadNumber() {
    assertOneLineError(run("--no-such-flag"), "no-such-flag");
    assertOneLineError(run("--port", "eighty"), "eighty");
  }

  @Test
  void configFileSuppliesDefaultsThatFlagsOverride() throws Exception {
    Path config = data.resolve("serving.properties");
    Files.writeString(
        config,
        "snapshot-dir=" + snapshots + "\ndata-dir=" + data + "\nport=1234\nmax-candidates=50\n");
    ServingMain main = new ServingMain();
    picocli.CommandLine cmd = new picocli.CommandLine(main);
    cmd.setDefaultValueProvider(
        new picocli.CommandLine.PropertiesDefaultProvider(loadProperties(config)));
    cmd.parseArgs("--port", "4321");

    assertThat(main.port).isEqualTo(4321);
    assertThat(main.maxCandidates).isEqualTo(50);
    assertThat(main.snapshotDir).isEqualTo(snapshots);
  }

  @Test
  void readsTheJobsIngestAndDedupKeysFromFlagsAndTheConfigFile() throws Exception {
    Path config = data.resolve("serving.properties");
    Files.writeString(config, "dare.ingest.max-future=2 h\ndare.sequence.dedup-horizon=3 d\n");
    ServingMain main = new ServingMain();
    picocli.CommandLine cmd = new picocli.CommandLine(main);
    cmd.setDefaultValueProvider(
        new picocli.CommandLine.PropertiesDefaultProvider(loadProperties(config)));
    cmd.parseArgs(
        "--snapshot-dir",
        snapshots.toString(),
        "--data-dir",
        data.toString(),
        "--dare.ingest.max-lateness",
        "36 h",
        "--dare.ingest.max-id",
        "1000");

    ServingServer.Builder b = main.build();
    assertThat(b.eventPolicy().maxFutureMs()).isEqualTo(2 * 3_600_000L);
    assertThat(b.eventPolicy().maxLatenessMs()).isEqualTo(36 * 3_600_000L);
    assertThat(b.eventPolicy().maxId()).isEqualTo(1000);
    assertThat(ServingServer.storeLimits(b).dedupHorizonMs()).isEqualTo(3 * 86_400_000L);
    assertThat(ServingServer.storeLimits(b).maxOutOfOrderMs()).isEqualTo(36 * 3_600_000L + 5_000);
  }

  @Test
  void badIngestDurationIsAOneLineError() {
    assertOneLineError(
        run(
            "--snapshot-dir",
            snapshots.toString(),
            "--data-dir",
            data.toString(),
            "--dare.ingest.max-future",
            "soon"),
        "--dare.ingest.max-future: not a duration: 'soon'");
  }

  @Test
  void aMistypedConfigFileKeyIsRefusedWithTheNearestOption() throws Exception {
    Path config = data.resolve("serving.properties");
    Files.writeString(config, "snapshot-dir=" + snapshots + "\nmax-candidatez=50\n");
    assertOneLineError(
        run("--config-file", config.toString()),
        "config file " + config + ": unknown key max-candidatez (did you mean max-candidates?)");

    Files.writeString(
        config,
        "snapshot-dir="
            + snapshots
            + "\nmax-candidates=50\ndare.ingest.max-id=9\ndare-serving.threads=2\n");
    assertThat(run("--config-file", config.toString(), "--help").status())
        .as("every option's long name is a key, plain or with the command's name")
        .isZero();
  }

  @Test
  void missingConfigFile() {
    assertOneLineError(
        run("--config-file", data.resolve("absent.properties").toString()), "absent");
  }

  private static java.util.Properties loadProperties(Path file) throws Exception {
    java.util.Properties p = new java.util.Properties();
    try (var r = Files.newBufferedReader(file)) {
      p.load(r);
    }
    return p;
  }
}
