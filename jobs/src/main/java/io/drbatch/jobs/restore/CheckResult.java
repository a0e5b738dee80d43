package io.drbatch.jobs.restore;

/**
 * The outcome of one custom check in the restored database.
 *
 * @param actual the value the SQL returned, as text ({@code null} for SQL NULL or when it
 * failed)
 * @param error the database's error message when the SQL failed, else {@code null}
 */
public record CheckResult(String name, String expected, String actual, String error) {

	public boolean passed() {
		return this.error == null && this.expected.equals(this.actual);
	}

	public String describe() {
		return this.error != null ? "check " + this.name + " failed to run: " + this.error
				: "check " + this.name + " returned " + this.actual + ", expected " + this.expected;
	}

}
