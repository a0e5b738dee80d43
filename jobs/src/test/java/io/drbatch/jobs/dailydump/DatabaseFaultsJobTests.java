package io.drbatch.jobs.dailydump;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.batch.core.BatchStatus;
import org.springframework.batch.core.job.Job;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.job.parameters.JobParametersBuilder;
import org.springframework.batch.core.launch.JobOperator;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import io.drbatch.failure.DrbatchException;
import io.drbatch.failure.FailureKind;
import io.drbatch.jobs.JobTestSupport;
import io.drbatch.jobs.JobsTestApplication;
import io.drbatch.manifest.BackupCatalog;
import io.drbatch.manifest.BackupManifest;
import io.drbatch.testing.TestPostgres;
import io.drbatch.testing.TestS3;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The source database failing under a running dump: pg_dump's backend terminated by the
 * server ({@code pg_terminate_backend}, as a failover or an administrator would) fails
 * the run cleanly, naming pg_dump, with no backup, no manifest and no open upload left;
 * the relaunch completes with exactly one backup.
 */
@SpringBootTest(classes = JobsTestApplication.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DatabaseFaultsJobTests {

	private static final String SOURCE = TestPostgres.newDatabase("terminated");

	private static final String BUCKET = TestS3.newBucket("db-faults");

	@DynamicPropertySource
	static void properties(DynamicPropertyRegistry registry) {
		// enough rows that pg_dump runs for a while: about 60 MB
		TestPostgres.execute(SOURCE, "CREATE TABLE events (id bigint PRIMARY KEY, body text);"
				+ "INSERT INTO events SELECT g, repeat(md5(g::text), 6) FROM generate_series(1, 300000) g");
		JobTestSupport.register(registry, SOURCE, SOURCE, BUCKET);
	}

	@Autowired
	JobOperator jobOperator;

	@Autowired
	@Qualifier("dailyDumpJob")
	Job dailyDump;

	@AfterAll
	void cleanUp() {
		TestPostgres.dropDatabase(SOURCE);
		TestS3.deleteBucket(BUCKET);
	}

	@Test
	void aDumpWhoseBackendIsTerminatedFailsCleanlyAndTheRelaunchCompletes() throws Exception {
		CompletableFuture<JobExecution> running = CompletableFuture.supplyAsync(() -> {
			try {
				return this.jobOperator.start(this.dailyDump,
						new JobParametersBuilder().addString("database", SOURCE)
							.addString("backup.date", "2026-11-24")
							.toJobParameters());
			}
			catch (Exception ex) {
				throw new IllegalStateException(ex);
			}
		});
		Instant deadline = Instant.now().plus(Duration.ofMinutes(1));
		long terminated = 0;
		while (terminated == 0) {
			assertThat(running).as("the dump ended before its pg_dump backend was seen").isNotDone();
			assertThat(Instant.now()).isBefore(deadline);
			terminated = TestPostgres.queryLong("postgres",
					"SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity " + "WHERE datname = '" + SOURCE
							+ "' AND application_name = 'drbatch' AND state = 'active'");
			Thread.sleep(5);
		}
		JobExecution failed = running.get();

		assertThat(failed.getStatus()).isEqualTo(BatchStatus.FAILED);
		DrbatchException failure = failed.getAllFailureExceptions()
			.stream()
			.map(DrbatchException::find)
			.flatMap(java.util.Optional::stream)
			.findFirst()
			.orElseThrow(() -> new AssertionError("no named cause: " + failed.getAllFailureExceptions()));
		assertThat(failure.kind()).as(failure.getMessage())
			.isIn(FailureKind.TOOL_FAILED, FailureKind.DATABASE_UNAVAILABLE);
		assertThat(failure.getMessage()).contains("pg_dump");
		assertThat(new BackupCatalog(TestS3.store(BUCKET, "it")).list(SOURCE)).isEmpty();
		assertThat(TestS3.keys(BUCKET)).noneMatch(key -> key.endsWith("manifest.json"));
		assertThat(TestS3.openUploads(BUCKET)).isZero();

		JobExecution relaunched = this.jobOperator.restart(failed);

		assertThat(relaunched.getStatus()).isEqualTo(BatchStatus.COMPLETED);
		List<BackupManifest> backups = new BackupCatalog(TestS3.store(BUCKET, "it")).list(SOURCE);
		assertThat(backups).hasSize(1);
		assertThat(backups.get(0).tables()).anySatisfy(table -> {
			assertThat(table.table()).isEqualTo("events");
			assertThat(table.rows()).isEqualTo(300000);
		});
		assertThat(TestS3.openUploads(BUCKET)).isZero();
	}

}
