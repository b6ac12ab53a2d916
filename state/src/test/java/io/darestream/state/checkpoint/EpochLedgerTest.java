package io.darestream.state.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.darestream.state.StateStoreException;
import io.darestream.state.io.ChecksummedText;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EpochLedgerTest {
  @TempDir Path dir;

  @Test
  void epochsBegunAreNeverBegunAgainByALaterLedger() throws IOException {
    assertThat(new EpochLedger(dir).newest()).isZero();
    assertThat(new EpochLedger(dir).begin(0)).isEqualTo(1);
    // Two attempts that both restore a checkpoint of epoch 1 (the second fails before any
    // checkpoint of its own): each begins a new one.
    assertThat(new EpochLedger(dir).begin(1)).isEqualTo(2);
    assertThat(new EpochLedger(dir).begin(1)).isEqualTo(3);
    // A larger lower bound (e.g. a published snapshot's epoch) wins.
    assertThat(new EpochLedger(dir).begin(10)).isEqualTo(11);
    assertThat(new EpochLedger(dir).newest()).isEqualTo(11);
    try (Stream<Path> files = Files.list(dir)) {
      assertThat(files.map(p -> p.getFileName().toString())).containsExactly("EPOCH");
    }
    assertThat(Files.readString(dir.resolve("EPOCH"))).startsWith("DARE-EPOCH 1\nepoch 11\n");
  }

  @Test
  void aCorruptOrForeignFileIsRefusedWithAClearErrorAndLeftAsItIs() throws IOException {
    EpochLedger ledger = new EpochLedger(dir);
    ledger.begin(4);
    Path file = ledger.file();
    byte[] bytes = Files.readAllBytes(file);
    bytes[bytes.length / 3] ^= 1;
    Files.write(file, bytes);
    assertThatThrownBy(ledger::newest)
        .isInstanceOf(StateStoreException.class)
        .hasMessageContaining("epoch ledger")
        .hasMessageContaining("checksum mismatch");
    assertThatThrownBy(() -> ledger.begin(0)).isInstanceOf(StateStoreException.class);
    assertThat(Files.readAllBytes(file)).isEqualTo(bytes);

    Files.write(file, ChecksummedText.render(EpochLedger.FORMAT, 2, "epoch 9\n"));
    assertThatThrownBy(ledger::newest).hasMessageContaining("format version 2");
    Files.write(file, ChecksummedText.render(EpochLedger.FORMAT, 1, "epoch x\n"));
    assertThatThrownBy(ledger::newest).isInstanceOf(StateStoreException.class);
  }

  @Test
  void aTemporaryFileLeftByACrashIsIgnoredAndRemoved() throws IOException {
    new EpochLedger(dir).begin(0);
    Files.write(dir.resolve(".EPOCH.tmp-123"), new byte[] {1, 2});
    EpochLedger ledger = new EpochLedger(dir);
    assertThat(ledger.newest()).isEqualTo(1);
    assertThat(ledger.begin(0)).isEqualTo(2);
    assertThat(dir.resolve(".EPOCH.tmp-123")).doesNotExist();
  }
}
