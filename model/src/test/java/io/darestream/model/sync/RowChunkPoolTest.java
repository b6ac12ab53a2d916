package io.darestream.model.sync;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class RowChunkPoolTest {
  @Test
  void aReturnedBufferIsHandedOutAgainForTheSameLengthOnly() {
    RowChunkPool pool = new RowChunkPool();
    float[] a = pool.take(256 * 48);
    pool.give(a);

    float[] other = pool.take(256 * 144);
    float[] again = pool.take(256 * 48);
    float[] fresh = pool.take(256 * 48);

    assertThat(other).hasSize(256 * 144).isNotSameAs(a);
    assertThat(again).isSameAs(a);
    assertThat(fresh).isNotSameAs(a).hasSize(256 * 48);
  }
}
