package io.drbatch.jobs.restore;

import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

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
import software.amazon.awssdk.services.s3.S3Client;

import io.drbatch.jobs.JobTestSupport;
import io.drbatch.jobs.JobsTestApplication;
import io.drbatch.testing.FaultProxy;
import io.drbatch.testing.TestPostgres;
import io.drbatch.testing.TestS3;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A drill of a backup whose dump sits in GLACIER. The S3 test server returns cold objects
 * at once, so the fault proxy in front of it plays the real store: GET answers 403
 * InvalidObjectState until a restore was requested (POST ?restore) and HEAD has reported
 * it under way twice, then readable. The drill requests the restore once, waits, passes,
 * and counts the wait in its report and RTO.
 */
@SpringBootTest(classes = JobsTestApplication.class)
class ColdRestoreDrillJobTests {

	private static final String SOURCE = TestPostgres.newDatabase("cold");

	private static final String BUCKET = TestS3.newBucket("cold");

	private static final AtomicBoolean COLD = new AtomicBoolean();

	private static final AtomicInteger RESTORE_REQUESTS = new AtomicInteger();

	private static final AtomicInteger HEADS_SINCE_REQUEST = new AtomicInteger();

	private static final FaultProxy PROXY = new FaultProxy(TestS3.ENDPOINT).respond(request -> {
		if (!COLD.get() || !request.path().contains("/dump.")) {
			return null;
		}
		if (request.method().equals("POST") && request.query().startsWith("restore")) {
			RESTORE_REQUESTS.incrementAndGet();
			return new FaultProxy.Response(202, Map.of(), new byte[0]);
		}
		if (request.method().equals("GET") && !restored()) {
			return new FaultProxy.Response(403, Map.of("Content-Type", "application/xml"),
					"<Error><Code>InvalidObjectState</Code><Message>cold</Message></Error>".getBytes());
		}
		return null;
	})
		.addHeader(request -> COLD.get() && request.method().equals("HEAD") && request.path().contains("/dump."),
				"x-amz-restore", request -> {
					if (RESTORE_REQUESTS.get() == 0) {
						return null;
					}
					return HEADS_SINCE_REQUEST.incrementAndGet() <= 2 ? "ongoing-request=\"true\""
							: "ongoing-request=\"false\", expiry-date=\"Fri, 04 Dec 2026 00:00:00 GMT\"";
				});

	private static boolean restored() {
		return RESTORE_REQUESTS.get() > 0 && HEADS_SINCE_REQUEST.get() > 2;
	}

	@DynamicPropertySource
	static void properties(DynamicPropertyRegistry registry) {
		TestPostgres.execute(SOURCE,
				"CREATE TABLE archived (id int); INSERT INTO archived SELECT generate_series(1, 500)");
		JobTestSupport.register(registry, SOURCE, SOURCE, BUCKET);
		registry.add("drbatch.targets[0].endpoint", () -> PROXY.endpoint().toString());
		registry.add("drbatch.drill.cold-restore-poll", () -> "200ms");
		registry.add("drbatch.drill.checks", () -> "");
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
		PROXY.close();
		TestPostgres.dropDatabase(SOURCE);
		TestS3.deleteBucket(BUCKET);
	}

	@Test
	void aGlacierBackupIsRestoredByTheStoreThenDrilledAndTheWaitCounts() throws Exception {
		JobExecution dump = this.jobOperator.start(this.dailyDump,
				new JobParametersBuilder().addString("database", SOURCE)
					.addString("backup.date", "2026-11-26")
					.toJobParameters());
		assertThat(dump.getStatus()).isEqualTo(BatchStatus.COMPLETED);
		String dumpKey = TestS3.keys(BUCKET).stream().filter(key -> key.contains("/dump.")).findFirst().orElseThrow();
		try (S3Client s3 = TestS3.client()) {
			s3.copyObject(r -> r.sourceBucket(BUCKET)
				.sourceKey(dumpKey)
				.destinationBucket(BUCKET)
				.destinationKey(dumpKey)
				.storageClass("GLACIER")
				.metadataDirective("REPLACE"));
		}
		COLD.set(true);

		JobExecution drill = this.jobOperator.start(this.restoreDrill,
				new JobParametersBuilder().addString("database", SOURCE)
					.addString("drill.date", "2026-11-26")
					.toJobParameters());

		assertThat(drill.getStatus()).as(drill.getAllFailureExceptions().toString()).isEqualTo(BatchStatus.COMPLETED);
		assertThat(RESTORE_REQUESTS).hasValue(1);
		long wait = drill.getExecutionContext().getLong(DrillContext.COLD_WAIT_MILLIS);
		assertThat(wait).isPositive();
		assertThat(drill.getExecutionContext().getLong(DrillContext.RTO_MILLIS)).isGreaterThanOrEqualTo(wait);
		String reportKey = drill.getExecutionContext().getString(DrillContext.REPORT_KEY).replace(".json", ".md");
		try (S3Client s3 = TestS3.client()) {
			String markdown = s3.getObjectAsBytes(r -> r.bucket(BUCKET).key("it/" + reportKey)).asUtf8String();
			assertThat(markdown).contains("Restore drill PASSED", "cold-storage wait");
		}
	}

}
