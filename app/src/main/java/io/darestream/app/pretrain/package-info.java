/**
 * Pretraining on history ({@code dare-stream pretrain}): the job's own label join over a
 * time-ordered file, a model trained on its samples and written as a snapshot, and the sequence
 * stage's state written as a Flink savepoint, so that the streaming job starts warm.
 */
package io.darestream.app.pretrain;
