package io.darestream.schemas.generator;

import io.darestream.schemas.avro.BehaviorEvent;
import java.util.Comparator;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.PriorityQueue;

/**
 * A deterministic synthetic behaviour stream with structure a long-sequence model can find (see
 * {@link GroundTruth} and {@link SimulatedUser}): the same config and seed give the same events,
 * ids included, on every call of {@link #events()}.
 *
 * <pre>{@code
 * StreamGenerator gen = new StreamGenerator(GeneratorConfig.builder()
 *     .setUsers(1_000).setItems(50_000).setBehaviorsPerUser(2_000).build());
 * gen.events().forEachRemaining(sink);
 * boolean hit = gen.groundTruth().isRelevant(user, historyItem, targetItem);
 * }</pre>
 *
 * <p>Streaming: the events are never held together; memory is the catalog (a few ints per item)
 * plus one small cursor per user. Events come in global event-time order (users interleave as they
 * would on a topic), ties broken by user id.
 */
public final class StreamGenerator {
  private final GeneratorConfig config;
  private final GroundTruth truth;
  private final ItemSamplers samplers;

  public StreamGenerator(GeneratorConfig config) {
    this.config = config;
    this.truth = GroundTruth.create(config);
    this.samplers = new ItemSamplers(truth, config.zipfExponent());
  }

  public GeneratorConfig config() {
    return config;
  }

  /** The planted structure behind the stream. */
  public GroundTruth groundTruth() {
    return truth;
  }

  /** A fresh iterator over the whole stream, from the start. */
  public Iterator<BehaviorEvent> events() {
    return new Merged();
  }

  /** One user's events alone, in time order (the same events the merged stream has for them). */
  public Iterator<BehaviorEvent> eventsOf(long userId) {
    if (userId < 1 || userId > config.users()) {
      throw new IllegalArgumentException("user id " + userId + " is not in 1.." + config.users());
    }
    SimulatedUser timeline = new SimulatedUser(config, truth, samplers, (int) userId);
    return new Iterator<>() {
      @Override
      public boolean hasNext() {
        return !timeline.exhausted();
      }

      @Override
      public BehaviorEvent next() {
        if (timeline.exhausted()) {
          throw new NoSuchElementException();
        }
        return timeline.next();
      }
    };
  }

  /** K-way merge of the users' timelines by (event time, user id). */
  private final class Merged implements Iterator<BehaviorEvent> {
    private final PriorityQueue<SimulatedUser> heads =
        new PriorityQueue<>(
            Math.max(1, config.users()),
            Comparator.comparingLong(SimulatedUser::nextTimeMs)
                .thenComparingInt(SimulatedUser::userId));

    Merged() {
      for (int user = 1; user <= config.users(); user++) {
        heads.add(new SimulatedUser(config, truth, samplers, user));
      }
    }

    @Override
    public boolean hasNext() {
      return !heads.isEmpty();
    }

    @Override
    public BehaviorEvent next() {
      SimulatedUser head = heads.poll();
      if (head == null) {
        throw new NoSuchElementException("The synthetic stream is exhausted");
      }
      BehaviorEvent event = head.next();
      if (!head.exhausted()) {
        heads.add(head);
      }
      return event;
    }
  }
}
