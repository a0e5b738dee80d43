package io.drbatch.jobs.restore;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
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
import io.drbatch.testing.TestPostgres;
import io.drbatch.testing.TestS3;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A drill whose scratch database would be the source itself is refused before any
 * database is touched; the refusal is reported like any failed drill.
 */
@SpringBootTest(classes = JobsTestApplication.class)
class RestoreDrillRefusalJobTests {

	private static final String SOURCE = TestPostgres.newDatabase("refused");

	private static final String BUCKET = TestS3.newBucket("drillrefusal");

	@DynamicPropertySource
	static void properties(DynamicPropertyRegistry registry) {
		TestPostgres.execute(SOURCE, "CREATE TABLE kept (id int); INSERT INTO kept VALUES (1), (2), (3)");
		JobTestSupport.register(registry, SOURCE, SOURCE, BUCKET);
		registry.add("drbatch.drill.database", () -> SOURCE);
		registry.add("drbatch.drill.host", () -> "localhost");
	}

	@Autowired
	JobOperator jobOperator;

	@Autowired
	@Qualifier("restoreDrillJob")
	Job restoreDrill;

	@AfterAll
	static void cleanUp() {
		TestPostgres.dropDatabase(SOURCE);
		TestS3.deleteBucket(BUCKET);
	}

	@Test
	void drillTargetEqualToTheSourceIsRefusedAndTheSourceIsUntouched() throws Exception {
		JobExecution execution = this.jobOperator.start(this.restoreDrill,
				new JobParametersBuilder().addString("database", SOURCE)
					.addString("drill.date", "2026-11-01")
					.toJobParameters());

		assertThat(execution.getStatus()).isEqualTo(BatchStatus.FAILED);
		DrbatchException failure = DrbatchException.find(execution.getAllFailureExceptions().get(0)).orElseThrow();
		assertThat(failure.kind()).isEqualTo(FailureKind.BAD_CONFIGURATION);
		assertThat(failure.getMessage()).contains("is the source database itself");
		assertThat(execution.getStepExecutions()).hasSize(1);
		assertThat(TestPostgres.queryLong(SOURCE, "SELECT count(*) FROM kept")).isEqualTo(3);
		assertThat(TestPostgres.queryLong("postgres",
				"SELECT count(*) FROM pg_database WHERE datname LIKE 'drill\\_%" + SOURCE + "%'"))
			.isZero();
		assertThat(TestS3.keys(BUCKET)).as("only the report of the refused drill is written")
			.allMatch(key -> key.startsWith("it/drills/" + SOURCE + "/"))
			.anyMatch(key -> key.endsWith("report.json"));
	}

}
