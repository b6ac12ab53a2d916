package io.darestream.app.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The short version of issue 19's fuzz check: 3,000 forged records of every kind and 300 malformed,
 * slow or oversized HTTP requests against the whole system ({@link SystemFuzz}). No restart, a dead
 * letter with the right reason for every bad record and none for a good one, every good event
 * accepted exactly once and known to serving, no 5xx, readiness 200 throughout. {@code
 * -Dfuzz.records=N -Dfuzz.http=M} for a longer run.
 */
class SystemFuzzITCase {
  private static final long RECORDS = Long.getLong("fuzz.records", 3_000);
  private static final long HTTP = Long.getLong("fuzz.http", 300);

  @TempDir Path tmp;

  @Test
  @Timeout(300)
  void theSystemSurvivesForgedRecordsAndHostileRequests() throws Exception {
    FuzzReport r =
        SystemFuzz.run(new SystemFuzz.Settings(RECORDS, HTTP, 19, tmp, 16, Duration.ofMinutes(2)));
    System.out.print(r.format());

    assertThat(r.problems()).isEmpty();
    assertThat(r.restarts()).isZero();
    assertThat(r.maxTaskAttempt()).isZero();
    assertThat(r.deadLettersTotal())
        .isEqualTo(r.expectedDeadLettersTotal())
        .isGreaterThan(RECORDS / 2);
    assertThat(r.deadLetters()).isEqualTo(r.expectedDeadLetters());
    assertThat(r.goodLost()).isZero();
    assertThat(r.goodAcceptedExactly()).isEqualTo(r.goodEvents()).isPositive();
    assertThat(r.goodUsersKnown()).isEqualTo(r.goodEvents());
    assertThat(r.valid5xx()).isZero();
    assertThat(r.attacks5xx()).isZero();
    assertThat(r.http().attacksSent()).isEqualTo(HTTP);
    assertThat(r.http().valid().get(200)).isPositive();
    assertThat(r.http().readyNot200()).isZero();
  }
}
