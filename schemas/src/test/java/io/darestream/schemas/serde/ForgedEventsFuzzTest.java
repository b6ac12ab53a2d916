package io.darestream.schemas.serde;

import static org.assertj.core.api.Assertions.assertThat;

import io.darestream.schemas.testing.ForgedRecords;
import io.darestream.schemas.testing.ForgedRecords.Forged;
import io.darestream.schemas.testing.ForgedRecords.Kind;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * Forged {@code behavior-events} records of every kind through the real decoder and validator:
 * every record gets an outcome it is allowed (a reason for every bad one, acceptance for every good
 * one), and no record makes decoding allocate more than a bound set by the event limits.
 *
 * <p>Short by default (2,000 records); {@code -Dfuzz.records=100000 -Dfuzz.seed=N} for a long run
 * (see the module README). Prints outcomes by kind.
 */
class ForgedEventsFuzzTest {
  private static final long RECORDS = Long.getLong("fuzz.records", 2_000);
  private static final long SEED = Long.getLong("fuzz.seed", 1);

  /**
   * Most one record may make decoding and validation allocate: the 64 KiB record limit, its copy as
   * a String (UTF-16), and the exception with its stack trace, with room to spare.
   */
  private static final long MAX_ALLOCATION_PER_RECORD = 1 << 20;

  private static long allocatedBytes() {
    return ((com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean())
        .getThreadAllocatedBytes(Thread.currentThread().getId());
  }

  @Test
  void everyForgedRecordGetsAnAllowedOutcomeWithinABoundedAllocation() {
    Map<Kind, Map<String, Long>> outcomes = new EnumMap<>(Kind.class);
    List<String> wrong = new ArrayList<>();
    long maxAllocation = 0;
    Forged maxAllocator = null;
    // First use loads classes and fills caches; that is not what a record costs.
    new ForgedRecords(Kind.values().length, SEED + 1, 1)
        .forEach(f -> ForgedRecords.outcomeOf(f.value()));
    for (Forged f : new ForgedRecords(RECORDS, SEED, 1)) {
      long before = allocatedBytes();
      String outcome = ForgedRecords.outcomeOf(f.value());
      long allocated = allocatedBytes() - before;
      if (allocated > maxAllocation) {
        maxAllocation = allocated;
        maxAllocator = f;
      }
      outcomes.computeIfAbsent(f.kind(), k -> new TreeMap<>()).merge(outcome, 1L, Long::sum);
      if (!f.allows(outcome) && wrong.size() < 20) {
        wrong.add(f + " -> " + outcome);
      }
    }
    System.out.printf(
        "forged %,d records (seed %d); most allocated by one: %,d bytes (%s)%n",
        RECORDS, SEED, maxAllocation, maxAllocator);
    outcomes.forEach((kind, byOutcome) -> System.out.printf("  %-20s %s%n", kind, byOutcome));

    assertThat(wrong).as("records with an outcome their kind does not allow").isEmpty();
    assertThat(outcomes).as("every kind forged").containsOnlyKeys(Kind.values());
    assertThat(maxAllocation)
        .as("bytes allocated for %s", maxAllocator)
        .isLessThan(MAX_ALLOCATION_PER_RECORD);
  }
}
