package io.darestream.serving.bench;

import io.darestream.serving.ServingServer;
import io.darestream.serving.fixtures.LoopbackServers;
import io.darestream.state.sequence.SequenceLimits;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;

/**
 * The serving side of {@link ServingLoadBench} in its own JVM: a {@link ServingServer} on loopback
 * over a prepared snapshot and sequence store. Prints {@code PORT <n>} once it answers, then runs
 * until its standard input closes, so the load generator's CPU never counts as the server's.
 *
 * <p>Args: {@code snapshotDir dataDir serverThreads historyLength}.
 */
public final class BenchServer {
  /** The line the parent waits for; the port follows it. */
  static final String READY = "PORT ";

  private BenchServer() {}

  public static void main(String[] args) throws IOException {
    Path snapshots = Path.of(args[0]);
    Path data = Path.of(args[1]);
    int threads = Integer.parseInt(args[2]);
    int historyLength = Integer.parseInt(args[3]);
    try (ServingServer server =
        LoopbackServers.builder(snapshots, data)
            .optThreads(threads)
            .optSequenceLimits(SequenceLimits.builder().optMaxLength(historyLength).build())
            .build()
            .start()) {
      System.out.println(READY + server.port());
      System.out.flush();
      InputStream in = System.in;
      while (in.read() >= 0) {
        // Block until the parent closes our stdin (or dies).
      }
    }
  }
}
