package io.darestream.serving.sequence;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OffsetFileTest {
  @TempDir Path dir;

  @Test
  void roundTripsAndReplaces() throws IOException {
    OffsetFile f = new OffsetFile(dir.resolve("offsets"));
    assertThat(f.read()).isEmpty();

    f.write(
        Map.of(
            new TopicPartition("behavior-events", 0),
            5L,
            new TopicPartition("behavior-events", 3),
            9L));
    f.write(Map.of(new TopicPartition("behavior-events", 0), 7L));

    assertThat(f.read()).containsExactly(Map.entry(new TopicPartition("behavior-events", 0), 7L));
  }

  @Test
  void detectsCorruptionAndTruncation() throws IOException {
    Path p = dir.resolve("offsets");
    OffsetFile f = new OffsetFile(p);
    f.write(Map.of(new TopicPartition("t", 0), 123L));
    String good = Files.readString(p);

    Files.writeString(p, good.replace("123", "124"));
    assertThatThrownBy(f::read).hasMessageContaining("checksum");

    Files.writeString(p, good.substring(0, good.indexOf("sha256")));
    assertThatThrownBy(f::read).hasMessageContaining("truncated");

    Files.writeString(p, good.replace(OffsetFile.MAGIC, "DARE-SOMETHING-ELSE"));
    assertThatThrownBy(f::read).isInstanceOf(IOException.class);
  }

  @Test
  void readsTheCrc32FilesOfVersion1() throws IOException {
    // Written by the serving build before the format moved to state's ChecksummedText.
    Path p = dir.resolve("offsets");
    Files.writeString(p, "DARE-SERVING-OFFSETS 1\nbehavior-events 0 42\ncrc32 172d6a32\n");
    assertThat(new OffsetFile(p).read())
        .containsExactly(Map.entry(new TopicPartition("behavior-events", 0), 42L));

    Files.writeString(p, "DARE-SERVING-OFFSETS 1\nbehavior-events 0 43\ncrc32 172d6a32\n");
    assertThatThrownBy(new OffsetFile(p)::read).hasMessageContaining("checksum");
  }
}
