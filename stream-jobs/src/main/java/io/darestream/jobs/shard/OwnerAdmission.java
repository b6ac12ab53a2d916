package io.darestream.jobs.shard;

import io.darestream.model.DareConfig;
import io.darestream.model.collections.LongHashSet;
import io.darestream.model.embedding.EmbeddingTable;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeutils.base.array.LongPrimitiveArraySerializer;
import org.apache.flink.runtime.state.KeyedStateBackend;
import org.apache.flink.runtime.state.VoidNamespace;
import org.apache.flink.runtime.state.VoidNamespaceSerializer;

/**
 * Admission for a row owner ({@code dare.model.admission-min-count}): a row is created and trained
 * only once its id was seen that many times (each micro-batch that touched it counts once, as in
 * the single trainer), and a count is forgotten when the id is not seen again within one expiry
 * horizon (kept until admission without expiry). The counts decide what is trained, so they are
 * Flink keyed state beside the rows (one {@code long[]{count, last seen}} per pending id, key = row
 * id): they are checkpointed, restored exactly once and rescaled with the rows' key groups, where
 * the single trainer's in-memory counts would start over after every restore. The owner's own
 * tables admit every row they are given ({@link #tablesAdmitEverything}).
 *
 * <p>Costs nothing at the default count of 1: every row is admitted and no state is touched.
 */
final class OwnerAdmission {
  /** Keyed state name of table {@code t}'s pending admission counts. */
  static String stateName(String table) {
    return "owner-admission." + table;
  }

  private final int minCount;
  private final long expiryMs;
  private final KeyedStateBackend<Long> backend;
  private final List<String> tables;
  private final List<ValueState<long[]>> counts = new ArrayList<>();
  private long forgetAtMs = Long.MIN_VALUE;

  /** Admission for the owner of {@code backend}, whose model has {@code tables} in this order. */
  OwnerAdmission(DareConfig config, KeyedStateBackend<Long> backend, List<String> tables)
      throws Exception {
    this.minCount = config.admissionMinCount();
    this.expiryMs = config.expiryMs();
    this.backend = backend;
    this.tables = List.copyOf(tables);
    if (minCount > 1) {
      for (String t : tables) {
        counts.add(
            backend.getPartitionedState(
                VoidNamespace.INSTANCE,
                VoidNamespaceSerializer.INSTANCE,
                new ValueStateDescriptor<>(stateName(t), LongPrimitiveArraySerializer.INSTANCE)));
      }
    }
  }

  /** The owner's model config: admission is decided here, so its tables admit every row. */
  static DareConfig tablesAdmitEverything(DareConfig config) {
    return config.toBuilder().admissionMinCount(1).build();
  }

  /**
   * The rows of {@code b} that are trained: those with a row in {@code table} (loaded from state
   * first) and those admitted now; the sightings of the others are counted. Returns {@code b}
   * itself when every row is trained.
   */
  GradientBatch admit(GradientBatch b, EmbeddingTable table) throws Exception {
    if (minCount <= 1) {
      return b;
    }
    long clock = b.newestEventTimeMs();
    ValueState<long[]> state = counts.get(b.table());
    boolean[] keep = new boolean[b.size()];
    int kept = 0;
    // An id repeats once per micro-batch (entries not coalesced): admitted by one entry, its later
    // entries in the batch are kept too (its row is created when the batch is applied).
    LongHashSet admittedHere = new LongHashSet(8);
    for (int r = 0; r < b.size(); r++) {
      long id = b.ids()[r];
      if (table.contains(id) || admittedHere.contains(id)) {
        keep[r] = true;
        kept++;
        continue;
      }
      backend.setCurrentKey(id);
      long[] pending = state.value();
      long seen = pending == null || forgotten(pending[1], clock) ? 0 : pending[0];
      seen += b.contributions()[r];
      if (seen >= minCount) {
        admittedHere.add(id);
        state.clear();
        keep[r] = true;
        kept++;
      } else {
        state.update(new long[] {seen, Math.max(clock, pending == null ? clock : pending[1])});
      }
    }
    return b.keepOnly(keep, kept);
  }

  private boolean forgotten(long lastSeenMs, long clockMs) {
    return expiryMs > 0 && clockMs - lastSeenMs >= expiryMs;
  }

  /**
   * Drops the counts not seen for a horizon as of {@code clockMs}, at most once per horizon (a scan
   * of the pending ids), so that ids seen once and never again do not stay in state for ever.
   *
   * @return counts dropped
   */
  int forgetStale(long clockMs) throws Exception {
    if (minCount <= 1 || expiryMs <= 0 || clockMs == Long.MIN_VALUE) {
      return 0;
    }
    if (forgetAtMs == Long.MIN_VALUE) {
      forgetAtMs = clockMs + expiryMs;
      return 0;
    }
    if (clockMs < forgetAtMs) {
      return 0;
    }
    forgetAtMs = clockMs + expiryMs;
    int dropped = 0;
    for (int t = 0; t < tables.size(); t++) {
      ValueState<long[]> state = counts.get(t);
      List<Long> pendingIds;
      try (Stream<Long> ids =
          backend.<VoidNamespace>getKeys(stateName(tables.get(t)), VoidNamespace.INSTANCE)) {
        pendingIds = ids.toList();
      }
      List<Long> stale = new ArrayList<>();
      for (long id : pendingIds) {
        backend.setCurrentKey(id);
        long[] pending = state.value();
        if (pending != null && forgotten(pending[1], clockMs)) {
          stale.add(id);
        }
      }
      for (long id : stale) {
        backend.setCurrentKey(id);
        state.clear();
      }
      dropped += stale.size();
    }
    return dropped;
  }
}
