/**
 * Replay of event files and generated streams into Kafka: bounded-memory time ordering of
 * user-ordered files ({@link io.darestream.app.replay.ExternalTimeSort}), pacing, an idempotent
 * producer whose every send is checked, and progress lines.
 */
package io.darestream.app.replay;
