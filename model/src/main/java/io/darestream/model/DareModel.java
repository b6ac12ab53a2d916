package io.darestream.model;

import io.darestream.model.embedding.EmbeddingTable;
import io.darestream.model.embedding.TableCounters;
import io.darestream.model.nn.DenseParameters;
import io.darestream.model.train.DareNetwork;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The model facade used by the trainer operator and by serving: prequential training on
 * micro-batches, scoring and explained scoring with the same forward pass, the embedding tables (by
 * {@link TableNames name}) and the dense parameters for persisting and publishing.
 *
 * <p>Thread-safe by mutual exclusion: every method holds the model's lock, so a serving process may
 * score from several threads while it applies deltas. Create one per trainer subtask.
 */
public final class DareModel {
  private final DareNetwork net;
  private final Map<String, EmbeddingTable> tables = new LinkedHashMap<>();

  private DareModel(DareConfig config) {
    this.net = new DareNetwork(config);
    for (EmbeddingTable t : net.tables()) {
      tables.put(t.name(), t);
    }
  }

  /** A fresh model: rows are created lazily, dense parameters initialised from the seed. */
  public static DareModel create(DareConfig config) {
    return new DareModel(config);
  }

  public DareConfig config() {
    return net.config();
  }

  /** Incremented by every training micro-batch. */
  public synchronized long version() {
    return net.version();
  }

  /** Sets the version, e.g. after a restore or when serving applies a delta. */
  public synchronized void setVersion(long version) {
    net.setVersion(version);
  }

  /**
   * Prequential training: every sample is scored with the current model, then the model trains on
   * it. Batches larger than {@link DareConfig#microBatchSize()} are split into consecutive steps.
   *
   * @return pre-update predictions in input order, mean losses, the version after the last step
   */
  public synchronized BatchResult trainBatch(List<TrainingSample> batch) {
    if (batch.isEmpty()) {
      return new BatchResult(new float[0], 0, 0, net.version());
    }
    int step = net.config().microBatchSize();
    float[] predictions = new float[batch.size()];
    double loss = 0;
    double aux = 0;
    for (int start = 0; start < batch.size(); start += step) {
      List<TrainingSample> chunk = batch.subList(start, Math.min(batch.size(), start + step));
      BatchResult r = net.trainStep(chunk);
      System.arraycopy(r.predictions(), 0, predictions, start, chunk.size());
      loss += r.loss() * chunk.size();
      aux += r.auxiliaryLoss() * chunk.size();
    }
    return new BatchResult(predictions, loss / batch.size(), aux / batch.size(), net.version());
  }

  /** Click probability of the sample's target, without training. */
  public synchronized float score(TrainingSample sample) {
    return net.predict(List.of(sample))[0];
  }

  /** Click probabilities of each sample's target, without training. */
  public synchronized float[] score(List<TrainingSample> samples) {
    return net.predict(samples);
  }

  /**
   * Click probabilities of candidates for one user; the history is newest first and is cut to its
   * newest {@link DareConfig#maxHistory()} behaviours.
   */
  public synchronized float[] score(
      long[] historyItems,
      long[] historyCategories,
      long[] candidateItems,
      long[] candidateCategories) {
    return net.score(historyItems, historyCategories, candidateItems, candidateCategories, null);
  }

  /** Like {@link #score(long[], long[], long[], long[])}, with each candidate's retrieved top K. */
  public synchronized List<Explanation> explain(
      long[] historyItems,
      long[] historyCategories,
      long[] candidateItems,
      long[] candidateCategories) {
    List<Explanation> out = new ArrayList<>(candidateItems.length);
    net.score(historyItems, historyCategories, candidateItems, candidateCategories, out);
    return out;
  }

  /** Table names of this variant, in a fixed order (see {@link TableNames}). */
  public List<String> tableNames() {
    return List.copyOf(tables.keySet());
  }

  /** The live table {@code name}; callers hold the model's lock (synchronize on it) to mutate. */
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
    return net.dense();
  }

  /** Stores a row (e.g. from a delta); see {@link EmbeddingTable#writeRow(long, float[])}. */
  public synchronized void writeRow(String table, long id, float[] row) {
    table(table).writeRow(id, row);
  }

  /** Copies the full row of {@code id} into {@code dst}; false if it has no row. */
  public synchronized boolean readRow(String table, long id, float[] dst) {
    return table(table).readRow(id, dst);
  }

  /** Overwrites a dense block (e.g. from a delta or a snapshot). */
  public synchronized void writeDense(DenseBlock block) {
    net.dense().set(block);
  }

  /** Runs expiry on every table; returns rows dropped. */
  public synchronized int expire(long nowMs) {
    int n = 0;
    for (EmbeddingTable t : tables.values()) {
      n += t.expire(nowMs);
    }
    return n;
  }

  /** Counters per table name. */
  public synchronized Map<String, TableCounters> counters() {
    Map<String, TableCounters> m = new LinkedHashMap<>();
    tables.forEach((n, t) -> m.put(n, t.counters()));
    return m;
  }

  /** The engine, for benchmarks and gradient checks. */
  public DareNetwork network() {
    return net;
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
