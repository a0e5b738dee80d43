package io.drbatch.jobs.restore;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import io.drbatch.jobs.config.DrbatchProperties;

/**
 * Runs the configured custom checks that apply to a database in a restored or recovered
 * copy of it, in one read-only transaction, with {@code ${snapshot_time}} replaced by the
 * moment the copy shows. A check whose SQL fails is a failed check, not a crashed drill.
 * Stateless.
 */
public final class CustomChecks {

	private CustomChecks() {
	}

	public static List<CheckResult> run(Connection connection, List<DrbatchProperties.Check> checks, String database,
			Instant snapshotTime) throws SQLException {
		connection.setReadOnly(true);
		String snapshotLiteral = "'" + snapshotTime + "'::timestamptz";
		List<CheckResult> results = new ArrayList<>();
		for (DrbatchProperties.Check check : checks) {
			if (check.appliesTo(database)) {
				results.add(run(connection, check, check.sql().replace("${snapshot_time}", snapshotLiteral)));
			}
		}
		return results;
	}

	private static CheckResult run(Connection connection, DrbatchProperties.Check check, String sql) {
		try (Statement statement = connection.createStatement(); ResultSet rs = statement.executeQuery(sql)) {
			String actual = rs.next() ? rs.getString(1) : null;
			if ("t".equals(actual) || "f".equals(actual)) {
				actual = "t".equals(actual) ? "true" : "false";
			}
			return new CheckResult(check.name(), check.expect(), actual, null);
		}
		catch (SQLException ex) {
			return new CheckResult(check.name(), check.expect(), null, ex.getMessage().lines().findFirst().orElse(""));
		}
	}

}
