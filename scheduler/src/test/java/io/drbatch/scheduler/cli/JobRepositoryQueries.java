package io.drbatch.scheduler.cli;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.drbatch.testing.TestPostgres;

/** Reads the CLI tests' job repository directly, independent of drbatch's own code. */
final class JobRepositoryQueries {

	/** The executions of a job whose {@code database} parameter is given. */
	private static final String OF_DATABASE = """
			FROM batch_job_execution e
			JOIN batch_job_instance i ON i.job_instance_id = e.job_instance_id
			JOIN batch_job_execution_params p ON p.job_execution_id = e.job_execution_id
			WHERE i.job_name = ? AND p.parameter_name = 'database' AND p.parameter_value = ?
			""";

	private JobRepositoryQueries() {
	}

	/**
	 * Execution id to status of every execution of {@code job} whose {@code database}
	 * parameter is {@code database}.
	 */
	static Map<Long, String> executions(String job, String database) {
		Map<Long, String> executions = new LinkedHashMap<>();
		query("SELECT e.job_execution_id, e.status " + OF_DATABASE + "ORDER BY e.job_execution_id",
				rs -> executions.put(rs.getLong(1), rs.getString(2)), job, database);
		return executions;
	}

	/** When an execution of {@code job} for {@code database} ran: start and end. */
	record Span(long executionId, Instant start, Instant end) {

		boolean overlaps(Span other) {
			return this.start.isBefore(other.end) && other.start.isBefore(this.end);
		}

	}

	/** The ended executions of {@code job} for {@code database}, oldest first. */
	static List<Span> spans(String job, String database) {
		List<Span> spans = new ArrayList<>();
		query("SELECT e.job_execution_id, e.start_time, e.end_time " + OF_DATABASE
				+ "AND e.end_time IS NOT NULL ORDER BY e.job_execution_id",
				rs -> spans
					.add(new Span(rs.getLong(1), rs.getTimestamp(2).toInstant(), rs.getTimestamp(3).toInstant())),
				job, database);
		return spans;
	}

	/**
	 * Ids of the executions of {@code job} for {@code database} whose {@code backup.date}
	 * is {@code date}, oldest first.
	 */
	static List<Long> executionsOfDate(String job, String database, String date) {
		List<Long> ids = new ArrayList<>();
		query("SELECT e.job_execution_id " + OF_DATABASE + """
				AND EXISTS (SELECT 1 FROM batch_job_execution_params d WHERE d.job_execution_id = e.job_execution_id
				  AND d.parameter_name = 'backup.date' AND d.parameter_value = ?)
				ORDER BY e.job_execution_id
				""", rs -> ids.add(rs.getLong(1)), job, database, date);
		return ids;
	}

	/**
	 * Id to status of every execution of the job instance that execution
	 * {@code executionId} belongs to, oldest first.
	 */
	static Map<Long, String> executionsOfInstanceOf(long executionId) {
		Map<Long, String> executions = new LinkedHashMap<>();
		query("SELECT e.job_execution_id, e.status FROM batch_job_execution e WHERE e.job_instance_id = "
				+ "(SELECT job_instance_id FROM batch_job_execution WHERE job_execution_id = ?) ORDER BY 1",
				rs -> executions.put(rs.getLong(1), rs.getString(2)), executionId);
		return executions;
	}

	/**
	 * Ids of every execution of {@code job}, oldest first; none while no drbatch process
	 * has created the job repository's schema yet (a suite run on its own, first).
	 */
	static List<Long> executionsOfJob(String job) {
		List<Long> ids = new ArrayList<>();
		try {
			query("SELECT e.job_execution_id FROM batch_job_execution e JOIN batch_job_instance i "
					+ "ON i.job_instance_id = e.job_instance_id WHERE i.job_name = ? ORDER BY 1",
					rs -> ids.add(rs.getLong(1)), job);
		}
		catch (IllegalStateException ex) {
			if (ex.getCause() instanceof SQLException sql && "42P01".equals(sql.getSQLState())) {
				return List.of();
			}
			throw ex;
		}
		return ids;
	}

	/**
	 * Every row of every job repository, heartbeat and scheduler table, each rendered as
	 * text.
	 */
	static List<String> everyRow() {
		List<String> tables = new ArrayList<>();
		query("SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND (tablename LIKE 'batch\\_%' "
				+ "OR tablename LIKE 'drbatch\\_%' OR tablename LIKE 'qrtz\\_%')", rs -> tables.add(rs.getString(1)));
		List<String> rows = new ArrayList<>();
		for (String table : tables) {
			query("SELECT t::text FROM " + table + " t", rs -> rows.add(rs.getString(1)));
		}
		return rows;
	}

	/** What is done with each row of a result. */
	@FunctionalInterface
	private interface Row {

		void read(ResultSet rs) throws SQLException;

	}

	/** Runs {@code sql} with {@code arguments} and hands every row to {@code row}. */
	private static void query(String sql, Row row, Object... arguments) {
		try (Connection connection = TestPostgres.connect(CliProcess.JOB_REPOSITORY);
				PreparedStatement statement = connection.prepareStatement(sql)) {
			for (int i = 0; i < arguments.length; i++) {
				statement.setObject(i + 1, arguments[i]);
			}
			try (ResultSet rs = statement.executeQuery()) {
				while (rs.next()) {
					row.read(rs);
				}
			}
		}
		catch (SQLException ex) {
			throw new IllegalStateException(ex);
		}
	}

}
