package io.darestream.model;

import io.darestream.model.embedding.EmbeddingTable;
import io.darestream.model.embedding.TableCounters;
import io.darestream.model.nn.DenseParameters;
import io.darestream.model.train.DareParameters;
import io.darestream.model.train.DareScorer;
import io.darestream.model.train.DareTrainer;
import io.darestream.model.train.RowGradients;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The model facade used by the trainer operator and by serving: prequential training on
 * micro-batches, scoring and explained scoring with the same forward pass, the embedding tables (by
 * {@link TableNames name}) and the dense parameters for persisting and publishing.
 *
 * <p>Thread-safe. Scoring ({@code score}, {@code explain}) is read-only and runs concurrently from
 * any number of threads, each on a {@link DareScorer} with a workspace of its own (pooled), under
 * the model's read lock. Every method that writes (training, row and dense writes, expiry, {@link
 * #exclusive}) holds the model's monitor and its write lock, so it waits for running scorers and
 * excludes new ones. Code that mutates the live {@link #table tables} directly must do so inside
 * {@link #exclusive}; code that reads several rows or tables as of one moment (checkpoint copies,
 * delta drains) does so inside {@link #withoutWriters}, which excludes writers but not scorers.
 * This class owns the model's locking: nobody else synchronises on the model. Create one per
 * trainer subtask.
 */
public final class DareModel {
  /** Idle scoring views kept for reuse; more are created under load and dropped when returned. */
  private static final int MAX_IDLE_SCORERS =
      Math.max(2, Runtime.getRuntime().availableProcessors());

  private final DareParameters params;
  private final DareTrainer trainer;
  private final Map<String, EmbeddingTable> tables = new LinkedHashMap<>();
  private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
  private final Lock readLock = lock.readLock();
  private final Lock writeLock = lock.writeLock();
  private final ConcurrentLinkedQueue<DareScorer> idleScorers = new ConcurrentLinkedQueue<>();
  private final AtomicInteger idleCount = new AtomicInteger();

  private DareModel(DareConfig config) {
    this.params = new DareParameters(config);
    this.trainer = new DareTrainer(params);
    for (EmbeddingTable t : params.tables()) {
      tables.put(t.name(), t);
    }
  }

  /** A fresh model: rows are created lazily, dense parameters initialised from the seed. */
  public static DareModel create(DareConfig config) {
    return new DareModel(config);
  }

  public DareConfig config() {
    return params.config();
  }

  /** Incremented by every training micro-batch. */
  public synchronized long version() {
    return params.version();
  }

  /** Sets the version, e.g. after a restore or when serving applies a delta. */
  public synchronized void setVersion(long version) {
    exclusive(() -> params.setVersion(version));
  }

  /**
   * Prequential training: every sample is scored with the current model, then the model trains on
   * it. Batches larger than {@link DareConfig#microBatchSize()} are split into consecutive steps.
   *
   * @return pre-update predictions in input order, mean losses, the version after the last step
   */
  public synchronized BatchResult trainBatch(List<TrainingSample> batch) {
    return exclusive(() -> train(batch));
  }

  /**
   * Prequential training whose row gradients are not applied here but handed to {@code rowSink},
   * once per step (see {@link DareTrainer#trainStep(List, Consumer)}); dense parameters train here.
   * The sink runs under the model's locks and must not keep the gradients past its call.
   */
  public synchronized BatchResult trainBatch(
      List<TrainingSample> batch, Consumer<RowGradients> rowSink) {
    Objects.requireNonNull(rowSink, "rowSink");
    return exclusive(() -> train(batch, rowSink));
  }

  private BatchResult train(List<TrainingSample> batch) {
    return train(batch, null);
  }

  private BatchResult train(List<TrainingSample> batch, Consumer<RowGradients> rowSink) {
    if (batch.isEmpty()) {
      return new BatchResult(new float[0], 0, 0, params.version());
    }
    int step = params.config().microBatchSize();
    float[] predictions = new float[batch.size()];
    double loss = 0;
    double aux = 0;
    for (int start = 0; start < batch.size(); start += step) {
      List<TrainingSample> chunk = batch.subList(start, Math.min(batch.size(), start + step));
      BatchResult r = trainer.trainStep(chunk, rowSink);
      System.arraycopy(r.predictions(), 0, predictions, start, chunk.size());
      loss += r.loss() * chunk.size();
      aux += r.auxiliaryLoss() * chunk.size();
    }
    return new BatchResult(predictions, loss / batch.size(), aux / batch.size(), params.version());
  }

  /** Click probability of the sample's target, without training. */
  public float score(TrainingSample sample) {
    return scoring(n -> n.predict(List.of(sample))[0]);
  }

  /** Click probabilities of each sample's target, without training. */
  public float[] score(List<TrainingSample> samples) {
    return scoring(n -> n.predict(samples));
  }

  /**
   * Click probabilities of candidates for one user; the history is newest first and is cut to its
   * newest {@link DareConfig#maxHistory()} behaviours.
   */
  public float[] score(
      long[] historyItems,
      long[] historyCategories,
      long[] candidateItems,
      long[] candidateCategories) {
    return scoring(
        n -> n.score(historyItems, historyCategories, candidateItems, candidateCategories, null));
  }

  /** Like {@link #score(long[], long[], long[], long[])}, with each candidate's retrieved top K. */
  public List<Explanation> explain(
      long[] historyItems,
      long[] historyCategories,
      long[] candidateItems,
      long[] candidateCategories) {
    List<Explanation> out = new ArrayList<>(candidateItems.length);
    scoring(
        n -> n.score(historyItems, historyCategories, candidateItems, candidateCategories, out));
    return out;
  }

  /** The search's explanation of a sample's history against its one target. */
  public Explanation explain(TrainingSample sample) {
    return explain(
            sample.historyItems(),
            sample.historyCategories(),
            new long[] {sample.targetItem()},
            new long[] {sample.targetCategory()})
        .get(0);
  }

  /**
   * Runs {@code action} holding the model's monitor and write lock: no scoring runs meanwhile. For
   * code that mutates the live tables or dense blocks directly (deltas, store loads).
   */
  public <T> T exclusive(Supplier<T> action) {
    synchronized (this) {
      writeLock.lock();
      try {
        return action.get();
      } finally {
        writeLock.unlock();
      }
    }
  }

  /**
   * Runs {@code action} holding the model's monitor only: no training step, row write or expiry
   * runs meanwhile, scoring goes on. For reads of the live tables that must see one moment (a
   * checkpoint's copy of the changed rows, a delta drain) and for their dirty-row bookkeeping.
   */
  public <T> T withoutWriters(Supplier<T> action) {
    synchronized (this) {
      return action.get();
    }
  }

  /** Like {@link #withoutWriters(Supplier)}, without a result. */
  public void withoutWriters(Runnable action) {
    withoutWriters(
        () -> {
          action.run();
          return null;
        });
  }

  /** Like {@link #exclusive(Supplier)}, without a result. */
  public void exclusive(Runnable action) {
    exclusive(
        () -> {
          action.run();
          return null;
        });
  }

  /** Runs a read-only scoring action on a pooled view under the read lock. */
  private <T> T scoring(Function<DareScorer, T> action) {
    DareScorer view = idleScorers.poll();
    if (view == null) {
      view = new DareScorer(params);
    } else {
      idleCount.decrementAndGet();
    }
    readLock.lock();
    try {
      return action.apply(view);
    } finally {
      readLock.unlock();
      if (idleCount.incrementAndGet() <= MAX_IDLE_SCORERS) {
        idleScorers.offer(view);
      } else {
        idleCount.decrementAndGet();
      }
    }
  }

  /** Table names of this variant, in a fixed order (see {@link TableNames}). */
  public List<String> tableNames() {
    return List.copyOf(tables.keySet());
  }

  /** The live table {@code name}; callers mutate it only inside {@link #exclusive}. */
  public EmbeddingTable table(String name) {
    EmbeddingTable t = tables.get(name);
    if (t == null) {
      throw new IllegalArgumentException(
          "no table '" + name + "' in a " + config().variant() + " model; have " + tableNames());
    }
    return t;
  }

  /** The live tables of this variant. */
  public List<EmbeddingTable> tables() {
    return List.copyOf(tables.values());
  }

  /** The dense parameters ({@link TableNames#DENSE}). */
  public DenseParameters dense() {
    return params.dense();
  }

  /** Stores a row (e.g. from a delta); see {@link EmbeddingTable#writeRow(long, float[])}. */
  public synchronized void writeRow(String table, long id, float[] row) {
    exclusive(() -> table(table).writeRow(id, row));
  }

  /** Copies the full row of {@code id} into {@code dst}; false if it has no row. */
  public synchronized boolean readRow(String table, long id, float[] dst) {
    return table(table).readRow(id, dst);
  }

  /** Overwrites a dense block (e.g. from a delta or a snapshot). */
  public synchronized void writeDense(DenseBlock block) {
    exclusive(() -> params.dense().set(block));
  }

  /** Runs expiry on every table; returns rows dropped. */
  public synchronized int expire(long nowMs) {
    return exclusive(
        () -> {
          int n = 0;
          for (EmbeddingTable t : tables.values()) {
            n += t.expire(nowMs);
          }
          return n;
        });
  }

  /** Counters per table name. */
  public synchronized Map<String, TableCounters> counters() {
    Map<String, TableCounters> m = new LinkedHashMap<>();
    tables.forEach((n, t) -> m.put(n, t.counters()));
    return m;
  }

  /** The trainer over this model's parameters, for benchmarks and gradient checks. */
  public DareTrainer trainer() {
    return trainer;
  }

  @Override
  public String toString() {
    return "DareModel{"
        + config().variant()
        + ", version="
        + version()
        + ", tables="
        + Arrays.toString(tableNames().toArray())
        + "}";
  }
}
