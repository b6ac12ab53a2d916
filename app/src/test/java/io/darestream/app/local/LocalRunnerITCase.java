package io.darestream.app.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.darestream.app.cli.LocalCommandAccess;
import io.darestream.app.replay.ProgressLine;
import io.darestream.app.replay.UserOrderedFiles;
import io.darestream.app.stats.LocalSummary;
import io.darestream.jobs.testing.JobReplay;
import io.darestream.schemas.avro.BehaviorEvent;
import io.darestream.schemas.input.EventFormat;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code local --exit-when-done} end to end, as a user runs it (embedded Kafka, the job on a
 * MiniCluster with RocksDB, serving, replay, drain, summary, report), on tiny datasets.
 */
class LocalRunnerITCase {
  @TempDir Path tmp;

  /**
   * Runs {@code dare-stream local} with {@code args} to the end of its input: free ports, a quick
   * checkpoint interval, its work directory in this test's temporary directory.
   */
  private LocalSummary run(String... args) throws Exception {
    List<String> argv = new ArrayList<>(List.of(args));
    argv.addAll(
        List.of(
            "--exit-when-done",
            "--port",
            "0",
            "--web-ui-port",
            "0",
            "--checkpoint-interval",
            "2 s",
            "--work-dir",
            tmp.resolve("work").toString()));
    LocalSettings settings = LocalCommandAccess.settings(argv.toArray(String[]::new));
    ProgressLine quiet = new ProgressLine(System.out, false, 5_000_000_000L);
    try (LocalRunner runner = new LocalRunner(settings, System.out, quiet)) {
      LocalSummary summary = runner.run();
      System.out.print(StatusText.summary(summary));
      return summary;
    }
  }

  /** The text of every snapshot part or manifest of {@code variant} in the run's work dir. */
  private List<String> snapshotConfigs(String variant) throws Exception {
    Path dir = tmp.resolve("work").resolve("snapshots").resolve(variant);
    try (var files = Files.walk(dir)) {
      List<String> out = new ArrayList<>();
      for (Path f : files.filter(p -> p.getFileName().toString().equals("PART")).toList()) {
        out.add(Files.readString(f, java.nio.charset.StandardCharsets.ISO_8859_1));
      }
      return out;
    }
  }

  @Test
  void generatedStreamIsReplayedTrainedAndReported() throws Exception {
    LocalSummary s = run("--users", "60", "--items", "600", "--behaviors-per-user", "40");

    assertThat(s.replay().sent()).isPositive().isEqualTo(s.replay().acknowledged());
    assertThat(s.accepted()).as("nothing lost, nothing dead-lettered").isEqualTo(s.replay().sent());
    assertThat(s.samples()).isPositive();
    assertThat(s.coldClicks()).as("impressions: labels come from the impressions").isZero();
    assertThat(s.variants())
        .singleElement()
        .satisfies(
            v -> {
              assertThat(v.name()).isEqualTo("dare");
              assertThat(v.trained()).as("drained: every sample trained").isEqualTo(s.samples());
              assertThat(v.modelVersion()).isPositive();
              assertThat(v.retrieval())
                  .as("the generated stream has planted topics: retrieval is measured")
                  .isNotNull();
              assertThat(v.retrieval().queries()).isPositive();
              assertThat(v.retrieval().ndcg()).isBetween(0.0, 1.0);
              assertThat(v.retrieval().randomNdcg()).isBetween(0.0, 1.0);
            });
    assertThat(StatusText.summary(s)).contains("dare:     retrieval NDCG@20 ");
    assertReport(s.reportDir());
    assertThat(s.reportDir().resolve("retrieval-over-time.png")).isNotEmptyFile();
    assertThat(Files.readString(s.reportDir().resolve("index.html")))
        .contains("<img src=\"retrieval-over-time.png\"")
        .contains("Retrieval quality over stream time");
  }

  @Test
  void userOrderedTaobaoFileIsSortedSoNoEventIsLateAndTwinTrainsBeside() throws Exception {
    Path file = UserOrderedFiles.taobao(tmp.resolve("UserBehavior.csv"), 40, 30);
    LocalSummary s =
        run(
            "--input",
            file.toString(),
            "--format",
            "taobao",
            "--sort-run-size",
            "300",
            "--compare",
            "twin",
            "--set-for",
            "twin:dare.model.top-k=7");

    assertThat(s.replay().sent()).isEqualTo(1_200);
    assertThat(s.accepted()).as("time-sorted: no event is late").isEqualTo(1_200);
    // Click-only: a positive and a sampled negative per click that is not cold; each item's first
    // click (in each sequence subtask it reaches) is cold and makes no sample. The summary counts
    // the cold clicks apart, exactly.
    long items =
        JobReplay.readEvents(file, EventFormat.TAOBAO).stream()
            .map(BehaviorEvent::getItemId)
            .distinct()
            .count();
    assertThat(s.coldClicks()).isGreaterThanOrEqualTo(items);
    assertThat(s.samples()).isEqualTo(2 * (1_200 - s.coldClicks()));
    assertThat(StatusText.summary(s))
        .contains(String.format(java.util.Locale.ROOT, "%,d cold clicks", s.coldClicks()));
    assertThat(s.variants())
        .extracting(LocalSummary.VariantSummary::name)
        .containsExactly("dare", "twin");
    assertThat(s.variants()).allSatisfy(v -> assertThat(v.trained()).isEqualTo(s.samples()));
    // --set-for reaches twin's trainer only: the model config its snapshots carry.
    assertThat(snapshotConfigs("twin"))
        .isNotEmpty()
        .allSatisfy(c -> assertThat(c).contains("top.k=7"));
    assertThat(snapshotConfigs("dare"))
        .isNotEmpty()
        .allSatisfy(c -> assertThat(c).contains("top.k=20"));
    assertThat(s.dataset()).contains("sorted by time");
    assertReport(s.reportDir());
    // No ground truth in a dataset file: no retrieval figure at all, rather than a zero.
    assertThat(s.variants()).allSatisfy(v -> assertThat(v.retrieval()).isNull());
    assertThat(StatusText.summary(s)).doesNotContain("NDCG").doesNotContain("retrieval");
    assertThat(s.reportDir().resolve("retrieval-over-time.png")).doesNotExist();
    assertThat(Files.readString(s.reportDir().resolve("index.html")))
        .doesNotContain("retrieval-over-time.png")
        .doesNotContain("Retrieval");
  }

  /**
   * More refused events than {@code --max-backlog} (here: stamped in 2100, FUTURE_EVENT) once
   * parked the replay for good: the hold-back counted only accepted events as taken, so the job
   * stayed "behind" forever and {@code local} never ended.
   */
  @Test
  @Timeout(value = 240, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
  void refusedEventsCountAsTakenSoTheyNeverParkTheReplay() throws Exception {
    Path file = UserOrderedFiles.taobao(tmp.resolve("UserBehavior.csv"), 20, 20);
    StringBuilder future = new StringBuilder();
    for (int i = 0; i < 30; i++) {
      future.append(String.format("%d,5,3,pv,%d%n", 9_000 + i, 4_102_444_800L + i));
    }
    future.append("9999,5,3,pv,-7\n");
    Files.writeString(file, future, StandardOpenOption.APPEND);

    LocalSummary s = run("--input", file.toString(), "--format", "taobao", "--max-backlog", "10");

    assertThat(s.replay().sent()).isEqualTo(430);
    assertThat(s.replay().skipped()).isEqualTo(1);
    assertThat(StatusText.summary(s))
        .as("a skipped line is shown with its place and reason")
        .contains(
            "          skipped " + file + ":431: timestamp '-7' is not a non-negative integer");
    assertThat(s.accepted()).isEqualTo(400);
    assertThat(s.deadLettered())
        .as("the future-stamped events, each with its reason")
        .isEqualTo(30);
    assertThat(s.variants()).allSatisfy(v -> assertThat(v.trained()).isEqualTo(s.samples()));
  }

  @Test
  void anInputWithoutOneUsableEventIsRefusedWithTheFirstReason() throws Exception {
    Path file = tmp.resolve("bad.csv");
    Files.writeString(file, "1,2,3,pv,-100\n2,3,4,pv,-200\n");

    assertThatThrownBy(() -> run("--input", file.toString(), "--format", "taobao"))
        .isInstanceOf(EmptyInputException.class)
        .hasMessageStartingWith("no event to replay in taobao bad.csv")
        .hasMessageContaining("its 2 lines are malformed, the first: " + file + ":1: ");
    assertThat(tmp.resolve("work").resolve(LocalWorkDir.RUN_FILE))
        .as("refused before anything starts: no run recorded, nothing for a later run to resume")
        .doesNotExist();
  }

  private static void assertReport(Path dir) throws Exception {
    for (String f :
        new String[] {"index.html", "auc-over-time.png", "freshness.png", "throughput.png"}) {
      assertThat(dir.resolve(f)).isRegularFile();
      assertThat(Files.size(dir.resolve(f))).isPositive();
    }
    assertThat(Files.readString(dir.resolve("index.html")))
        .contains("<img src=\"auc-over-time.png\"")
        .contains("label mode");
  }
}
