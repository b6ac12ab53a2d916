package io.darestream.schemas.generator;

import static org.assertj.core.api.Assertions.assertThat;

import io.darestream.schemas.avro.BehaviorEvent;
import io.darestream.schemas.avro.BehaviorType;
import io.darestream.schemas.cli.StandaloneCommand;
import io.darestream.schemas.input.EventFormat;
import io.darestream.schemas.input.EventReader;
import io.darestream.schemas.input.ParseOptions;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The generator as a program: flags, the file it writes, and its one-line errors. */
class GeneratorMainTest {
  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  /** Runs the command as {@code java ... GeneratorMain args} would, with captured writers. */
  private int run(String... args) {
    CommandLine cmd = StandaloneCommand.commandLine(new GeneratorMain());
    cmd.setOut(new PrintWriter(out, true));
    cmd.setErr(new PrintWriter(err, true));
    return cmd.execute(args);
  }

  @Test
  void writesJsonLinesThatReadBackAsTheSameStream(@TempDir Path dir) throws IOException {
    Path file = dir.resolve("events.jsonl");
    int status =
        run(
            "--users",
            "20",
            "--items",
            "2_000",
            "--behaviors-per-user",
            "50",
            "--seed",
            "3",
            "--out",
            file.toString());

    List<BehaviorEvent> read = new ArrayList<>();
    try (EventReader reader = EventFormat.EVENTS.open(file, ParseOptions.fail())) {
      reader.forEachRemaining(read::add);
    }
    List<BehaviorEvent> expected = new ArrayList<>();
    new StreamGenerator(
            GeneratorConfig.builder()
                .setUsers(20)
                .setItems(2_000)
                .setBehaviorsPerUser(50)
                .optSeed(3)
                .build())
        .events()
        .forEachRemaining(expected::add);
    assertThat(status).isZero();
    assertThat(read).isEqualTo(expected);
    assertThat(err.toString()).contains("wrote " + String.format("%,d", expected.size()));
    assertThat(out.toString()).isEmpty();
  }

  @Test
  void writesTaobaoCsvThatReadsBackAsPageViews(@TempDir Path dir) throws IOException {
    Path file = dir.resolve("UserBehavior.csv");
    int status =
        run(
            "--users",
            "10",
            "--items",
            "1000",
            "--behaviors-per-user",
            "30",
            "--mode",
            "click_only",
            "--format",
            "taobao",
            "--out",
            file.toString());

    Iterator<BehaviorEvent> generated =
        new StreamGenerator(
                GeneratorConfig.builder()
                    .setUsers(10)
                    .setItems(1_000)
                    .setBehaviorsPerUser(30)
                    .optMode(GeneratorMode.CLICK_ONLY)
                    .build())
            .events();
    assertThat(status).isZero();
    assertThat(Files.readAllLines(file)).hasSize(300);
    try (EventReader reader = EventFormat.TAOBAO.open(file, ParseOptions.fail())) {
      while (reader.hasNext()) {
        BehaviorEvent read = reader.next();
        BehaviorEvent original = generated.next();
        assertThat(read.getType()).isEqualTo(BehaviorType.PV);
        assertThat(read.getUserId()).isEqualTo(original.getUserId());
        assertThat(read.getItemId()).isEqualTo(original.getItemId());
        assertThat(read.getCategoryId()).isEqualTo(original.getCategoryId());
        assertThat(read.getEventTimeMs()).isEqualTo(original.getEventTimeMs() / 1000 * 1000);
      }
    }
    assertThat(generated.hasNext()).isFalse();
  }

  @Test
  void taobaoWithImpressionsIsRefusedWithAHint(@TempDir Path dir) {
    Path file = dir.resolve("x.csv");
    int status =
        run(
            "--users",
            "1",
            "--items",
            "100",
            "--behaviors-per-user",
            "5",
            "--format",
            "taobao",
            "--out",
            file.toString());

    assertThat(status).isEqualTo(StandaloneCommand.CONFIG_ERROR);
    assertThat(err.toString().lines())
        .containsExactly(
            "generate: --format taobao cannot hold impressions: add --mode click_only",
            "(see: generate --help)");
    assertThat(file).doesNotExist();
  }

  @Test
  void badFlagsAreNamed(@TempDir Path dir) {
    assertThat(run("--users", "many")).isEqualTo(StandaloneCommand.CONFIG_ERROR);
    assertThat(err.toString()).startsWith("generate: Invalid value for option '--users': 'many'");

    err.getBuffer().setLength(0);
    assertThat(run("--users", "1", "--items", "100", "--behaviors-per-user", "5"))
        .isEqualTo(StandaloneCommand.CONFIG_ERROR);
    assertThat(err.toString()).startsWith("generate: Missing required option: '--out=FILE'");

    err.getBuffer().setLength(0);
    String[] invalidConfig = {
      "--users", "1", "--items", "10", "--behaviors-per-user", "5", "--out", dir + "/x"
    };
    assertThat(run(invalidConfig)).isEqualTo(StandaloneCommand.CONFIG_ERROR);
    assertThat(err.toString())
        .startsWith("generate: Invalid generator config: items must be >= topics (50)");
  }

  @Test
  void qualitySpreadReachesTheStreamAndABadOneIsNamed(@TempDir Path dir) throws IOException {
    assertReachesTheStream(
        dir,
        "--quality-spread",
        "1.5",
        b -> b.optQualitySpread(1.5),
        "qualitySpread=1.50",
        "-0.5",
        "qualitySpread must be in [0, 5.0], got -0.5");
  }

  @Test
  void tasteStrengthReachesTheStreamAndABadOneIsNamed(@TempDir Path dir) throws IOException {
    assertReachesTheStream(
        dir,
        "--taste-strength",
        "0.8",
        b -> b.optTasteStrength(0.8),
        "tasteStrength=0.80",
        "1.5",
        "tasteStrength must be in [0, 1], got 1.5");
  }

  /**
   * {@code flag value} writes the stream {@code setting} makes and the report line shows {@code
   * shown}; {@code flag bad} is refused with {@code refusal}.
   */
  private void assertReachesTheStream(
      Path dir,
      String flag,
      String value,
      java.util.function.UnaryOperator<GeneratorConfig.Builder> setting,
      String shown,
      String bad,
      String refusal)
      throws IOException {
    Path file = dir.resolve("events.jsonl");
    String[] args = {
      "--users",
      "10",
      "--items",
      "200",
      "--behaviors-per-user",
      "40",
      flag,
      value,
      "--out",
      file.toString()
    };
    assertThat(run(args)).as(err.toString()).isZero();
    List<BehaviorEvent> read = new ArrayList<>();
    try (EventReader reader = EventFormat.EVENTS.open(file, ParseOptions.fail())) {
      reader.forEachRemaining(read::add);
    }
    List<BehaviorEvent> expected = new ArrayList<>();
    GeneratorConfig.Builder config =
        GeneratorConfig.builder().setUsers(10).setItems(200).setBehaviorsPerUser(40);
    new StreamGenerator(setting.apply(config).build()).events().forEachRemaining(expected::add);
    assertThat(read).isEqualTo(expected);
    assertThat(err.toString()).contains(shown);

    err.getBuffer().setLength(0);
    args[7] = bad;
    assertThat(run(args)).isEqualTo(StandaloneCommand.CONFIG_ERROR);
    assertThat(err.toString()).contains(refusal);
  }

  @Test
  void helpDescribesEveryFlag() {
    assertThat(run("--help")).isZero();
    assertThat(out.toString())
        .contains(
            "--out=FILE",
            "--users",
            "--items",
            "--behaviors-per-user",
            "--format",
            "--mode",
            "--categories",
            "--topics",
            "--interests",
            "--impressions-per-user",
            "--zipf",
            "--quality-spread",
            "--taste-strength",
            "--seed");
  }
}
