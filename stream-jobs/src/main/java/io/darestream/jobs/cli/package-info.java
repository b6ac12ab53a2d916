/** The command line of the fat jar: {@link io.darestream.jobs.cli.DareStreamCli}. */
package io.darestream.jobs.cli;
