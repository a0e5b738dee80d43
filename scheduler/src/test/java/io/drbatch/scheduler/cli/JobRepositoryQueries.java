package io.drbatch.scheduler.cli;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.drbatch.testing.TestPostgres;

/** Reads the CLI tests' job repository directly, independent of drbatch's own code. */
final class JobRepositoryQueries {

	private JobRepositoryQueries() {
	}

	/**
	 * Execution id to status of every execution of {@code job} whose {@code database}
	 * parameter is {@code database}.
	 */
	static Map<Long, String> executions(String job, String database) {
		String sql = """
				SELECT e.job_execution_id, e.status FROM batch_job_execution e
				JOIN batch_job_instance i ON i.job_instance_id = e.job_instance_id
				JOIN batch_job_execution_params p ON p.job_execution_id = e.job_execution_id
				WHERE i.job_name = ? AND p.parameter_name = 'database' AND p.parameter_value = ?
				ORDER BY e.job_execution_id
				""";
		Map<Long, String> executions = new LinkedHashMap<>();
		try (Connection connection = TestPostgres.connect(CliProcess.JOB_REPOSITORY);
				PreparedStatement statement = connection.prepareStatement(sql)) {
			statement.setString(1, job);
			statement.setString(2, database);
			try (ResultSet rs = statement.executeQuery()) {
				while (rs.next()) {
					executions.put(rs.getLong(1), rs.getString(2));
				}
			}
		}
		catch (SQLException ex) {
			throw new IllegalStateException(ex);
		}
		return executions;
	}

	/** When an execution of {@code job} for {@code database} ran: start and end. */
	record Span(long executionId, java.time.Instant start, java.time.Instant end) {

		boolean overlaps(Span other) {
			return this.start.isBefore(other.end) && other.start.isBefore(this.end);
		}

	}

	/** The ended executions of {@code job} for {@code database}, oldest first. */
	static List<Span> spans(String job, String database) {
		String sql = """
				SELECT e.job_execution_id, e.start_time, e.end_time FROM batch_job_execution e
				JOIN batch_job_instance i ON i.job_instance_id = e.job_instance_id
				JOIN batch_job_execution_params p ON p.job_execution_id = e.job_execution_id
				WHERE i.job_name = ? AND p.parameter_name = 'database' AND p.parameter_value = ?
				AND e.end_time IS NOT NULL
				ORDER BY e.job_execution_id
				""";
		List<Span> spans = new ArrayList<>();
		try (Connection connection = TestPostgres.connect(CliProcess.JOB_REPOSITORY);
				PreparedStatement statement = connection.prepareStatement(sql)) {
			statement.setString(1, job);
			statement.setString(2, database);
			try (ResultSet rs = statement.executeQuery()) {
				while (rs.next()) {
					spans.add(new Span(rs.getLong(1), rs.getTimestamp(2).toInstant(), rs.getTimestamp(3).toInstant()));
				}
			}
		}
		catch (SQLException ex) {
			throw new IllegalStateException(ex);
		}
		return spans;
	}

	/**
	 * Ids of the executions of {@code job} for {@code database} whose {@code backup.date}
	 * is {@code date}, oldest first.
	 */
	static List<Long> executionsOfDate(String job, String database, String date) {
		String sql = """
				SELECT e.job_execution_id FROM batch_job_execution e
				JOIN batch_job_instance i ON i.job_instance_id = e.job_instance_id
				JOIN batch_job_execution_params p ON p.job_execution_id = e.job_execution_id
				JOIN batch_job_execution_params d ON d.job_execution_id = e.job_execution_id
				WHERE i.job_name = ? AND p.parameter_name = 'database' AND p.parameter_value = ?
				  AND d.parameter_name = 'backup.date' AND d.parameter_value = ?
				ORDER BY e.job_execution_id
				""";
		List<Long> ids = new ArrayList<>();
		try (Connection connection = TestPostgres.connect(CliProcess.JOB_REPOSITORY);
				PreparedStatement statement = connection.prepareStatement(sql)) {
			statement.setString(1, job);
			statement.setString(2, database);
			statement.setString(3, date);
			try (ResultSet rs = statement.executeQuery()) {
				while (rs.next()) {
					ids.add(rs.getLong(1));
				}
			}
		}
		catch (SQLException ex) {
			throw new IllegalStateException(ex);
		}
		return ids;
	}

	/**
	 * Id to status of every execution of the job instance that execution
	 * {@code executionId} belongs to, oldest first.
	 */
	static Map<Long, String> executionsOfInstanceOf(long executionId) {
		String sql = "SELECT e.job_execution_id, e.status FROM batch_job_execution e WHERE e.job_instance_id = "
				+ "(SELECT job_instance_id FROM batch_job_execution WHERE job_execution_id = ?) ORDER BY 1";
		Map<Long, String> executions = new LinkedHashMap<>();
		try (Connection connection = TestPostgres.connect(CliProcess.JOB_REPOSITORY);
				PreparedStatement statement = connection.prepareStatement(sql)) {
			statement.setLong(1, executionId);
			try (ResultSet rs = statement.executeQuery()) {
				while (rs.next()) {
					executions.put(rs.getLong(1), rs.getString(2));
				}
			}
		}
		catch (SQLException ex) {
			throw new IllegalStateException(ex);
		}
		return executions;
	}

	/**
	 * Ids of every execution of {@code job}, oldest first; none while no drbatch process
	 * has created the job repository's schema yet (a suite run on its own, first).
	 */
	static List<Long> executionsOfJob(String job) {
		String sql = "SELECT e.job_execution_id FROM batch_job_execution e JOIN batch_job_instance i "
				+ "ON i.job_instance_id = e.job_instance_id WHERE i.job_name = ? ORDER BY 1";
		List<Long> ids = new ArrayList<>();
		try (Connection connection = TestPostgres.connect(CliProcess.JOB_REPOSITORY);
				PreparedStatement statement = connection.prepareStatement(sql)) {
			statement.setString(1, job);
			try (ResultSet rs = statement.executeQuery()) {
				while (rs.next()) {
					ids.add(rs.getLong(1));
				}
			}
		}
		catch (SQLException ex) {
			if ("42P01".equals(ex.getSQLState())) {
				return List.of();
			}
			throw new IllegalStateException(ex);
		}
		return ids;
	}

	/**
	 * Every row of every job repository, heartbeat and scheduler table, each rendered as
	 * text.
	 */
	static List<String> everyRow() {
		List<String> rows = new ArrayList<>();
		try (Connection connection = TestPostgres.connect(CliProcess.JOB_REPOSITORY);
				Statement statement = connection.createStatement()) {
			List<String> tables = new ArrayList<>();
			try (ResultSet rs = statement.executeQuery(
					"SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND (tablename LIKE 'batch\\_%' OR tablename LIKE 'drbatch\\_%' OR tablename LIKE 'qrtz\\_%')")) {
				while (rs.next()) {
					tables.add(rs.getString(1));
				}
			}
			for (String table : tables) {
				try (ResultSet rs = statement.executeQuery("SELECT t::text FROM " + table + " t")) {
					while (rs.next()) {
						rows.add(rs.getString(1));
					}
				}
			}
		}
		catch (SQLException ex) {
			throw new IllegalStateException(ex);
		}
		return rows;
	}

}
