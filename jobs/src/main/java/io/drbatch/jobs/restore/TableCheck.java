package io.drbatch.jobs.restore;

/**
 * One table's row count in the manifest against {@code count(*)} in the restored
 * database.
 *
 * @param restored the restored count, or -1 when the table is missing from the restored
 * database
 */
public record TableCheck(String schema, String table, long expected, long restored) {

	public boolean passed() {
		return this.expected == this.restored;
	}

	public String describe() {
		if (this.restored < 0) {
			return "table " + this.schema + "." + this.table + " is missing from the restored database (manifest: "
					+ this.expected + " rows)";
		}
		return "table " + this.schema + "." + this.table + " has " + this.restored + " rows restored, manifest says "
				+ this.expected;
	}

}
