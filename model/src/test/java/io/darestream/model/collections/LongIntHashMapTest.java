package io.darestream.model.collections;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class LongIntHashMapTest {

  @Test
  void agreesWithHashMapUnderRandomPutsAndRemoves() {
    LongIntHashMap map = new LongIntHashMap(4);
    Map<Long, Integer> reference = new HashMap<>();
    Random random = new Random(42);
    for (int step = 0; step < 200_000; step++) {
      long key = random.nextInt(5_000) - 2_500L; // negative keys and many collisions
      int op = random.nextInt(3);
      if (op < 2) {
        int value = random.nextInt(1_000_000);
        Integer previous = reference.put(key, value);
        assertThat(map.put(key, value)).isEqualTo(previous == null ? -1 : previous);
      } else {
        Integer previous = reference.remove(key);
        assertThat(map.remove(key)).isEqualTo(previous == null ? -1 : previous);
      }
      assertThat(map.size()).isEqualTo(reference.size());
    }
    for (long key = -2_500; key < 2_500; key++) {
      Integer expected = reference.get(key);
      assertThat(map.get(key)).isEqualTo(expected == null ? LongIntHashMap.MISSING : expected);
    }
    Map<Long, Integer> visited = new HashMap<>();
    map.forEach(visited::put);
    assertThat(visited).isEqualTo(reference);
  }

  @Test
  void refusesNegativeValues() {
    assertThatThrownBy(() -> new LongIntHashMap().put(1, -1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(">= 0");
  }

  @Test
  void setAddsOnceAndListsItsValues() {
    LongHashSet set = new LongHashSet();
    assertThat(set.add(Long.MAX_VALUE)).isTrue();
    assertThat(set.add(Long.MAX_VALUE)).isFalse();
    assertThat(set.add(0)).isTrue();
    assertThat(set.toArray()).containsExactlyInAnyOrder(0L, Long.MAX_VALUE);
    assertThat(set.remove(0)).isTrue();
    assertThat(set.contains(0)).isFalse();
    set.clear();
    assertThat(set.isEmpty()).isTrue();
  }
}
