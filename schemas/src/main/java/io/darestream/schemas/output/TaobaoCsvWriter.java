package io.darestream.schemas.output;

import io.darestream.schemas.avro.BehaviorEvent;
import java.io.IOException;
import java.io.Writer;
import java.nio.file.Path;

/**
 * Writes Taobao UserBehavior CSV ({@code user,item,category,behavior,seconds}). Taobao has no
 * impressions: CLICK is written as {@code pv} (a click-only stream then replays as page views), and
 * an IMPRESSION is refused. Milliseconds are truncated to seconds.
 */
public final class TaobaoCsvWriter extends TextWriter {
  private TaobaoCsvWriter(Writer out, String target) {
    super(out, target);
  }

  /** Creates (or truncates) {@code file}; {@code .gz} is gzipped. */
  public static TaobaoCsvWriter open(Path file) throws IOException {
    return new TaobaoCsvWriter(openFile(file), file.toString());
  }

  @Override
  public void write(BehaviorEvent event) {
    String behavior =
        switch (event.getType()) {
          case PV, CLICK -> "pv";
          case CART -> "cart";
          case FAV -> "fav";
          case BUY -> "buy";
          default ->
              throw new IllegalArgumentException(
                  "Taobao CSV cannot hold a "
                      + event.getType()
                      + " event ("
                      + event.getEventId()
                      + "): generate click-only or write the events format");
        };
    try {
      out.write(Long.toString(event.getUserId()));
      out.write(',');
      out.write(Long.toString(event.getItemId()));
      out.write(',');
      out.write(Long.toString(event.getCategoryId()));
      out.write(',');
      out.write(behavior);
      out.write(',');
      out.write(Long.toString(Math.floorDiv(event.getEventTimeMs(), 1000L)));
      out.write('\n');
    } catch (IOException e) {
      throw failure(e);
    }
    counted();
  }
}
