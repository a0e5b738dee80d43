package io.drbatch.scheduler.cli;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.drbatch.testing.TestPostgres;
import io.drbatch.testing.TestS3;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A restore drill killed with SIGKILL while it verifies row counts, then relaunched with
 * {@code drbatch restart}, resumes its verification after the last committed chunk and
 * completes.
 */
class RestoreDrillRelaunchCliIT {

	private static final int TABLES = 2000;

	private static final String SOURCE = TestPostgres.newDatabase("cli_drill_kill");

	private static final String BUCKET = TestS3.newBucket("cli-drill-kill");

	@TempDir
	Path workDir;

	@AfterAll
	static void cleanUp() {
		TestPostgres.dropDatabase(SOURCE);
		TestS3.deleteBucket(BUCKET);
		try (Connection connection = TestPostgres.connect("postgres");
				ResultSet rs = connection.createStatement()
					.executeQuery("SELECT datname FROM pg_database WHERE datname LIKE 'drill\\_" + SOURCE + "%'")) {
			while (rs.next()) {
				TestPostgres.dropDatabase(rs.getString(1));
			}
		}
		catch (SQLException ex) {
			throw new IllegalStateException(ex);
		}
	}

	@Test
	void drillKilledDuringVerificationIsRelaunchedAndCompletes() throws Exception {
		// many small tables make the chunk-oriented verification long enough to be killed
		// in the middle
		TestPostgres.execute(SOURCE, "DO $$ BEGIN FOR i IN 1.." + TABLES + " LOOP "
				+ "EXECUTE format('CREATE TABLE t%s (id int)', i); EXECUTE format('INSERT INTO t%s VALUES (%s)', i, i); "
				+ "END LOOP; END $$");
		CliProcess cli = new CliProcess(this.workDir).source(SOURCE, SOURCE).bucket(BUCKET);
		assertThat(cli.run("run", "daily-dump", "database=" + SOURCE, "backup.date=2026-11-25").exitCode()).isZero();

		CliProcess.Running drill = cli.start("run", "restore-drill", "database=" + SOURCE, "drill.date=2026-11-25");
		long executionId = awaitVerificationUnderWay(drill);
		drill.process().destroyForcibly().waitFor();
		long countedBeforeKill = verifyReadCount(executionId);
		assertThat(countedBeforeKill).isPositive().isLessThan(TABLES);

		CliProcess.Result restart = cli.run("restart", String.valueOf(executionId));

		assertThat(restart.exitCode()).as(restart.stdout() + restart.stderr()).isZero();
		assertThat(restart.stdout()).contains("Restore drill PASSED", "restore-drill execution").contains("COMPLETED");
		long relaunched = JobRepositoryQueries.executions("restore-drill", SOURCE)
			.keySet()
			.stream()
			.mapToLong(Long::longValue)
			.max()
			.orElseThrow();
		assertThat(relaunched).isNotEqualTo(executionId);
		assertThat(verifyReadCount(relaunched)).as("tables counted after the relaunch")
			.isEqualTo(TABLES - verifyCommittedCount(executionId));
		assertThat(restart.stdout().lines().filter(line -> line.matches("\\| public\\.t\\d+ \\| 1 \\| 1 \\| ok \\|")))
			.hasSize(TABLES);
	}

	private static long awaitVerificationUnderWay(CliProcess.Running drill) throws InterruptedException {
		Instant deadline = Instant.now().plus(Duration.ofMinutes(3));
		while (Instant.now().isBefore(deadline)) {
			assertThat(drill.process().isAlive()).as("the drill ended before its verification was seen").isTrue();
			Long execution = queryLong("""
					SELECT s.job_execution_id FROM batch_step_execution s
					JOIN batch_job_execution_params p ON p.job_execution_id = s.job_execution_id
					WHERE s.step_name = 'restore-drill.verify' AND s.status = 'STARTED' AND s.commit_count >= 3
					  AND p.parameter_name = 'database' AND p.parameter_value = ?
					""");
			if (execution != null) {
				return execution;
			}
			Thread.sleep(20);
		}
		throw new AssertionError("verification never got under way");
	}

	private static long verifyReadCount(long executionId) {
		return stepValue(executionId, "read_count");
	}

	/**
	 * Tables whose counts were committed before the kill: what a relaunch must not count
	 * again.
	 */
	private static long verifyCommittedCount(long executionId) {
		return stepValue(executionId, "write_count");
	}

	private static long stepValue(long executionId, String column) {
		try (Connection connection = TestPostgres.connect(CliProcess.JOB_REPOSITORY);
				PreparedStatement statement = connection.prepareStatement("SELECT " + column
						+ " FROM batch_step_execution WHERE job_execution_id = ? AND step_name = 'restore-drill.verify'")) {
			statement.setLong(1, executionId);
			try (ResultSet rs = statement.executeQuery()) {
				assertThat(rs.next()).isTrue();
				return rs.getLong(1);
			}
		}
		catch (SQLException ex) {
			throw new IllegalStateException(ex);
		}
	}

	private static Long queryLong(String sql) {
		try (Connection connection = TestPostgres.connect(CliProcess.JOB_REPOSITORY);
				PreparedStatement statement = connection.prepareStatement(sql)) {
			statement.setString(1, SOURCE);
			try (ResultSet rs = statement.executeQuery()) {
				return rs.next() ? rs.getLong(1) : null;
			}
		}
		catch (SQLException ex) {
			throw new IllegalStateException(ex);
		}
	}

}
