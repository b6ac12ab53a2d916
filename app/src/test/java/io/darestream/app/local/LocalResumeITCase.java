package io.darestream.app.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.darestream.app.cli.LocalCommandAccess;
import io.darestream.app.local.LocalWorkDir.WorkDirException;
import io.darestream.app.process.ChildJvm;
import io.darestream.app.replay.EventSource;
import io.darestream.app.replay.ProgressLine;
import io.darestream.app.replay.ReplayPosition;
import io.darestream.app.stats.LocalSummary;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code local} killed with SIGKILL in the middle of its replay, then started again on the same
 * work dir: it resumes (the broker on its log, the job from its last retained checkpoint, the
 * replay after what Kafka holds) and its counts are exact. The first run is a child JVM, so that
 * the kill is a real {@code kill -9} of broker, job and replay together.
 */
class LocalResumeITCase {
  @TempDir Path tmp;

  private List<String> args(Path work, String... more) {
    List<String> a =
        new ArrayList<>(
            List.of(
                "--users",
                "150",
                "--items",
                "800",
                "--behaviors-per-user",
                "30",
                "--port",
                "0",
                "--web-ui-port",
                "0",
                "--checkpoint-interval",
                "1 s",
                "--exit-when-done",
                "--work-dir",
                work.toString()));
    a.addAll(List.of(more));
    return a;
  }

  @Test
  void aRunKilledMidReplayResumesWithEveryEventCountedOnce() throws Exception {
    Path work = tmp.resolve("work");
    long total = eventsOf(args(work));

    List<String> first = new ArrayList<>(List.of("local"));
    // Paced to last about 40 s, so that the kill lands in the middle of the replay on any machine.
    first.addAll(args(work, "--rate", Long.toString(Math.max(50, total / 40))));
    long inKafkaAtKill;
    try (ChildJvm child =
        ChildJvm.start(
            "local-first",
            tmp,
            List.of("-Xmx1g", "-Ddare.log.dir=" + tmp.resolve("logs")),
            "io.darestream.app.cli.DareStreamCli",
            first)) {
      String kafka =
          await()
              .atMost(Duration.ofSeconds(120))
              .pollInterval(Duration.ofMillis(200))
              .failFast("the first run ended:\n" + child.tail(30), () -> !child.isAlive())
              .until(() -> kafkaOf(child.output()), k -> k != null);
      // Killed once a checkpoint completed after the model trained its first samples and the
      // replay is under way: events accepted after that checkpoint are processed again after the
      // restore, the samples trained before it are not scored again. (With honest labels the
      // first samples come some way into the stream: a checkpoint before them restores nothing.)
      await()
          .atMost(Duration.ofSeconds(120))
          .pollInterval(Duration.ofMillis(100))
          .failFast("the first run ended:\n" + child.tail(30), () -> !child.isAlive())
          .until(() -> TRAINED.matcher(child.output()).find());
      long before = latestCheckpoint(work);
      await()
          .atMost(Duration.ofSeconds(120))
          .pollInterval(Duration.ofMillis(100))
          .failFast("the first run ended:\n" + child.tail(30), () -> !child.isAlive())
          .until(() -> latestCheckpoint(work) > before && inKafka(kafka) >= total / 10);
      assertThatThrownBy(() -> LocalWorkDir.lock(work))
          .as("a second run on a work dir in use is refused")
          .isInstanceOf(WorkDirException.class)
          .hasMessageContaining("pid " + child.pid());
      inKafkaAtKill = inKafka(kafka);
      assertThat(child.kill()).as("killed by SIGKILL").isEqualTo(137);
    }

    ByteArrayOutputStream printed = new ByteArrayOutputStream();
    LocalSummary s = run(args(work), printed);
    String out = printed.toString(StandardCharsets.UTF_8);

    assertThat(out)
        .contains("resuming the run in " + work)
        .contains("last retained checkpoint")
        .contains("the job restores it");
    assertThat(s.resumed())
        .as("events Kafka held from the killed run")
        .isGreaterThanOrEqualTo(inKafkaAtKill)
        .isLessThan(total);
    assertThat(s.resumed() + s.replay().sent()).as("every event in Kafka once").isEqualTo(total);
    assertThat(s.accepted()).as("accepted: each event once, none lost").isEqualTo(total);
    assertThat(s.deadLettered()).as("no re-sent event is dead-lettered as late").isZero();
    assertThat(s.variants())
        .singleElement()
        .satisfies(
            v -> {
              assertThat(v.trained()).as("every sample trained once").isEqualTo(s.samples());
              assertThat(v.scored())
                  .as("restored, not retrained: fewer scores in this run than samples")
                  .isLessThan(v.trained());
            });
  }

  @Test
  void aFinishedRunIsNotResumedAndFreshStartsOver() throws Exception {
    Path work = tmp.resolve("work");
    try (LocalWorkDir w = LocalWorkDir.lock(work)) {
      w.markStarted("an earlier dataset", Optional.empty());
      w.markFinished();
    }
    List<String> small =
        List.of(
            "--users",
            "20",
            "--items",
            "200",
            "--behaviors-per-user",
            "10",
            "--port",
            "0",
            "--web-ui-port",
            "0",
            "--exit-when-done",
            "--work-dir",
            work.toString());

    assertThatThrownBy(() -> run(small, new ByteArrayOutputStream()))
        .isInstanceOf(WorkDirException.class)
        .hasMessageContaining("holds a run that finished (an earlier dataset")
        .hasMessageContaining("--fresh");

    List<String> fresh = new ArrayList<>(small);
    fresh.add("--fresh");
    LocalSummary again = run(fresh, new ByteArrayOutputStream());
    assertThat(again.resumed()).isZero();
    assertThat(again.accepted()).isPositive().isEqualTo(again.replay().sent());
    try (LocalWorkDir w = LocalWorkDir.lock(work)) {
      assertThat(w.earlierRun()).hasValueSatisfying(e -> assertThat(e.finished()).isTrue());
    }
  }

  private static final Pattern KAFKA = Pattern.compile("Kafka (\\S+) \\(embedded\\)");

  /** A status line in which the model has trained samples ("| dare 1.2k AUC", not "dare 0"). */
  private static final Pattern TRAINED = Pattern.compile("\\| dare [1-9][0-9.]*k? AUC");

  private static long latestCheckpoint(Path work) {
    return RetainedCheckpoint.latest(work.resolve("checkpoints")).map(c -> c.id()).orElse(0L);
  }

  /** The broker address a local run prints, or null before it does. */
  private static String kafkaOf(String output) {
    Matcher m = KAFKA.matcher(output);
    return m.find() ? m.group(1) : null;
  }

  private static long inKafka(String bootstrap) {
    return ReplayPosition.read(bootstrap, "behavior-events", Duration.ofSeconds(10)).total();
  }

  private static long eventsOf(List<String> args) {
    try (EventSource source =
        LocalCommandAccess.settings(args.toArray(String[]::new)).dataset().apply(n -> {})) {
      return source.total();
    }
  }

  private static LocalSummary run(List<String> args, OutputStream printed) throws Exception {
    LocalSettings settings = LocalCommandAccess.settings(args.toArray(String[]::new));
    PrintStream out = new PrintStream(new Tee(System.out, printed), true, StandardCharsets.UTF_8);
    ProgressLine line = new ProgressLine(out, false, 5_000_000_000L);
    try (LocalRunner runner = new LocalRunner(settings, out, line)) {
      LocalSummary summary = runner.run();
      out.print(StatusText.summary(summary));
      return summary;
    }
  }

  /** Writes to two streams. */
  private static final class Tee extends OutputStream {
    private final OutputStream a;
    private final OutputStream b;

    Tee(OutputStream a, OutputStream b) {
      this.a = a;
      this.b = b;
    }

    @Override
    public void write(int c) throws java.io.IOException {
      a.write(c);
      b.write(c);
    }

    @Override
    public void write(byte[] buf, int off, int len) throws java.io.IOException {
      a.write(buf, off, len);
      b.write(buf, off, len);
    }
  }
}
