package io.darestream.model.eval;

import static org.assertj.core.api.Assertions.assertThat;

import io.darestream.model.TrainingSample;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class DareProtocolTest {
  private static final int HISTORY = 20;

  @Test
  void negativesShareTheirPositivesNovelty() {
    // 60 users, 40 behaviours each over 300 popular items; each user's last two behaviours are an
    // item of its own that no one else has: validation and test targets nobody trains on.
    SplittableRandom rnd = new SplittableRandom(3);
    List<UserSequence> users = new ArrayList<>();
    for (int u = 0; u < 60; u++) {
      int n = 40;
      long[] items = new long[n];
      long[] times = new long[n];
      for (int i = 0; i < n; i++) {
        items[i] = i >= n - 2 ? 10_000 + 2 * u + (i - (n - 2)) : 1 + rnd.nextInt(300);
        times[i] = 1_000L * i + u;
      }
      users.add(new UserSequence(u, items, items.clone(), times));
    }
    ProtocolSplit split = DareProtocol.split(users, HISTORY, 2, 7);
    Set<Long> trainTargets = new HashSet<>();
    for (TrainingSample s : split.train()) {
      if (s.label() == 1) {
        trainTargets.add(s.targetItem());
      }
    }

    int testNegatives = 0;
    for (List<TrainingSample> set : List.of(split.train(), split.validation(), split.test())) {
      boolean positiveTrained = false;
      for (TrainingSample s : set) {
        if (s.label() == 1) {
          positiveTrained = trainTargets.contains(s.targetItem());
        } else {
          assertThat(trainTargets.contains(s.targetItem()))
              .as(
                  "negative %d of a %s positive",
                  s.targetItem(), positiveTrained ? "trained" : "new")
              .isEqualTo(positiveTrained);
          testNegatives += set == split.test() ? 1 : 0;
        }
      }
    }
    // Every test target is new, and each still found its two (new) negatives.
    assertThat(testNegatives).isEqualTo(2 * 60);
  }
}
