package io.darestream.serving.scoring;

/** Reads users' stored behaviour sequences; thread-safe. */
public interface HistorySource {
  /** The newest {@code max} behaviours of {@code userId}, or {@link UserHistory#UNKNOWN}. */
  UserHistory newest(long userId, int max);
}
