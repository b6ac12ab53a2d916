/** The command line of the fat jar: {@link io.darestream.app.cli.DareStreamCli}. */
package io.darestream.app.cli;
