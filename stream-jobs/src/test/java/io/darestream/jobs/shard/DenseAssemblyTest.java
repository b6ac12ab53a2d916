package io.darestream.jobs.shard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The averager's dense models are put back together version by version, whatever order their blocks
 * arrive in, and a version that never completes holds no memory for long.
 */
class DenseAssemblyTest {
  private final DenseAssembly assembly = new DenseAssembly(Map.of("a", 2, "b", 2));

  private static float[] of(float v) {
    return new float[] {v, v};
  }

  @Test
  void aModelIsCompleteWhenEveryBlockHasArrived() {
    assertThat(assembly.add(1, 3, "a", of(1))).isNull();
    DenseAssembly.Complete done = assembly.add(1, 3, "b", of(2));

    assertThat(done.version()).isEqualTo(3);
    assertThat(done.blocks()).containsOnlyKeys("a", "b");
    assertThat(done.blocks().get("b")).containsExactly(2f, 2f);
    assertThat(assembly.inProgress()).isZero();
  }

  @Test
  void interleavedVersionsCompleteEachAndAnOlderOneAfterANewerIsDropped() {
    assembly.add(1, 3, "a", of(1));
    assembly.add(1, 4, "a", of(2));
    assertThat(assembly.add(1, 4, "b", of(2)).version()).isEqualTo(4);
    assertThat(assembly.inProgress()).as("v3 can no longer win").isZero();
    assertThat(assembly.add(1, 3, "b", of(1))).as("older than the newest complete").isNull();
    assertThat(assembly.inProgress()).isZero();
  }

  @Test
  void aNewerEpochSupersedesAHigherVersionOfAnOlderOne() {
    assembly.add(1, 90, "a", of(1));
    assembly.add(2, 1, "a", of(2));
    assertThat(assembly.add(2, 1, "b", of(2)).epoch()).isEqualTo(2);
    assertThat(assembly.add(1, 90, "b", of(1))).isNull();
  }

  @Test
  void aRepeatedBlockDoesNotCountTwice() {
    assembly.add(1, 3, "a", of(1));
    assertThat(assembly.add(1, 3, "a", of(5))).isNull();
    assertThat(assembly.add(1, 3, "b", of(2)).blocks().get("a")).containsExactly(5f, 5f);
  }

  @Test
  void versionsThatNeverCompleteAreBounded() {
    for (long v = 1; v <= 100; v++) {
      assembly.add(1, v, "a", of(v));
    }
    assertThat(assembly.inProgress()).isEqualTo(DenseAssembly.MAX_IN_PROGRESS);
    assertThat(assembly.add(1, 100, "b", of(0)).version()).isEqualTo(100);
    assertThat(assembly.add(1, 1, "b", of(0))).isNull();
  }

  @Test
  void aModelWithoutBlocksIsRefused() {
    assertThatThrownBy(() -> new DenseAssembly(Map.of()))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void aForgedBlockIsRefusedAndCannotCompleteAModel() {
    assembly.add(1, 3, "a", of(1));
    assertThatThrownBy(() -> assembly.add(1, 3, "bogus", of(1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("not one of the model's");
    assertThatThrownBy(() -> assembly.add(1, 3, "b", new float[] {1}))
        .hasMessageContaining("has 1 values");
    assertThatThrownBy(() -> assembly.add(1, 3, "b", new float[] {1, Float.NaN}))
        .hasMessageContaining("NaN");
    assertThatThrownBy(() -> assembly.add(1, 3, "b", new float[] {Float.POSITIVE_INFINITY, 1}))
        .hasMessageContaining("Infinity");
    DenseAssembly.Complete done = assembly.add(1, 3, "b", of(2));
    assertThat(done.blocks()).containsOnlyKeys("a", "b");
  }
}
