package io.drbatch.scheduler.cli;

/** How a listing is printed: aligned columns for people, or JSON / TSV for scripts. */
enum OutputFormat {

	/** Aligned columns under upper-case headers; {@code -} for an empty cell. */
	TEXT,

	/**
	 * One JSON array of objects keyed by column name; numbers as numbers, an empty cell
	 * as {@code null}.
	 */
	JSON,

	/**
	 * A header line of column names, then one tab-separated line per row; an empty cell
	 * is empty.
	 */
	TSV

}
