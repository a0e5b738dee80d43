package io.drbatch.jobs.retention;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

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
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;

import io.drbatch.jobs.JobTestSupport;
import io.drbatch.jobs.JobsTestApplication;
import io.drbatch.manifest.BackupCatalog;
import io.drbatch.manifest.BackupLayout;
import io.drbatch.manifest.BackupManifest;
import io.drbatch.manifest.Tier;
import io.drbatch.manifest.ManifestJson;
import io.drbatch.testing.FaultProxy;
import io.drbatch.testing.TestS3;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A store that enforces a lock it does not report (a bucket default retention applied to
 * every version): the fault proxy in front of the S3 test server answers 403 AccessDenied
 * to every versioned delete of one expired backup. The retention job reports that backup
 * "retained by lock", leaves it listed, deletes the other expired backup, and completes.
 */
@SpringBootTest(classes = JobsTestApplication.class)
class RetentionLockRefusalJobTests {

	private static final String SOURCE = "refused_" + java.util.UUID.randomUUID().toString().substring(0, 8);

	private static final String BUCKET = TestS3.unusedBucketName("retention-locked");

	private static final Instant DAY = Instant.parse("2026-11-26T02:00:00Z");

	private static final String LOCKED_ID = BackupLayout.newBackupId(DAY.minus(Duration.ofDays(50)));

	private static final FaultProxy PROXY = new FaultProxy(TestS3.ENDPOINT)
		.refuse(request -> request.method().equals("DELETE") && request.query().contains("versionId")
				&& request.path().contains("/" + LOCKED_ID + "/"), 403, "AccessDenied");

	@DynamicPropertySource
	static void properties(DynamicPropertyRegistry registry) {
		try (S3Client s3 = TestS3.client()) {
			s3.createBucket(r -> r.bucket(BUCKET).objectLockEnabledForBucket(true));
			s3.putBucketVersioning(r -> r.bucket(BUCKET).versioningConfiguration(v -> v.status("Enabled")));
		}
		JobTestSupport.register(registry, SOURCE, "postgres", BUCKET);
		registry.add("drbatch.targets[0].endpoint", () -> PROXY.endpoint().toString());
		registry.add("drbatch.retention.daily.days", () -> "30");
		registry.add("drbatch.retention.daily.min-count", () -> "1");
	}

	@Autowired
	JobOperator jobOperator;

	@Autowired
	@Qualifier("retentionJob")
	Job retention;

	@AfterAll
	static void cleanUp() {
		PROXY.close();
		TestS3.deleteVersionedBucket(BUCKET);
	}

	private static String backup(int daysOld) {
		Instant snapshot = DAY.minus(Duration.ofDays(daysOld));
		String id = BackupLayout.newBackupId(snapshot);
		String dataKey = BackupLayout.folder(Tier.DAILY, SOURCE, id) + "dump.pgdump.zst";
		BackupManifest manifest = new BackupManifest(1, id, SOURCE, Tier.DAILY, snapshot,
				new BackupManifest.Source(SOURCE, "db", 5432, "15", 150000, snapshot, "s"),
				new BackupManifest.Dump("custom", "pg_dump 15", "zstd", 1, null, 10, 1),
				List.of(new BackupManifest.StoredObject("dump", dataKey, 4, "x", null, 1, 4)), List.of(), null);
		try (S3Client s3 = TestS3.client()) {
			s3.putObject(r -> r.bucket(BUCKET).key("it/" + dataKey), RequestBody.fromString("data"));
			s3.putObject(r -> r.bucket(BUCKET).key("it/" + BackupLayout.manifestKey(Tier.DAILY, SOURCE, id)),
					RequestBody.fromBytes(ManifestJson.write(manifest)));
		}
		return id;
	}

	@Test
	void aDeleteTheStoreRefusesIsReportedAsRetainedByLockAndTheJobCompletes() throws Exception {
		String fresh = backup(1);
		String locked = backup(50);
		String expired = backup(60);
		assertThat(locked).isEqualTo(LOCKED_ID);

		JobExecution execution = this.jobOperator.start(this.retention,
				new JobParametersBuilder().addString("retention.date", "2026-11-26")
					.addString("dry-run", "false")
					.addString("test.run", SOURCE)
					.toJobParameters());

		assertThat(execution.getStatus()).isEqualTo(BatchStatus.COMPLETED);
		String report = execution.getStepExecutions()
			.iterator()
			.next()
			.getExecutionContext()
			.getString(PruneTasklet.REPORT);
		assertThat(report)
			.contains("deleted primary daily/" + SOURCE + "/" + expired + " (manifest first, then every version)")
			.contains("kept primary daily/" + SOURCE + "/" + locked + ": ")
			.contains(locked + "/manifest.json version")
			.contains("retained by lock (the store refused the delete)");
		assertThat(PROXY.refused()).isNotEmpty().allMatch(request -> request.path().contains(locked));
		assertThat(new BackupCatalog(TestS3.store(BUCKET, "it")).list(SOURCE)).extracting(BackupManifest::backupId)
			.containsExactly(fresh, locked);
	}

}
