/** The report of a local run: PNG plots drawn with JFreeChart and an HTML page. */
package io.darestream.app.report;
