package io.darestream.serving.live;

import io.darestream.schemas.avro.ModelDelta;
import io.darestream.serving.scoring.ModelVersion;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * One loaded model plus what has been applied to it since its snapshot. Requests take a reference
 * ({@link #tryAcquire()}) for their whole duration, so a reload can retire a generation while they
 * run; it is closed when the last of them releases it.
 *
 * <p>The model's tables are not safe for a writer racing readers (a table may rehash or grow while
 * it is written), so scoring holds the read lock and applying a delta record the write lock: a
 * request sees every delta record either completely or not at all.
 */
final class ModelGeneration {
  private final ModelHandle model;
  private final DeltaApplier applier;
  private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
  // 1 for the holder's own reference plus 1 per request in flight; 0 means closed.
  private final AtomicInteger references = new AtomicInteger(1);
  private volatile long appliedDeltas;
  private volatile long lastFreshnessMs = -1;
  private volatile long lastAppliedAtMs = -1;

  ModelGeneration(ModelHandle model) {
    this.model = model;
    this.applier =
        new DeltaApplier(model.modelId(), model.snapshotPosition().epoch(), model.writerVersions());
  }

  ModelHandle model() {
    return model;
  }

  /** Takes a reference for a request; false if this generation was already closed. */
  boolean tryAcquire() {
    int n;
    do {
      n = references.get();
      if (n == 0) {
        return false;
      }
    } while (!references.compareAndSet(n, n + 1));
    return true;
  }

  /** Drops a reference; the last one closes the model. */
  void release() {
    if (references.decrementAndGet() == 0) {
      model.close();
    }
  }

  ReentrantReadWriteLock.ReadLock readLock() {
    return lock.readLock();
  }

  /** Applies one delta record under the write lock. */
  DeltaOutcome apply(ModelDelta delta, long nowMs) {
    lock.writeLock().lock();
    try {
      DeltaOutcome outcome = applier.apply(delta, model);
      if (outcome == DeltaOutcome.APPLIED) {
        appliedDeltas++;
        lastAppliedAtMs = nowMs;
        long oldestIngest = delta.getMinIngestTimeMs();
        lastFreshnessMs = oldestIngest >= 0 ? Math.max(0, nowMs - oldestIngest) : -1;
      }
      return outcome;
    } finally {
      lock.writeLock().unlock();
    }
  }

  ModelVersion position() {
    lock.readLock().lock();
    try {
      return applier.position();
    } finally {
      lock.readLock().unlock();
    }
  }

  boolean epochAdvancedPastSnapshot() {
    lock.readLock().lock();
    try {
      return applier.epochAdvancedPastSnapshot();
    } finally {
      lock.readLock().unlock();
    }
  }

  long appliedDeltas() {
    return appliedDeltas;
  }

  long lastFreshnessMs() {
    return lastFreshnessMs;
  }

  long lastAppliedAtMs() {
    return lastAppliedAtMs;
  }
}
