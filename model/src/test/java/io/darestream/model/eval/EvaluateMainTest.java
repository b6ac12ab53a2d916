package io.darestream.model.eval;

import static org.assertj.core.api.Assertions.assertThat;

import io.darestream.schemas.cli.StandaloneCommand;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The evaluation as a program: its flags and defaults, its one-line errors, a tiny run. */
class EvaluateMainTest {
  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  /** Runs the command as {@code java ... EvaluateMain args} would, with captured writers. */
  private int run(String... args) {
    CommandLine cmd = StandaloneCommand.commandLine(new EvaluateMain());
    cmd.setOut(new PrintWriter(out, true));
    cmd.setErr(new PrintWriter(err, true));
    return cmd.execute(args);
  }

  private static EvaluateMain parse(String... args) {
    EvaluateMain main = new EvaluateMain();
    new CommandLine(main).parseArgs(args);
    return main;
  }

  @Test
  void defaultsAreThoseOfTheDocumentedRuns() {
    EvaluateMain m = parse();
    assertThat(m.mode).isEqualTo("offline");
    assertThat(m.data).isEqualTo(Path.of("data/movielens"));
    assertThat(m.synthetic).isNull();
    assertThat(m.variants).containsExactly("DARE", "TWIN", "TWIN_PROJ");
    assertThat(m.maxHistory).isEqualTo(100);
    assertThat(m.topK).isEqualTo(20);
    assertThat(m.seeds).isEqualTo(5);
    assertThat(m.epochs).isEqualTo(5);
    assertThat(m.negatives).isEqualTo(2);
    assertThat(m.attentionDim).isEqualTo(16);
    assertThat(m.representationDim).isEqualTo(16);
    assertThat(m.batch).isEqualTo(256);
    assertThat(m.sparseLr).isEqualTo(0.01f);
    assertThat(m.denseLr).isEqualTo(0.001f);
    assertThat(m.optimizer).isEqualTo("ADAM");
    assertThat(m.aux).isFalse();
    assertThat(m.optimizers).containsExactly("ADAM", "ADAGRAD");
    assertThat(m.sparseLrs).containsExactly("0.01");
    assertThat(m.warmMinCount).isEqualTo(1);
    assertThat(m.excludeHistory).isFalse();
  }

  @Test
  void aSwitchAloneMeansTrueAndTakesAnExplicitValue() {
    assertThat(parse("--aux").aux).isTrue();
    assertThat(parse("--aux", "true").aux).isTrue();
    assertThat(parse("--aux", "false", "--seeds", "3").aux).isFalse();
    EvaluateMain m = parse("--exclude-history", "--max-history", "50");
    assertThat(m.excludeHistory).isTrue();
    assertThat(m.maxHistory).isEqualTo(50);
    assertThat(parse("--sparse-lrs", "0.003,0.01,0.03").sparseLrs)
        .containsExactly("0.003", "0.01", "0.03");
  }

  @Test
  void badFlagsAreOneLineErrorsBeforeAnyDataIsRead(@TempDir Path dir) {
    // --data points nowhere: each error must come from the flags, not from reading the data.
    String data = dir.resolve("absent").toString();
    assertError(
        run("--data", data, "--mode", "offlne"), "--mode must be offline, online, retrieval or");
    assertError(
        run("--data", data, "--variants", "DARE,TWINN"), "--variants: unknown value 'TWINN'");
    assertError(run("--data", data, "--mode", "diagnose", "--probes", "0"), "--probes must be");
    assertError(run("--data", data, "--mode", "online", "--online-seeds", "0"), "--online-seeds");
    assertError(
        run("--data", data, "--mode", "retrieval", "--mi-min-samples", "0"),
        "--mi-min-samples must be");
    assertError(run("--data", data, "--sparse-lrs", "0.01,fast"), "--sparse-lrs: 'fast' is not");
    assertError(run("--data", data, "--top-k", "0"), "topK");
    assertError(run("--synthetic", "10:100"), "--synthetic must be USERS:ITEMS:BEHAVIOURS");
    assertError(run("--data", data, "--labels", "impressions"), "--labels impressions needs");
    assertError(run("--synthetic", "10:100:20", "--labels", "views"), "--labels must be");
    assertError(
        run("--synthetic", "10:100:20", "--quality-spread", "-1"), "qualitySpread must be in");
    assertError(
        run("--data", data, "--taste-strength", "0.5"), "--taste-strength goes with --synthetic");
    assertError(
        run("--synthetic", "10:100:20", "--taste-strength", "2"), "tasteStrength must be in");
    assertError(
        run("--synthetic", "10:100:20", "--oracle-attention", "1"),
        "--oracle-attention needs --mode diagnose");
    assertError(run("--seeds", "many"), "Invalid value for option '--seeds': 'many'");
    assertError(run("--no-such-flag"), "Unknown option: '--no-such-flag'");
    assertError(run("--data", data, "--seeds", "1"), "--data " + data + " does not exist");
  }

  private void assertError(int status, String contains) {
    assertThat(status).as(err.toString()).isEqualTo(StandaloneCommand.CONFIG_ERROR);
    assertThat(err.toString().lines().findFirst().orElse(""))
        .startsWith("evaluate: ")
        .contains(contains);
    assertThat(out.toString()).isEmpty();
    err.getBuffer().setLength(0);
  }

  @Test
  void runsTheProtocolOnGeneratedDataAndPrintsTheTableToItsWriter() {
    int status =
        run(
            "--synthetic",
            "20:200:40",
            "--max-history",
            "10",
            "--seeds",
            "1",
            "--epochs",
            "1",
            "--variants",
            "dare");

    assertThat(status).as(err.toString()).isZero();
    assertThat(out.toString().lines())
        .contains("| variant | d_att | AUC | GAUC | logloss | epoch | s/run |")
        .anySatisfy(line -> assertThat(line).startsWith("| DARE | 16 | 0."));
    assertThat(out.toString()).startsWith("users=20 behaviours=").contains("mode=offline L=10");
  }

  @Test
  void retrievalAndDiagnosePrintNdcgBesideTheRandomBaseline() {
    String[] common = {
      "--synthetic", "30:200:60", "--max-history", "20", "--top-k", "5", "--seeds", "1",
      "--epochs", "1", "--variants", "dare", "--mi-min-samples", "5", "--probes", "1"
    };
    assertThat(run(concat(common, "--mode", "retrieval"))).as(err.toString()).isZero();
    assertThat(out.toString().lines())
        .contains(
            "| variant | d_att | NDCG@K MI | random MI | NDCG@K planted | random planted | test AUC"
                + " | epoch |")
        .anySatisfy(line -> assertThat(line).matches("\\| DARE \\| 16 \\| 0\\.\\d{4} ± .*"));
    out.getBuffer().setLength(0);

    assertThat(run(concat(common, "--mode", "diagnose"))).as(err.toString()).isZero();
    // The probe before training and one per epoch, each with gradient norms and both NDCGs.
    assertThat(out.toString().lines().filter(l -> l.matches("\\| [01] \\| \\d+ \\| .*")))
        .hasSize(2)
        .allSatisfy(l -> assertThat(l.split("\\|")).hasSize(14));
  }

  @Test
  void impressionLabelsOnTheGeneratorRunEveryMode() {
    String[] common = {
      "--synthetic",
      "40:200:60",
      "--labels",
      "impressions",
      "--quality-spread",
      "0.8",
      "--max-history",
      "20",
      "--top-k",
      "5",
      "--seeds",
      "1",
      "--epochs",
      "1",
      "--variants",
      "dare",
      "--mi-min-samples",
      "5",
      "--probes",
      "1",
      "--optimizers",
      "ADAM"
    };
    assertThat(run(concat(common, "--mode", "online"))).as(err.toString()).isZero();
    // 40 users x 15 impressions, every one a sample: nothing sampled, nothing cold.
    assertThat(out.toString())
        .contains("impression samples=600 clicked=")
        .contains("qualitySpread=0.80");
    assertThat(out.toString().lines())
        .anySatisfy(l -> assertThat(l).startsWith("| DARE | 1 | ADAM | 0.01 | 600 | 0 | 0."));
    out.getBuffer().setLength(0);
    assertThat(run(concat(common, "--mode", "retrieval"))).as(err.toString()).isZero();
    assertThat(out.toString().lines())
        .anySatisfy(line -> assertThat(line).matches("\\| DARE \\| 16 \\| 0\\.\\d{4} ± .*"));
  }

  @Test
  void anOracleAttentionRetrievesExactlyThePlantedBehavioursAndStaysPut() {
    int status =
        run(
            "--mode",
            "diagnose",
            "--synthetic",
            "40:200:60",
            "--labels",
            "impressions",
            "--taste-strength",
            "1",
            "--max-history",
            "20",
            "--top-k",
            "5",
            "--epochs",
            "1",
            "--probes",
            "1",
            "--variants",
            "dare",
            "--mi-min-samples",
            "5",
            "--oracle-attention",
            "3",
            "--att-lr",
            "1e-9");
    assertThat(status).as(err.toString()).isZero();
    assertThat(out.toString()).contains("tasteStrength=1.00");
    // Before and after training every pick shares the target's topic (planted NDCG 1): the rows
    // written, at a negligible rate, keep ranking by topic.
    assertThat(out.toString().lines().filter(l -> l.matches("\\| [01] \\| \\d+ \\| .*")))
        .hasSize(2)
        .allSatisfy(l -> assertThat(l.split("\\|")[11].trim()).startsWith("1.0000 ("));
  }

  private static String[] concat(String[] a, String... b) {
    String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }

  @Test
  void helpDescribesEveryFlag() {
    assertThat(run("--help")).isZero();
    assertThat(out.toString())
        .contains(
            "--mode",
            "--data",
            "--synthetic",
            "--labels",
            "--quality-spread",
            "--taste-strength",
            "--oracle-attention",
            "--variants",
            "--max-history",
            "--top-k",
            "--seeds",
            "--epochs",
            "--negatives",
            "--attention-dim",
            "--representation-dim",
            "--batch",
            "--sparse-lr",
            "--dense-lr",
            "--optimizer",
            "--aux",
            "--optimizers",
            "--sparse-lrs",
            "--warm-min-count",
            "--exclude-history",
            "--probes",
            "--mi-min-samples",
            "--online-seeds");
  }
}
