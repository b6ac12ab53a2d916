package io.darestream.app.local;

import java.util.List;
import java.util.Locale;

/**
 * A local run's input held no event to replay: an empty file, or one whose every line was
 * malformed. Refused with the first reason, instead of a run that trains nothing and reports NaN.
 */
public final class EmptyInputException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  EmptyInputException(String dataset, long skipped, List<String> reasons) {
    super(message(dataset, skipped, reasons));
  }

  private static String message(String dataset, long skipped, List<String> reasons) {
    if (skipped == 0) {
      return "no event to replay in " + dataset + ": the input is empty";
    }
    return String.format(
        Locale.ROOT,
        "no event to replay in %s: its %,d line%s malformed%s",
        dataset,
        skipped,
        skipped == 1 ? " is" : "s are",
        reasons.isEmpty() ? "" : ", the first: " + reasons.get(0));
  }
}
