package io.darestream.app.replay;

import io.darestream.schemas.avro.BehaviorEvent;
import io.darestream.schemas.generator.GeneratorConfig;
import io.darestream.schemas.generator.GeneratorMode;
import io.darestream.schemas.generator.StreamGenerator;
import io.darestream.schemas.input.EventFormat;
import io.darestream.schemas.output.EventWriter;
import io.darestream.schemas.output.EventWriters;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Iterator;

/**
 * Writes Taobao UserBehavior-style files the way the real one is laid out: ordered by user, then by
 * time, so the file as a whole is not in time order.
 */
public final class UserOrderedFiles {
  private UserOrderedFiles() {}

  /** A click-only generated stream of {@code users} users written user by user as Taobao CSV. */
  public static Path taobao(Path file, int users, int behaviorsPerUser) throws IOException {
    StreamGenerator gen =
        new StreamGenerator(
            GeneratorConfig.builder()
                .setUsers(users)
                .setItems(Math.max(200, users * 10))
                .setBehaviorsPerUser(behaviorsPerUser)
                .optMode(GeneratorMode.CLICK_ONLY)
                .optSeed(7)
                .build());
    try (EventWriter w = EventWriters.open(EventFormat.TAOBAO, file)) {
      for (long user = 1; user <= users; user++) {
        for (Iterator<BehaviorEvent> it = gen.eventsOf(user); it.hasNext(); ) {
          w.write(it.next());
        }
      }
    }
    return file;
  }
}
