package io.darestream.jobs.bootstrap;

import io.darestream.jobs.serde.SerializerTypeInfo;
import io.darestream.jobs.serde.ValueSerializer;
import io.darestream.state.sequence.BehaviorSequence;
import io.darestream.state.sequence.SequenceCodec;
import java.io.IOException;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.SimpleTypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

/**
 * Flink serializer of {@link UserState} on its way from the history replay into the savepoint
 * writer: format byte, user, the sequence through the state module's codec, pending impressions by
 * item, timers. Every count is checked against a bound before anything is allocated.
 */
public final class UserStateSerializer extends ValueSerializer<UserState> {
  private static final long serialVersionUID = 1L;

  public static final UserStateSerializer INSTANCE = new UserStateSerializer();

  public static final TypeInformation<UserState> TYPE_INFO =
      new SerializerTypeInfo<>(UserState.class, INSTANCE);

  private static final byte FORMAT = 1;
  // Far above what the label join holds per user (one entry per impression in one window).
  private static final int MAX_COUNT = 1 << 20;

  private UserStateSerializer() {
    super(false, Snapshot.class);
  }

  @Override
  public void serialize(UserState s, DataOutputView out) throws IOException {
    out.writeByte(FORMAT);
    out.writeLong(s.userId());
    out.writeBoolean(s.sequence() != null);
    if (s.sequence() != null) {
      writeLengthPrefixed(SequenceCodec.serialize(s.sequence()), out);
    }
    out.writeInt(s.pending().size());
    for (Map.Entry<Long, long[]> e : s.pending().entrySet()) {
      out.writeLong(e.getKey());
      writeLongs(e.getValue(), out);
    }
    writeLongs(s.timers(), out);
  }

  @Override
  public UserState deserialize(DataInputView in) throws IOException {
    readFormat(in, FORMAT, "user state");
    long user = in.readLong();
    BehaviorSequence sequence = null;
    if (in.readBoolean()) {
      sequence =
          SequenceCodec.deserialize(readLengthPrefixed(in, Integer.MAX_VALUE, "user sequence"));
    }
    int n = count(in, "pending items");
    SortedMap<Long, long[]> pending = new TreeMap<>();
    for (int i = 0; i < n; i++) {
      long item = in.readLong();
      pending.put(item, readLongs(in, "pending impressions"));
    }
    return new UserState(user, sequence, pending, readLongs(in, "timers"));
  }

  @Override
  public void copy(DataInputView in, DataOutputView out) throws IOException {
    serialize(deserialize(in), out);
  }

  private static void writeLongs(long[] values, DataOutputView out) throws IOException {
    out.writeInt(values.length);
    for (long v : values) {
      out.writeLong(v);
    }
  }

  private static long[] readLongs(DataInputView in, String what) throws IOException {
    long[] values = new long[count(in, what)];
    for (int i = 0; i < values.length; i++) {
      values[i] = in.readLong();
    }
    return values;
  }

  private static int count(DataInputView in, String what) throws IOException {
    int n = in.readInt();
    if (n < 0 || n > MAX_COUNT) {
      throw new IOException(what + ": count " + n + " outside [0, " + MAX_COUNT + "]");
    }
    return n;
  }

  /** Snapshot of the (stateless) serializer. */
  public static final class Snapshot extends SimpleTypeSerializerSnapshot<UserState> {
    public Snapshot() {
      super(() -> INSTANCE);
    }
  }
}
