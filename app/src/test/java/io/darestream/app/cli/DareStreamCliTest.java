package io.darestream.app.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.darestream.app.local.LocalSettings;
import io.darestream.app.local.LocalWorkDir;
import io.darestream.jobs.config.KafkaOptions;
import io.darestream.jobs.config.LabelOptions;
import io.darestream.jobs.config.TrainerOptions;
import io.darestream.jobs.job.TrainCommand;
import io.darestream.model.Variant;
import io.darestream.model.eval.EvaluateMain;
import io.darestream.schemas.generator.GeneratorMain;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.util.List;
import java.util.Map;
import org.apache.flink.configuration.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

/** The CLI's help and its one-line configuration errors (no stack traces, exit status 2). */
class DareStreamCliTest {
  // Every command prints through its CommandLine's writers, so nothing swaps System.out/err.
  private final StringWriter err = new StringWriter();
  private final StringWriter out = new StringWriter();

  @TempDir Path tmp;

  private int run(String... args) {
    CommandLine cmd = DareStreamCli.commandLine();
    cmd.setOut(new PrintWriter(out, true));
    cmd.setErr(new PrintWriter(err, true));
    return cmd.execute(args);
  }

  private String errText() {
    return err.toString();
  }

  private String outText() {
    return out.toString();
  }

  @Test
  void everyCommandHasHelp() {
    for (String c :
        List.of("local", "replay", "generate", "train", "pretrain", "serve", "evaluate")) {
      out.getBuffer().setLength(0);
      assertThat(run(c, "--help")).as(c).isZero();
      assertThat(outText()).as(c).contains("Usage:");
    }
    assertThat(run("--help")).isZero();
  }

  @Test
  void badPretrainAndWarmStartTimesAreOneLine() throws Exception {
    Path file = Files.writeString(tmp.resolve("UserBehavior.csv"), "1,2,3,pv,1511544070\n");
    assertThat(
            run(
                "pretrain",
                "--input",
                file.toString(),
                "--format",
                "taobao",
                "--until",
                "yesterday",
                "--out",
                tmp.resolve("out").toString()))
        .isEqualTo(2);
    assertThat(errText()).contains("time yesterday is not 'all', an instant");
    assertThat(run("local", "--input", file.toString(), "--format", "taobao", "--until", "all"))
        .isEqualTo(2);
    assertThat(errText()).contains("--until goes with --warm-start");
  }

  @Test
  void unknownFormatIsOneLine() {
    assertThat(run("replay", "--input", tmp.toString(), "--format", "parquet")).isEqualTo(2);
    assertThat(errText().strip())
        .isEqualTo(
            "replay: Unknown event format 'parquet': expected one of taobao, movielens, events");
  }

  @Test
  void missingFileIsOneLine() {
    assertThat(run("local", "--input", tmp.resolve("nope.csv").toString(), "--format", "taobao"))
        .isEqualTo(2);
    assertThat(errText().strip())
        .isEqualTo("local: input file " + tmp.resolve("nope.csv") + " does not exist");
  }

  @Test
  void aMovieLensRatingsFileWithoutItsMoviesOrADirectoryAsAFileIsRefusedBeforeAnythingStarts()
      throws Exception {
    Path ratings =
        Files.writeString(tmp.resolve("ratings.csv"), "userId,movieId,rating,timestamp\n");
    assertThat(run("local", "--input", ratings.toString(), "--format", "movielens")).isEqualTo(2);
    assertThat(errText().strip())
        .isEqualTo(
            "local: MovieLens needs movies.csv beside ratings.csv: "
                + tmp.resolve("movies.csv").toAbsolutePath()
                + " not found");
    err.getBuffer().setLength(0);
    Path empty = Files.createDirectory(tmp.resolve("release"));
    assertThat(
            run(
                "pretrain",
                "--input",
                empty.toString(),
                "--format",
                "movielens",
                "--out",
                tmp.resolve("o").toString()))
        .isEqualTo(2);
    assertThat(errText().strip()).isEqualTo("pretrain: no ratings.csv in " + empty);
    err.getBuffer().setLength(0);
    assertThat(run("local", "--input", empty.toString(), "--format", "taobao")).isEqualTo(2);
    assertThat(errText().strip())
        .isEqualTo("local: input " + empty + " is a directory; --format taobao reads a file");
  }

  @Test
  void portInUseIsOneLine() throws Exception {
    try (ServerSocket taken = new ServerSocket(0)) {
      assertThat(run("local", "--port", Integer.toString(taken.getLocalPort()))).isEqualTo(2);
      assertThat(errText().strip())
          .isEqualTo("local: port " + taken.getLocalPort() + " for serving (--port) is in use");
    }
  }

  @Test
  void aSecondLocalRunOnAWorkDirInUseIsOneLine() {
    Path work = tmp.resolve("work");
    try (LocalWorkDir first = LocalWorkDir.lock(work)) {
      int status = run("local", "--work-dir", work.toString(), "--port", "0", "--web-ui-port", "0");

      assertThat(status).isEqualTo(2);
      assertThat(errText().strip())
          .isEqualTo(
              "local: work dir "
                  + work
                  + " is used by another local run (pid "
                  + ProcessHandle.current().pid()
                  + "); wait for it to end or give another --work-dir");
    }
  }

  @Test
  void eachProcessLogsToItsOwnFile() {
    LocalDateTime start = LocalDateTime.of(2026, 5, 3, 10, 13, 7);
    assertThat(DareStreamCli.logFileName(start, 4242))
        .isEqualTo("dare-stream-20260503-101307-4242.log");
    assertThat(DareStreamCli.logFileName(start, 4243))
        .isNotEqualTo(DareStreamCli.logFileName(start, 4242));
  }

  @Test
  void unreachableKafkaIsOneLine() throws Exception {
    int closed;
    try (ServerSocket s = new ServerSocket(0)) {
      closed = s.getLocalPort();
    }
    assertThat(
            run(
                "replay",
                "--bootstrap-servers",
                "127.0.0.1:" + closed,
                "--users",
                "2",
                "--items",
                "50",
                "--behaviors-per-user",
                "2"))
        .isEqualTo(2);
    assertThat(errText().strip())
        .startsWith("replay: cannot reach Kafka at 127.0.0.1:" + closed)
        .doesNotContain("\n")
        .doesNotContain("Exception");
  }

  @Test
  void unknownFlagPointsToHelp() {
    assertThat(run("replay", "--no-such-flag")).isEqualTo(2);
    assertThat(errText()).contains("Unknown option: '--no-such-flag'").contains("replay --help");
  }

  @Test
  void trainMapsShortFlagsToJobOptions() {
    TrainCommand train = new TrainCommand();
    new CommandLine(train)
        .parseArgs(
            "--bootstrap-servers",
            "kafka:29092",
            "--snapshot-dir",
            "/snap",
            "--label-mode",
            "IMPRESSION",
            "--dare.trainer.micro-batch-size",
            "64");
    Configuration c = TrainCommand.checkedConfig(train.jobArgs());
    assertThat(c.get(KafkaOptions.BOOTSTRAP_SERVERS)).isEqualTo("kafka:29092");
    assertThat(c.get(TrainerOptions.SNAPSHOT_DIR)).isEqualTo("/snap");
    assertThat(c.get(LabelOptions.MODE)).isEqualTo(LabelOptions.LabelMode.IMPRESSION);
    assertThat(c.get(TrainerOptions.MICRO_BATCH_SIZE)).isEqualTo(64);
    assertThat(TrainCommand.shortFlags())
        .containsKeys("--bootstrap-servers", "--snapshot-dir", "--checkpoint-dir", "--label-mode");
  }

  @Test
  void aMistypedDareKeyIsRefusedWithTheNearestKnownOne() {
    assertThat(run("train", "--dare.trainer.micro-batch-sise", "64")).isEqualTo(2);
    assertThat(errText().strip())
        .startsWith("train: ")
        .contains(
            "unknown setting dare.trainer.micro-batch-sise"
                + " (did you mean dare.trainer.micro-batch-size?)")
        .doesNotContain("\n\tat ");
    err.getBuffer().setLength(0);
    assertThat(
            run(
                "local",
                "--set",
                "dare.model.max-histroy=500",
                "--set",
                "taskmanager.numberOfTaskSlots=4"))
        .as("dare.* keys are checked before anything starts; Flink's own keys pass through")
        .isEqualTo(2);
    assertThat(errText().strip())
        .isEqualTo(
            "local: --set: unknown setting dare.model.max-histroy (did you mean dare.model.max-history?):"
                + " every dare.* key is listed in the README's configuration reference");
  }

  @Test
  void aPretrainWithoutOneUsableEventSaysWhyItsLinesWereSkipped() throws Exception {
    Path file = Files.writeString(tmp.resolve("bad.csv"), "1,2,3,pv,-100\n2,3,4,pv,-200\n");
    assertThat(pretrainTaobao(file, tmp.resolve("out"))).isEqualTo(2);
    assertThat(errText())
        .contains(
            "pretrain: no valid event at or before the --until time (2 input lines were skipped as"
                + " malformed, the first: "
                + file
                + ":1: timestamp '-100' is not a non-negative integer");
  }

  @Test
  void aPretrainErrorOtherThanNoEventsCarriesNoSkipNote() throws Exception {
    Path file =
        Files.writeString(tmp.resolve("some-bad.csv"), "1,2,3,pv,-100\n1,2,3,pv,1511544070\n");
    Path out = Files.createDirectory(tmp.resolve("taken"));
    assertThat(pretrainTaobao(file, out)).isEqualTo(2);
    assertThat(errText().lines().reduce((a, b) -> b).orElse(""))
        .isEqualTo("pretrain: output directory " + out + " exists already");
  }

  private int pretrainTaobao(Path input, Path out) {
    return run(
        "pretrain", "--input", input.toString(), "--format", "taobao", "--out", out.toString());
  }

  @Test
  void aSetKeyGivenTwiceIsRefused() {
    assertThat(run("local", "--set", "dare.model.seed=1", "--set", "dare.model.seed=2"))
        .isEqualTo(2);
    assertThat(errText().strip())
        .isEqualTo("local: --set dare.model.seed is given twice (1, then 2): give it once");
    err.getBuffer().setLength(0);
    assertThat(run("local", "--set", "dare.model.seed")).isEqualTo(2);
    assertThat(errText().strip()).isEqualTo("local: --set expects KEY=VALUE, got dare.model.seed");
  }

  @Test
  void setForGivesOneVariantItsModelOptions() {
    LocalSettings settings =
        LocalCommandAccess.settings(
            "--compare",
            "twin",
            "--set",
            "dare.model.top-k=30",
            "--set-for",
            "twin:dare.model.top-k=7",
            "--set-for",
            "TWIN:dare.model.exact-match=true");
    assertThat(settings.variantOptions())
        .containsOnlyKeys(Variant.TWIN)
        .containsEntry(
            Variant.TWIN, Map.of("dare.model.top-k", "7", "dare.model.exact-match", "true"));
    assertThat(settings.jobOptions()).containsEntry("dare.model.top-k", "30");
    assertThat(settings.settingsForReport()).containsEntry("dare.model.top-k (TWIN)", "7");
  }

  @Test
  void setForRefusesWhatIsNotOneRunningVariantsModelOption() {
    String[][] cases = {
      {"--set-for", "dare.model.top-k=7"},
      {"--set-for", "bert:dare.model.top-k=7"},
      {"--set-for", "twin:dare.model.top-k=7"},
      {"--compare", "twin", "--set-for", "twin:dare.kafka.bootstrap-servers=k:1"},
      {"--compare", "twin", "--set-for", "twin:dare.model.variant=DARE"},
      {"--compare", "twin", "--set-for", "twin:dare.model.top-kk=7"},
      {
        "--compare",
        "twin",
        "--set-for",
        "twin:dare.model.top-k=7",
        "--set-for",
        "twin:dare.model.top-k=8"
      }
    };
    String[] expected = {
      "local: --set-for expects VARIANT:KEY=VALUE, got dare.model.top-k=7",
      "local: --set-for: no variant bert (dare, twin or twin_proj)",
      "local: --set-for: twin does not run here ([DARE]): add --compare twin",
      "local: --set-for twin: dare.kafka.bootstrap-servers is the run's, not a variant's: --set-for"
          + " takes the model options (dare.model.*) but the variant and its id",
      "local: --set-for twin: dare.model.variant is the run's, not a variant's: --set-for takes"
          + " the model options (dare.model.*) but the variant and its id",
      "local: --set-for twin: unknown setting dare.model.top-kk (did you mean dare.model.top-k?):"
          + " every dare.* key is listed in the README's configuration reference",
      "local: --set-for twin dare.model.top-k is given twice (7, then 8): give it once"
    };
    for (int i = 0; i < cases.length; i++) {
      err.getBuffer().setLength(0);
      String[] args = new String[cases[i].length + 1];
      args[0] = "local";
      System.arraycopy(cases[i], 0, args, 1, cases[i].length);
      assertThat(run(args)).as(String.join(" ", cases[i])).isEqualTo(2);
      assertThat(errText().strip()).isEqualTo(expected[i]);
    }
  }

  @Test
  void aNegativeBacklogIsRefused() {
    assertThat(run("local", "--max-backlog", "-5")).isEqualTo(2);
    assertThat(errText().strip())
        .isEqualTo("local: --max-backlog must be >= 0 (0: never wait), got -5");
  }

  @Test
  void aKeyGivenTwiceToTrainIsRefused() {
    assertThat(
            run(
                "train",
                "--bootstrap-servers",
                "kafka:1",
                "--dare.kafka.bootstrap-servers",
                "kafka:2"))
        .isEqualTo(2);
    assertThat(errText().strip())
        .isEqualTo(
            "train: dare.kafka.bootstrap-servers is given twice (kafka:1, then kafka:2; a short"
                + " flag such as --bootstrap-servers sets its dare.* key): give it once");
  }

  @Test
  void trainRejectsABadValueBeforeSubmitting() {
    assertThat(run("train", "--label-mode", "SOMETIMES")).isEqualTo(2);
    assertThat(errText().strip()).startsWith("train: ").doesNotContain("\n\tat ");
  }

  @Test
  void generateAndEvaluateAreTheModulesOwnCommandsWithEveryFlag() {
    // The modules' tests list the flags; here: the launcher's help shows every one of them.
    assertHelpShowsEveryFlag("generate", new CommandLine(new GeneratorMain()));
    assertHelpShowsEveryFlag("evaluate", new CommandLine(new EvaluateMain()));
  }

  private void assertHelpShowsEveryFlag(String command, CommandLine module) {
    out.getBuffer().setLength(0);
    assertThat(run(command, "--help")).isZero();
    assertThat(outText()).contains("Usage: dare-stream " + command);
    List<String> flags =
        module.getCommandSpec().options().stream().map(OptionSpec::longestName).toList();
    assertThat(flags).hasSizeGreaterThan(5);
    assertThat(outText()).as(command).contains(flags);
  }

  @Test
  void generateReportsToTheCommandLinesWriter() throws Exception {
    Path file = tmp.resolve("events.jsonl");
    int status =
        run(
            "generate",
            "--users",
            "3",
            "--items",
            "100",
            "--behaviors-per-user",
            "4",
            "--out",
            file.toString());

    assertThat(status).as(errText()).isZero();
    assertThat(Files.readAllLines(file)).isNotEmpty();
    assertThat(errText()).startsWith("wrote ").contains(file.toString());
  }

  @Test
  void badValuesOfGenerateAndEvaluateAreConfigErrors() {
    assertThat(
            run(
                "generate",
                "--users",
                "1",
                "--items",
                "100",
                "--behaviors-per-user",
                "5",
                "--format",
                "taobao",
                "--out",
                tmp.resolve("x.csv").toString()))
        .isEqualTo(2);
    assertThat(errText().lines())
        .containsExactly(
            "generate: --format taobao cannot hold impressions: add --mode click_only",
            "(see: dare-stream generate --help)");
    err.getBuffer().setLength(0);

    assertThat(run("evaluate", "--mode", "sometimes")).isEqualTo(2);
    assertThat(errText().lines().findFirst().orElse(""))
        .isEqualTo(
            "evaluate: --mode must be offline, online, retrieval or diagnose, got sometimes");
    err.getBuffer().setLength(0);

    assertThat(run("evaluate", "--synthetic", "10:100:20", "--oracle-representation", "1"))
        .isEqualTo(2);
    assertThat(errText().lines().findFirst().orElse(""))
        .isEqualTo(
            "evaluate: --oracle-representation needs --mode diagnose, --synthetic and a scale > 0");
    err.getBuffer().setLength(0);
    assertThat(run("evaluate", "--interests", "5")).isEqualTo(2);
    assertThat(errText().lines().findFirst().orElse(""))
        .isEqualTo("evaluate: --interests goes with --synthetic");
    err.getBuffer().setLength(0);
    assertThat(run("evaluate", "--synthetic", "10:100:20", "--interests", "0")).isEqualTo(2);
    assertThat(errText().lines().findFirst().orElse(""))
        .isEqualTo(
            "evaluate: --synthetic 10:100:20 --interests 0: Invalid generator config:"
                + " interestsPerUser must be in 1..topics-1, got 0");
  }

  @Test
  void aBadQualitySpreadOrTasteStrengthIsAConfigErrorBeforeKafkaIsReached() throws Exception {
    assertReplayRefuses("--quality-spread", "9", "qualitySpread must be in [0, 5.0], got 9.0");
    assertReplayRefuses("--taste-strength", "2", "tasteStrength must be in [0, 1], got 2.0");
  }

  private void assertReplayRefuses(String flag, String value, String reason) throws Exception {
    int closed;
    try (ServerSocket s = new ServerSocket(0)) {
      closed = s.getLocalPort();
    }
    err.getBuffer().setLength(0);
    assertThat(
            run(
                "replay",
                "--bootstrap-servers",
                "127.0.0.1:" + closed,
                "--users",
                "2",
                "--items",
                "50",
                "--behaviors-per-user",
                "2",
                flag,
                value))
        .isEqualTo(2);
    assertThat(errText().lines().findFirst().orElse("")).startsWith("replay: ").contains(reason);
  }

  @Test
  void noCommandShowsTheCommandsOnTheErrorWriter() {
    assertThat(run()).isZero();
    assertThat(errText()).startsWith("Usage: dare-stream").contains("generate", "evaluate");
    assertThat(outText()).isEmpty();
  }
}
