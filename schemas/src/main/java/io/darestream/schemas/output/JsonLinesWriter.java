package io.darestream.schemas.output;

import io.darestream.schemas.avro.BehaviorEvent;
import io.darestream.schemas.input.EventJson;
import java.io.IOException;
import java.io.Writer;
import java.nio.file.Path;

/** Writes JSON lines of {@link BehaviorEvent} in the form {@link EventJson} defines. */
public final class JsonLinesWriter extends TextWriter {
  private JsonLinesWriter(Writer out, String target) {
    super(out, target);
  }

  /** Creates (or truncates) {@code file}; {@code .gz} is gzipped. */
  public static JsonLinesWriter open(Path file) throws IOException {
    return new JsonLinesWriter(openFile(file), file.toString());
  }

  @Override
  public void write(BehaviorEvent event) {
    EventJson.write(event, out);
    try {
      out.write('\n');
    } catch (IOException e) {
      throw failure(e);
    }
    counted();
  }
}
