package io.darestream.app.replay;

import io.darestream.schemas.avro.BehaviorEvent;
import io.darestream.schemas.avro.BehaviorType;
import java.io.DataInput;
import java.io.DataOutput;
import java.io.EOFException;
import java.io.IOException;

/**
 * Compact binary form of a {@link BehaviorEvent} for the temporary run files of {@link
 * ExternalTimeSort}: fixed fields plus the two strings, no schema header (the files never leave one
 * sort).
 */
final class EventRecords {
  private static final BehaviorType[] TYPES = BehaviorType.values();

  private EventRecords() {}

  static void write(DataOutput out, BehaviorEvent e) throws IOException {
    out.writeLong(e.getEventTimeMs());
    out.writeUTF(e.getEventId());
    out.writeLong(e.getUserId());
    out.writeLong(e.getItemId());
    out.writeLong(e.getCategoryId());
    out.writeByte(e.getType().ordinal());
    String request = e.getRequestId();
    out.writeBoolean(request != null);
    if (request != null) {
      out.writeUTF(request);
    }
  }

  /** The next event, or null at the end of the input. */
  static BehaviorEvent read(DataInput in) throws IOException {
    long time;
    try {
      time = in.readLong();
    } catch (EOFException end) {
      return null;
    }
    String id = in.readUTF();
    long user = in.readLong();
    long item = in.readLong();
    long category = in.readLong();
    BehaviorType type = TYPES[in.readByte()];
    String request = in.readBoolean() ? in.readUTF() : null;
    return new BehaviorEvent(id, user, item, category, type, time, request);
  }
}
