/**
 * The embedded default: Kafka, the dare-train job on a Flink MiniCluster, serving and a replay in
 * one JVM ({@link io.darestream.app.local.LocalRunner}), with live statistics for the status line
 * and the report.
 */
package io.darestream.app.local;
