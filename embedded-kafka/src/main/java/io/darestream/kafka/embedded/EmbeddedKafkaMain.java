package io.darestream.kafka.embedded;

import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;

/**
 * The embedded broker as a process of its own, for tests that need a broker outside the JVM they
 * kill (the chaos test): {@code java -cp ... io.darestream.kafka.embedded.EmbeddedKafkaMain
 * [--log-dir DIR] [--port N]}. Prints {@code bootstrap.servers=<host:port>} once it serves
 * requests, then runs until the process is stopped (SIGTERM closes the broker cleanly).
 */
public final class EmbeddedKafkaMain {
  /** The line prefix that announces the broker's address on stdout. */
  public static final String READY = "bootstrap.servers=";

  private EmbeddedKafkaMain() {}

  public static void main(String[] args) throws InterruptedException {
    EmbeddedKafka.Builder builder = EmbeddedKafka.builder();
    for (int i = 0; i < args.length; i++) {
      String value = i + 1 < args.length ? args[i + 1] : null;
      switch (args[i]) {
        case "--log-dir" -> builder.optLogDir(Path.of(required(args[i], value)));
        case "--port" -> builder.optBrokerPort(Integer.parseInt(required(args[i], value)));
        default -> {
          System.err.println("usage: EmbeddedKafkaMain [--log-dir DIR] [--port N]");
          System.exit(2);
        }
      }
      i++;
    }
    EmbeddedKafka kafka = builder.start();
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  kafka.close();
                  stopped.countDown();
                },
                "embedded-kafka-stop"));
    System.out.println(READY + kafka.bootstrapServers());
    System.out.flush();
    stopped.await();
  }

  private static String required(String flag, String value) {
    if (value == null) {
      System.err.println(flag + " needs a value");
      System.exit(2);
    }
    return value;
  }
}
