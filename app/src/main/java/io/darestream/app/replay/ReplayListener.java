package io.darestream.app.replay;

/** Told how a replay is going; the CLI's progress line and the local runner listen. */
@FunctionalInterface
public interface ReplayListener {
  /**
   * Called from the replay thread after every send.
   *
   * @param sent events sent so far
   * @param acknowledged of those, acknowledged by the broker
   * @param eventTimeMs event time of the last event sent
   */
  void progress(long sent, long acknowledged, long eventTimeMs);

  /** Ignores everything. */
  ReplayListener NONE = (sent, acknowledged, eventTimeMs) -> {};
}
