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
import io.drbatch.jobs.JobTestSupport;
import io.drbatch.jobs.JobsTestApplication;
import io.drbatch.testing.TestPostgres;
import io.drbatch.testing.TestS3;
import io.drbatch.testing.WebhookReceiver;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Custom checks decide a drill too: one passing and one failing check on an honest backup
 * fail the drill, naming the failing check, and the failure reaches the webhook without
 * any secret in its payload.
 */
@SpringBootTest(classes = JobsTestApplication.class)
class RestoreDrillChecksJobTests {

	private static final String SOURCE = TestPostgres.newDatabase("checked");

	private static final String BUCKET = TestS3.newBucket("drillchecks");

	private static final String PASSWORD = "drill-Secret-77ab";

	private static final WebhookReceiver WEBHOOK = new WebhookReceiver();

	@DynamicPropertySource
	static void properties(DynamicPropertyRegistry registry) {
		TestPostgres.execute(SOURCE, "CREATE TABLE events (id int, at timestamptz); "
				+ "INSERT INTO events SELECT g, now() - g * interval '1 minute' FROM generate_series(1, 6) g");
		JobTestSupport.register(registry, SOURCE, SOURCE, BUCKET);
		registry.add("drbatch.sources[0].password", () -> PASSWORD);
		registry.add("drbatch.drill.password", () -> PASSWORD);
		registry.add("drbatch.drill.webhook.url", () -> WEBHOOK.url().toString());
		registry.add("drbatch.drill.checks[0].name", () -> "events-fresh");
		registry.add("drbatch.drill.checks[0].sql",
				() -> "SELECT max(at) >= ${snapshot_time} - interval '1 hour' FROM events");
		registry.add("drbatch.drill.checks[1].name", () -> "seven-events");
		registry.add("drbatch.drill.checks[1].sql", () -> "SELECT count(*) FROM events");
		registry.add("drbatch.drill.checks[1].expect", () -> "7");
		registry.add("drbatch.drill.checks[2].name", () -> "other-database-only");
		registry.add("drbatch.drill.checks[2].sql", () -> "SELECT 1/0");
		registry.add("drbatch.drill.checks[2].databases[0]", () -> "some_other_database");
	}

	@Autowired
	JobOperator jobOperator;

	@Autowired
	@Qualifier("dailyDumpJob")
	Job dailyDump;

	@Autowired
	@Qualifier("restoreDrillJob")
	Job restoreDrill;

	@AfterAll
	static void cleanUp() {
		WEBHOOK.close();
		TestPostgres.dropDatabase(SOURCE);
		TestS3.deleteBucket(BUCKET);
	}

	@Test
	void aFailingCheckFailsTheDrillAndTheWebhookHearsOfIt() throws Exception {
		assertThat(this.jobOperator
			.start(this.dailyDump,
					new JobParametersBuilder().addString("database", SOURCE)
						.addString("backup.date", "2026-11-24")
						.toJobParameters())
			.getStatus()).isEqualTo(BatchStatus.COMPLETED);

		JobExecution drill = this.jobOperator.start(this.restoreDrill,
				new JobParametersBuilder().addString("database", SOURCE)
					.addString("drill.date", "2026-11-24")
					.toJobParameters());

		assertThat(drill.getStatus()).isEqualTo(BatchStatus.FAILED);
		String failure = DrbatchException.find(drill.getAllFailureExceptions().get(0)).orElseThrow().getMessage();
		assertThat(failure).contains("check seven-events returned 6, expected 7")
			.doesNotContain("events-fresh")
			.doesNotContain("other-database-only");
		assertThat(WEBHOOK.bodies()).singleElement()
			.asString()
			.contains("\"result\" : \"FAILED\"", "seven-events", SOURCE)
			.doesNotContain(PASSWORD);
	}

}
