package io.darestream.state.sequence;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.darestream.schemas.avro.BehaviorType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SequenceStoreTest {
  private static final long T0 = 1_700_000_000_000L;
  private static final byte CLICK = BehaviorCodes.code(BehaviorType.CLICK);

  @TempDir Path dir;

  @Test
  void behavesLikeTheInStateSequenceOnARandomStream() {
    SequenceLimits limits =
        SequenceLimits.builder()
            .optMaxLength(150)
            .optMaxOutOfOrderMs(5_000)
            .optDedupHorizonMs(3_000)
            .build();
    Random rnd = new Random(7);
    List<BehaviorSequence> refs = new ArrayList<>();
    for (int u = 0; u < 3; u++) {
      refs.add(BehaviorSequence.create(limits));
    }
    try (SequenceStore store = SequenceStore.builder().setPath(dir).optLimits(limits).open()) {
      long clock = T0;
      List<Long> ids = new ArrayList<>();
      for (int step = 0; step < 4000; step++) {
        int user = rnd.nextInt(3);
        clock += rnd.nextInt(2000);
        long time = clock - (rnd.nextInt(8) == 0 ? rnd.nextInt(9000) : 0);
        long id =
            rnd.nextInt(15) == 0 && !ids.isEmpty()
                ? ids.get(ids.size() - 1 - rnd.nextInt(Math.min(ids.size(), 20)))
                : EventIds.hash64("e" + step);
        ids.add(id);
        long item = rnd.nextInt(100_000);
        long cat = rnd.nextInt(40);
        byte type = (byte) rnd.nextInt(7);
        AppendResult expected = refs.get(user).append(id, item, cat, time, type);
        assertThat(store.append(user, id, item, cat, time, type))
            .as("step %d", step)
            .isEqualTo(expected);
        if (step % 50 == 0) {
          for (int u = 0; u < 3; u++) {
            assertSameView(store.newest(u, 1000), refs.get(u).newest(1000));
            assertSameView(store.newest(u, 37), refs.get(u).newest(37));
            assertSameView(store.asOf(u, clock - 3000, 100), refs.get(u).asOf(clock - 3000, 100));
            assertThat(store.size(u)).isEqualTo(refs.get(u).size());
          }
        }
      }
    }
    // survives reopen
    try (SequenceStore store = SequenceStore.builder().setPath(dir).optLimits(limits).open()) {
      assertSameView(store.newest(1, 1000), refs.get(1).newest(1000));
    }
  }

  private static void assertSameView(SequenceView actual, SequenceView expected) {
    assertThat(actual.items()).containsExactly(expected.items());
    assertThat(actual.categories()).containsExactly(expected.categories());
    assertThat(actual.timesMs()).containsExactly(expected.timesMs());
    assertThat(actual.types()).containsExactly(expected.types());
  }

  @Test
  void ttlExpiresIdleUsers() {
    AtomicLong now = new AtomicLong(T0);
    try (SequenceStore store =
        SequenceStore.builder()
            .setPath(dir)
            .optTtl(Duration.ofHours(1))
            .optClock(now::get)
            .open()) {
      store.append(1, 0, 10, 1, T0, CLICK);
      store.append(2, 0, 20, 1, T0, CLICK);
      now.addAndGet(Duration.ofMinutes(59).toMillis());
      store.append(2, 0, 21, 1, T0 + 1, CLICK);
      now.addAndGet(Duration.ofMinutes(2).toMillis());
      assertThat(store.newest(1, 10).length()).isZero();
      assertThat(store.newest(2, 10).items()).containsExactly(21, 20);
      // an expired user starts afresh on its next append
      store.append(1, 0, 11, 1, T0 + 5, CLICK);
      assertThat(store.newest(1, 10).items()).containsExactly(11);
      now.addAndGet(Duration.ofHours(2).toMillis());
      assertThat(store.purgeExpired()).isEqualTo(2);
      assertThat(store.size(2)).isZero();
    }
  }

  @Test
  void opensAStoreWrittenByTheVersion1MetaFormatAndKeepsItsIds() throws Exception {
    // Written by the store of commit 79281a4 (meta version 1, a 64-id window): user 1, events
    // "e0".."e4" at 2024-03-01T12:00:00Z + i s, items 100..104.
    Path old = dir.resolve("v1");
    Files.createDirectories(old);
    for (String f :
        List.of(
            "000008.sst",
            "000009.sst",
            "000010.log",
            "CURRENT",
            "IDENTITY",
            "MANIFEST-000011",
            "OPTIONS-000013")) {
      try (var in =
          SequenceStoreTest.class.getResourceAsStream("/fixtures/sequence-store-v1/" + f)) {
        Files.copy(in, old.resolve(f));
      }
    }
    long t0 = 1_709_294_400_000L;
    try (SequenceStore store = SequenceStore.builder().setPath(old).open()) {
      assertThat(store.newest(1, 10).items()).containsExactly(104, 103, 102, 101, 100);
      assertThat(store.append(1, EventIds.hash64("e3"), 103, 7, t0 + 3_000, CLICK))
          .isEqualTo(AppendResult.DUPLICATE);
      assertThat(store.append(1, EventIds.hash64("e5"), 105, 7, t0 + 5_000, CLICK))
          .isEqualTo(AppendResult.APPENDED);
    }
    try (SequenceStore store = SequenceStore.builder().setPath(old).open()) {
      assertThat(store.append(1, EventIds.hash64("e0"), 100, 7, t0, CLICK))
          .isEqualTo(AppendResult.DUPLICATE);
      assertThat(store.newest(1, 10).length()).isEqualTo(6);
    }
  }

  @Test
  void duplicatesWithinTheHorizonAreDroppedHoweverManyEventsCameBetween() throws Exception {
    try (SequenceStore store = SequenceStore.builder().setPath(dir).open()) {
      for (int copy = 0; copy < 11; copy++) {
        for (int i = 0; i < 100; i++) {
          store.append(7, EventIds.hash64("e" + i), i, 1, T0 + i * 1000L, CLICK);
        }
      }
      assertThat(store.size(7)).isEqualTo(100);
    }
  }

  @Test
  void readersSeeAConsistentPrefixWhileAnAppenderWrites() throws Exception {
    int events = 3000;
    SequenceLimits limits = SequenceLimits.builder().optMaxLength(500).optDedupHorizonMs(0).build();
    try (SequenceStore store = SequenceStore.builder().setPath(dir).optLimits(limits).open()) {
      ExecutorService pool = Executors.newFixedThreadPool(3);
      CountDownLatch start = new CountDownLatch(1);
      AtomicBoolean done = new AtomicBoolean();
      Future<?> writer =
          pool.submit(
              () -> {
                start.await();
                for (int i = 0; i < events; i++) {
                  store.append(42, 0, i, i % 5, T0 + i, CLICK);
                }
                done.set(true);
                return null;
              });
      List<Future<Integer>> readers = new ArrayList<>();
      for (int r = 0; r < 2; r++) {
        readers.add(
            pool.submit(
                () -> {
                  start.await();
                  int reads = 0;
                  while (!done.get() || reads == 0) {
                    SequenceView v = store.newest(42, 200);
                    if (v.length() > 0) {
                      long newest = v.items()[0];
                      assertThat(v.length()).isEqualTo((int) Math.min(200, newest + 1));
                      for (int k = 0; k < v.length(); k++) {
                        assertThat(v.items()[k]).isEqualTo(newest - k);
                        assertThat(v.timesMs()[k]).isEqualTo(T0 + newest - k);
                      }
                    }
                    reads++;
                  }
                  return reads;
                }));
      }
      start.countDown();
      writer.get(60, TimeUnit.SECONDS);
      for (Future<Integer> f : readers) {
        assertThat(f.get(60, TimeUnit.SECONDS)).isPositive();
      }
      pool.shutdown();
      assertThat(store.size(42)).isEqualTo(500);
      assertThat(store.newest(42, 1).items()).containsExactly(events - 1);
    }
  }

  @Test
  void appendsAreInACrashImageOnceTheLogIsFlushed() throws Exception {
    Path live = dir.resolve("live");
    try (SequenceStore store = SequenceStore.builder().setPath(live).open()) {
      for (int i = 0; i < 100; i++) {
        store.append(7, EventIds.hash64("e" + i), 1000 + i, i % 5, T0 + i * 1000L, CLICK);
      }
      store.flushWal();
      // The files as a process crash right now would leave them (the store stays open).
      Path image = dir.resolve("crash-image");
      copyTree(live, image);
      try (SequenceStore recovered = SequenceStore.builder().setPath(image).open()) {
        SequenceView newest = recovered.newest(7, 200);
        assertThat(newest.length()).isEqualTo(100);
        assertThat(newest.items()[0]).isEqualTo(1099);
      }
    }
  }

  private static void copyTree(Path from, Path to) throws java.io.IOException {
    try (var files = java.nio.file.Files.walk(from)) {
      for (Path f : (Iterable<Path>) files::iterator) {
        Path target = to.resolve(from.relativize(f).toString());
        if (java.nio.file.Files.isDirectory(f)) {
          java.nio.file.Files.createDirectories(target);
        } else if (!f.getFileName().toString().equals("LOCK")) {
          java.nio.file.Files.copy(f, target);
        }
      }
    }
  }

  @Test
  void builderSaysWhatIsMissing() {
    assertThatThrownBy(() -> SequenceStore.builder().open())
        .hasMessageContaining("Path is required");
  }
}
