package io.darestream.app.fuzz;

import io.darestream.schemas.testing.ForgedRecords.Kind;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * What a {@link SystemFuzz} run found: dead letters by reason as read from the dead-letter topic
 * against what each forged record must get, good events accepted exactly once, users serving knows,
 * job restarts, HTTP answers by class, readiness. {@link #problems()} lists every way the run fell
 * short of "0 restarts, dead letters = bad records, 0 good events lost, 0 5xx".
 *
 * @param recordsByKind forged records sent, by kind
 * @param expectedDeadLetters what the event policy refuses, by reason code
 * @param deadLetters what the dead-letter topic holds, by reason code
 * @param deadLetterMismatches dead letters whose reason differs from the record's expected outcome,
 *     records dead-lettered twice, and dead letters of records that must be accepted
 * @param expectedAccepted records the job must accept (duplicates included)
 * @param accepted records the job's ingest accepted
 * @param goodEvents GOOD records sent (each a new event id and user)
 * @param goodAcceptedExactly good events whose id the job accepted exactly as often as records
 *     carrying it must be accepted (duplicates re-send some)
 * @param goodLost good events never accepted
 * @param acceptedWrongly accepted event ids with a count other than expected (lost, doubled,
 *     unexpected)
 * @param goodUsersKnown good users serving answers {@code user_known: true} for
 * @param restarts the job's numRestarts metric (REST API of the MiniCluster); -1 if unreadable
 * @param maxTaskAttempt highest attempt number of the job's tasks (0: never restarted)
 * @param phases seconds from the start at which each phase of the run ended
 * @param examples a few of the problems, for the log
 */
record FuzzReport(
    long records,
    Map<Kind, Long> recordsByKind,
    Map<String, Long> expectedDeadLetters,
    Map<String, Long> deadLetters,
    long deadLetterMismatches,
    long expectedAccepted,
    long accepted,
    long goodEvents,
    long goodAcceptedExactly,
    long goodLost,
    long acceptedWrongly,
    long goodUsersKnown,
    long restarts,
    int maxTaskAttempt,
    HttpFuzz.Result http,
    double seconds,
    double loadAverage,
    Map<String, Double> phases,
    List<String> examples) {

  long deadLettersTotal() {
    return deadLetters.values().stream().mapToLong(Long::longValue).sum();
  }

  long expectedDeadLettersTotal() {
    return expectedDeadLetters.values().stream().mapToLong(Long::longValue).sum();
  }

  long valid5xx() {
    return http.valid().entrySet().stream()
        .filter(e -> e.getKey() >= 500)
        .mapToLong(Map.Entry::getValue)
        .sum();
  }

  long attacks5xx() {
    return http.allAttackStatuses().entrySet().stream()
        .filter(e -> e.getKey() >= 500)
        .mapToLong(Map.Entry::getValue)
        .sum();
  }

  /** Every way the run fell short; empty when the system survived. */
  List<String> problems() {
    List<String> p = new ArrayList<>();
    if (restarts != 0 || maxTaskAttempt != 0) {
      p.add("job restarted: numRestarts " + restarts + ", highest task attempt " + maxTaskAttempt);
    }
    if (!deadLetters.equals(expectedDeadLetters) || deadLetterMismatches != 0) {
      p.add(
          "dead letters "
              + deadLetters
              + " differ from the bad records "
              + expectedDeadLetters
              + " ("
              + deadLetterMismatches
              + " records with the wrong or a second dead letter)");
    }
    if (goodLost != 0 || goodAcceptedExactly != goodEvents || acceptedWrongly != 0) {
      p.add(
          String.format(
              "good events: %d sent, %d accepted exactly once, %d lost; %d event ids accepted a"
                  + " wrong number of times",
              goodEvents, goodAcceptedExactly, goodLost, acceptedWrongly));
    }
    if (accepted != expectedAccepted) {
      p.add("job accepted " + accepted + " records, expected " + expectedAccepted);
    }
    if (goodUsersKnown != goodEvents) {
      p.add("serving knows " + goodUsersKnown + " of " + goodEvents + " good users");
    }
    if (http.wrongCount() != 0) {
      p.add(http.wrongCount() + " HTTP answers not as documented");
    }
    if (http.readyNot200() != 0) {
      p.add("readiness not 200 in " + http.readyNot200() + " of " + http.readyProbes() + " probes");
    }
    if (http.valid().getOrDefault(200, 0L) == 0) {
      p.add("no valid scoring request was answered 200");
    }
    return p;
  }

  /** A human-readable summary, as BENCHMARKS.md records it. */
  String format() {
    StringBuilder b = new StringBuilder();
    b.append(
        String.format(
            Locale.ROOT,
            "== system fuzz: %,d forged records, %,d HTTP attacks in %.0f s (load average %.1f)"
                + " ==%n",
            records,
            http.attacksSent(),
            seconds,
            loadAverage));
    b.append("records by kind:      ").append(recordsByKind).append('\n');
    b.append(
        String.format(
            "dead letters (topic): %,d of %,d bad records expected; %d mismatched%n",
            deadLettersTotal(), expectedDeadLettersTotal(), deadLetterMismatches));
    deadLetters.forEach(
        (reason, n) ->
            b.append(
                String.format(
                    "  %-22s %,8d (expected %,d)%n",
                    reason, n, expectedDeadLetters.getOrDefault(reason, 0L))));
    expectedDeadLetters.forEach(
        (reason, n) -> {
          if (!deadLetters.containsKey(reason)) {
            b.append(String.format("  %-22s %,8d (expected %,d)%n", reason, 0, n));
          }
        });
    b.append(
        String.format(
            "accepted by the job:  %,d of %,d expected (duplicates included)%n",
            accepted, expectedAccepted));
    b.append(
        String.format(
            "good events:          %,d sent, %,d accepted exactly once, %,d lost;"
                + " serving knows %,d of %,d good users%n",
            goodEvents, goodAcceptedExactly, goodLost, goodUsersKnown, goodEvents));
    b.append(
        String.format(
            "job restarts:         %d (numRestarts), highest task attempt %d%n",
            restarts, maxTaskAttempt));
    b.append(
        String.format(
            "HTTP valid requests:  %s by class %s%n",
            http.valid(), HttpFuzz.Result.byClass(http.valid())));
    b.append(
        String.format(
            "HTTP attacks:         %s by class %s; %d not as documented%n",
            http.allAttackStatuses(),
            HttpFuzz.Result.byClass(http.allAttackStatuses()),
            http.wrongCount()));
    http.attacks().forEach((k, m) -> b.append(String.format("  %-22s %s%n", k, m)));
    b.append(
        String.format(
            "readiness:            %,d probes, %d not 200%n",
            http.readyProbes(), http.readyNot200()));
    b.append("phases (s from start): ");
    phases.forEach((k, v) -> b.append(String.format(Locale.ROOT, "%s %.0f; ", k, v)));
    b.append('\n');
    List<String> problems = problems();
    b.append(problems.isEmpty() ? "result:               survived\n" : "PROBLEMS:\n");
    problems.forEach(s -> b.append("  ").append(s).append('\n'));
    examples.forEach(s -> b.append("  e.g. ").append(s).append('\n'));
    http.wrong().forEach(s -> b.append("  e.g. ").append(s).append('\n'));
    return b.toString();
  }

  FuzzReport {
    Objects.requireNonNull(http, "http");
  }
}
