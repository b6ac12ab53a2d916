package io.darestream.schemas.input;

import io.darestream.schemas.avro.BehaviorEvent;
import io.darestream.schemas.avro.BehaviorType;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.Reader;
import java.nio.file.Path;

/**
 * Reads Taobao UserBehavior CSV: {@code user_id,item_id,category_id,behavior_type,timestamp}, no
 * header, behaviour types {@code pv|cart|fav|buy}, timestamps in epoch seconds (events carry ms).
 *
 * <p>Event ids are {@code taobao:<user>:<item>:<behavior>:<seconds>}: a replay of the same file
 * yields the same ids, so the sequence store's dedup drops a second replay.
 */
public final class TaobaoCsv implements LineParser {
  /** Prefix of the deterministic event ids. */
  public static final String ID_PREFIX = "taobao:";

  private TaobaoCsv() {}

  /** Opens {@code file} (plain or {@code .gz}) for streaming. */
  public static EventReader open(Path file, ParseOptions options) throws IOException {
    return new LineEventReader(TextFiles.open(file), file.toString(), new TaobaoCsv(), options);
  }

  /** Reads from {@code in}; {@code source} names it in bad-line reports. */
  public static EventReader read(Reader in, String source, ParseOptions options) {
    BufferedReader buffered =
        in instanceof BufferedReader b ? b : new BufferedReader(in, TextFiles.BUFFER_CHARS);
    return new LineEventReader(buffered, source, new TaobaoCsv(), options);
  }

  /** The behaviour type for a Taobao behaviour word, or null if it is not one. */
  static BehaviorType typeOf(String line, int from, int to) {
    if (Fields.is(line, from, to, "pv")) {
      return BehaviorType.PV;
    } else if (Fields.is(line, from, to, "cart")) {
      return BehaviorType.CART;
    } else if (Fields.is(line, from, to, "fav")) {
      return BehaviorType.FAV;
    } else if (Fields.is(line, from, to, "buy")) {
      return BehaviorType.BUY;
    }
    return null;
  }

  @Override
  public BehaviorEvent parse(String line) throws InvalidLineException {
    int c1 = line.indexOf(',');
    int c2 = c1 < 0 ? -1 : line.indexOf(',', c1 + 1);
    int c3 = c2 < 0 ? -1 : line.indexOf(',', c2 + 1);
    int c4 = c3 < 0 ? -1 : line.indexOf(',', c3 + 1);
    if (c4 < 0 || line.indexOf(',', c4 + 1) >= 0) {
      throw new InvalidLineException(
          "expected 5 fields user_id,item_id,category_id,behavior_type,timestamp but found "
              + Fields.countFields(line));
    }
    long user = Fields.parseId(line, 0, c1, "user_id");
    long item = Fields.parseId(line, c1 + 1, c2, "item_id");
    long category = Fields.parseId(line, c2 + 1, c3, "category_id");
    BehaviorType type = typeOf(line, c3 + 1, c4);
    if (type == null) {
      throw new InvalidLineException(
          "behavior_type '" + line.substring(c3 + 1, c4) + "' is not one of pv, cart, fav, buy");
    }
    long seconds = Fields.parseId(line, c4 + 1, line.length(), "timestamp");
    long millis = Fields.secondsToMillis(seconds, "timestamp");
    String id = ID_PREFIX + user + ':' + item + ':' + line.substring(c3 + 1, c4) + ':' + seconds;
    return new BehaviorEvent(id, user, item, category, type, millis, null);
  }
}
