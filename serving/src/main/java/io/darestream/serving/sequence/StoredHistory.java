package io.darestream.serving.sequence;

import io.darestream.serving.scoring.HistorySource;
import io.darestream.serving.scoring.UserHistory;
import io.darestream.state.sequence.SequenceStore;
import io.darestream.state.sequence.SequenceView;

/** Users' histories from the state module's RocksDB {@link SequenceStore}. */
public final class StoredHistory implements HistorySource {
  private final SequenceStore store;

  public StoredHistory(SequenceStore store) {
    this.store = store;
  }

  @Override
  public UserHistory newest(long userId, int max) {
    SequenceView v = store.newest(userId, max);
    if (v.length() == 0) {
      return UserHistory.UNKNOWN;
    }
    return new UserHistory(v.items(), v.categories(), true);
  }
}
