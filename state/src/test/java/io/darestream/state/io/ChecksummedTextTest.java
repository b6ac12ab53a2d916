package io.darestream.state.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.darestream.state.codec.CorruptDataException;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ChecksummedTextTest {
  @TempDir Path dir;

  @Test
  void roundTripsAndDetectsAFlippedByte() throws IOException {
    Path file = dir.resolve("MANIFEST");
    byte[] bytes = ChecksummedText.render("DARE-TEST", 3, "a 1\nb 2\n");
    Files.write(file, bytes);

    ChecksummedText.Content c = ChecksummedText.read(file, "DARE-TEST");
    assertThat(c.version()).isEqualTo(3);
    assertThat(c.body()).isEqualTo("a 1\nb 2\n");

    bytes[bytes.length / 2] ^= 1;
    Files.write(file, bytes);
    assertThatThrownBy(() -> ChecksummedText.read(file, "DARE-TEST"))
        .isInstanceOf(CorruptDataException.class);
  }

  @Test
  void aFileLargerThanAnyManifestIsRefusedWithoutReadingIt() throws IOException {
    Path file = dir.resolve("MANIFEST");
    try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
      f.setLength(ChecksummedText.MAX_BYTES + 1); // sparse: takes no disk
    }

    assertThatThrownBy(() -> ChecksummedText.read(file, "DARE-TEST"))
        .isInstanceOf(CorruptDataException.class)
        .hasMessageContaining((ChecksummedText.MAX_BYTES + 1) + " bytes, more than any DARE-TEST");
  }
}
