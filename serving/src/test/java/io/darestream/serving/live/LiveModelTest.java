package io.darestream.serving.live;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.darestream.schemas.avro.ModelDelta;
import io.darestream.serving.metrics.ServingMetrics;
import io.darestream.serving.scoring.Candidate;
import io.darestream.serving.scoring.ModelNotReadyException;
import io.darestream.serving.scoring.ModelVersion;
import io.darestream.serving.scoring.ScoreOutput;
import io.darestream.serving.scoring.ScoreRequest;
import io.darestream.serving.scoring.ScoreResult;
import io.darestream.serving.scoring.UserHistory;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class LiveModelTest {
  private static final ScoreRequest REQUEST =
      new ScoreRequest(1, List.of(new Candidate(7, 1)), false);

  private final ServingMetrics metrics = new ServingMetrics();
  private final LiveModel live = new LiveModel(metrics, () -> 1_800);

  /** Scores every candidate with the first value of its att.item row (0 if none). */
  static final class FakeModel implements ModelHandle {
    final MapRows rows = new MapRows();
    final ModelVersion snapshot;
    final CountDownLatch scoring = new CountDownLatch(1);
    volatile CountDownLatch holdScoring = new CountDownLatch(0);
    volatile boolean closed;

    FakeModel(ModelVersion snapshot) {
      this.snapshot = snapshot;
    }

    @Override
    public String modelId() {
      return Deltas.MODEL;
    }

    @Override
    public ModelVersion snapshotPosition() {
      return snapshot;
    }

    @Override
    public String snapshotLocation() {
      return "/snapshots/" + snapshot.version();
    }

    @Override
    public List<io.darestream.state.snapshot.DeltaOffset> deltaOffsets() {
      return List.of();
    }

    @Override
    public int maxHistory() {
      return 10;
    }

    @Override
    public Map<String, Long> rowsPerTable() {
      return Map.of("att.item", (long) rows.rows.getOrDefault("att.item", Map.of()).size());
    }

    @Override
    public ScoreOutput score(
        UserHistory history, long[] items, long[] categories, boolean explain) {
      scoring.countDown();
      try {
        holdScoring.await(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      float[] s = new float[items.length];
      for (int i = 0; i < s.length; i++) {
        float v = rows.first("att.item", items[i]);
        s[i] = Float.isNaN(v) ? 0 : v;
      }
      return new ScoreOutput(s, null);
    }

    @Override
    public void apply(ModelDelta delta) {
      rows.apply(delta);
    }

    @Override
    public float[] readWeights(String table, long id) {
      return rows.rows.getOrDefault(table, Map.of()).get(id);
    }

    @Override
    public void close() {
      closed = true;
    }
  }

  @Test
  void refusesToScoreBeforeAModelIsLoaded() {
    assertThatThrownBy(() -> live.score(REQUEST, (u, n) -> UserHistory.UNKNOWN))
        .isInstanceOf(ModelNotReadyException.class);
  }

  @Test
  void appliesDeltasAndReportsPositionAndFreshness() {
    live.install(new FakeModel(new ModelVersion(1, 10)));

    live.apply(Deltas.delta(1, 11, "att.item", 2, 7, 4));
    ScoreResult r = live.score(REQUEST, (u, n) -> UserHistory.UNKNOWN);

    assertThat(r.scores()).containsExactly(4f);
    assertThat(r.model()).isEqualTo(new ModelVersion(1, 11));
    assertThat(r.userKnown()).isFalse();
    var status = live.status().orElseThrow();
    assertThat(status.appliedDeltas()).isEqualTo(1);
    assertThat(status.freshnessLagMs()).isEqualTo(800); // clock 1800 - min ingest 1000
    assertThat(status.rowsPerTable()).containsEntry("att.item", 1L);
    assertThat(metrics.deltasAppliedCount()).isEqualTo(1);
  }

  @Test
  void countsStaleEpochDeltas() {
    live.install(new FakeModel(new ModelVersion(2, 10)));

    assertThat(live.apply(Deltas.delta(1, 50, "att.item", 2, 7, 4)))
        .isEqualTo(DeltaOutcome.STALE_EPOCH);

    assertThat(metrics.deltasIgnoredStaleEpochCount()).isEqualTo(1);
    assertThat(metrics.scrape())
        .contains("serving_deltas_ignored_total{reason=\"stale_epoch\"} 1.0");
  }

  @Test
  void aSwapLetsInFlightRequestsFinishOnTheOldModelThenClosesIt() throws Exception {
    FakeModel old = new FakeModel(new ModelVersion(1, 10));
    old.rows.put("att.item", 7, new float[] {1, 1});
    old.holdScoring = new CountDownLatch(1);
    live.install(old);
    CompletableFuture<ScoreResult> inFlight =
        CompletableFuture.supplyAsync(() -> live.score(REQUEST, (u, n) -> UserHistory.UNKNOWN));
    assertThat(old.scoring.await(10, TimeUnit.SECONDS)).isTrue();

    FakeModel fresh = new FakeModel(new ModelVersion(1, 20));
    fresh.rows.put("att.item", 7, new float[] {2, 2});
    live.install(fresh);

    assertThat(old.closed).as("closed while a request still uses it").isFalse();
    assertThat(live.score(REQUEST, (u, n) -> UserHistory.UNKNOWN).scores()).containsExactly(2f);
    old.holdScoring.countDown();
    assertThat(inFlight.get(10, TimeUnit.SECONDS).scores()).containsExactly(1f);
    assertThat(old.closed).isTrue();
    assertThat(fresh.closed).isFalse();
  }

  @Test
  void reloadsWhenAnnouncedSnapshotIsAheadOrOfANewerEpoch() {
    assertThat(live.shouldReload(new ModelVersion(1, 1))).isTrue();
    live.install(new FakeModel(new ModelVersion(1, 10)));
    live.apply(Deltas.delta(1, 30, "att.item", 2, 7, 4));

    assertThat(live.shouldReload(new ModelVersion(1, 20))).as("already past it").isFalse();
    assertThat(live.shouldReload(new ModelVersion(1, 31))).isTrue();
    assertThat(live.shouldReload(new ModelVersion(2, 5))).as("restored trainer").isTrue();
  }
}
