package io.drbatch.jobs.retention;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

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
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;

import io.drbatch.jobs.JobTestSupport;
import io.drbatch.jobs.JobsTestApplication;
import io.drbatch.manifest.BackupCatalog;
import io.drbatch.manifest.BackupLayout;
import io.drbatch.manifest.BackupManifest;
import io.drbatch.manifest.Tier;
import io.drbatch.manifest.ManifestJson;
import io.drbatch.testing.TestS3;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The retention job against a versioned bucket on the S3 test server, with backups
 * written directly (a manifest and a data object each) at chosen ages: exactly the
 * expired ones go, every version of them; the newest of a tier stays even when all have
 * expired; a dry run deletes nothing; a backup still under Object Lock is kept and
 * reported with its lock date.
 */
@SpringBootTest(classes = JobsTestApplication.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RetentionJobTests {

	private static final String SOURCE = "pruned_" + java.util.UUID.randomUUID().toString().substring(0, 8);

	private static final String BUCKET = TestS3.unusedBucketName("retention");

	private static final Instant DAY = Instant.parse("2026-11-26T02:00:00Z");

	@DynamicPropertySource
	static void properties(DynamicPropertyRegistry registry) {
		try (S3Client s3 = TestS3.client()) {
			s3.createBucket(r -> r.bucket(BUCKET).objectLockEnabledForBucket(true));
			s3.putBucketVersioning(r -> r.bucket(BUCKET).versioningConfiguration(v -> v.status("Enabled")));
		}
		JobTestSupport.register(registry, SOURCE, "postgres", BUCKET);
		registry.add("drbatch.retention.daily.days", () -> "30");
		registry.add("drbatch.retention.daily.min-count", () -> "2");
		registry.add("drbatch.retention.weekly.days", () -> "90");
		registry.add("drbatch.retention.weekly.min-count", () -> "1");
	}

	@Autowired
	JobOperator jobOperator;

	@Autowired
	@Qualifier("retentionJob")
	Job retention;

	private int runs;

	@AfterAll
	void cleanUp() {
		TestS3.deleteVersionedBucket(BUCKET);
	}

	/**
	 * Writes a backup of {@code tier} whose snapshot is {@code daysOld} days before the
	 * retention date.
	 */
	private String backup(Tier tier, int daysOld, boolean locked) {
		Instant snapshot = DAY.minus(Duration.ofDays(daysOld));
		String id = BackupLayout.newBackupId(snapshot);
		String dataKey = BackupLayout.folder(tier, SOURCE, id) + "dump.pgdump.zst";
		BackupManifest manifest = new BackupManifest(1, id, SOURCE, tier, snapshot,
				new BackupManifest.Source(SOURCE, "db", 5432, "15", 150000, snapshot, "s"),
				new BackupManifest.Dump("custom", "pg_dump 15", "zstd", 1, null, 10, 1),
				List.of(new BackupManifest.StoredObject("dump", dataKey, 4, "x", null, 1, 4)), List.of(), null);
		try (S3Client s3 = TestS3.client()) {
			// two versions of the data object, as a relaunch that rewrote it would leave
			s3.putObject(r -> r.bucket(BUCKET).key("it/" + dataKey), RequestBody.fromString("old!"));
			s3.putObject(r -> r.bucket(BUCKET).key("it/" + dataKey), RequestBody.fromString("data"));
			s3.putObject(r -> r.bucket(BUCKET).key("it/" + BackupLayout.manifestKey(tier, SOURCE, id)),
					RequestBody.fromBytes(ManifestJson.write(manifest)));
			if (locked) {
				s3.putObjectRetention(r -> r.bucket(BUCKET)
					.key("it/" + dataKey)
					.retention(ret -> ret.mode("COMPLIANCE").retainUntilDate(Instant.now().plus(Duration.ofDays(3)))));
			}
		}
		return id;
	}

	private JobExecution run(boolean dryRun) throws Exception {
		return this.jobOperator.start(this.retention,
				new JobParametersBuilder().addString("retention.date", "2026-11-26")
					.addString("dry-run", String.valueOf(dryRun))
					.addString("test.run", SOURCE + "-" + this.runs++)
					.toJobParameters());
	}

	private List<String> backupIds(Tier tier) {
		return new BackupCatalog(TestS3.store(BUCKET, "it")).list(SOURCE)
			.stream()
			.filter(m -> tier.equals(m.tier()))
			.map(BackupManifest::backupId)
			.toList();
	}

	private long versions(String backupId) {
		try (S3Client s3 = TestS3.client()) {
			return s3.listObjectVersions(r -> r.bucket(BUCKET).prefix("it/"))
				.versions()
				.stream()
				.filter(v -> v.key().contains(backupId))
				.count();
		}
	}

	@Test
	void expiredBackupsGoTheNewestStaysADryRunDeletesNothingAndALockedBackupIsKept() throws Exception {
		String fresh = backup(Tier.DAILY, 1, false);
		String recent = backup(Tier.DAILY, 20, false);
		String expired = backup(Tier.DAILY, 40, false);
		String expiredLocked = backup(Tier.DAILY, 45, true);
		String veryOld = backup(Tier.DAILY, 60, false);
		String onlyWeekly = backup(Tier.WEEKLY, 200, false);
		String olderWeekly = backup(Tier.WEEKLY, 300, false);

		JobExecution dry = run(true);
		assertThat(dry.getStatus()).isEqualTo(BatchStatus.COMPLETED);
		assertThat(report(dry))
			.contains("would delete primary daily/" + SOURCE + "/" + expired,
					"would delete primary daily/" + SOURCE + "/" + veryOld,
					"would delete primary weekly/" + SOURCE + "/" + olderWeekly)
			.doesNotContain(fresh, recent, onlyWeekly);
		assertThat(backupIds(Tier.DAILY)).hasSize(5);

		JobExecution real = run(false);

		assertThat(real.getStatus()).isEqualTo(BatchStatus.COMPLETED);
		assertThat(backupIds(Tier.DAILY)).containsExactly(fresh, recent, expiredLocked);
		assertThat(backupIds(Tier.WEEKLY)).as("the newest of a tier stays even when it has expired")
			.containsExactly(onlyWeekly);
		assertThat(versions(expired)).as("every version of a deleted backup goes").isZero();
		assertThat(versions(veryOld)).isZero();
		assertThat(versions(expiredLocked)).isEqualTo(3);
		assertThat(report(real)).contains("deleted primary daily/" + SOURCE + "/" + expired,
				"kept primary daily/" + SOURCE + "/" + expiredLocked + ": retained by lock until");

		JobExecution again = run(false);
		assertThat(report(again)).as("a second run finds only the locked one")
			.contains("retained by lock")
			.doesNotContain("deleted");
	}

	private static String report(JobExecution execution) {
		return execution.getStepExecutions().iterator().next().getExecutionContext().getString(PruneTasklet.REPORT);
	}

	@Test
	void whatAnInterruptedDeletionLeftIsDeletedAndAFolderBeingWrittenIsNot() throws Exception {
		String leftover = BackupLayout.newBackupId(DAY.minus(Duration.ofDays(400)));
		String beingWritten = BackupLayout.newBackupId(Instant.now());
		try (S3Client s3 = TestS3.client()) {
			// the manifest of an expired backup was deleted, then the process died before
			// its objects went
			s3.putObject(
					r -> r.bucket(BUCKET)
						.key("it/" + BackupLayout.folder(Tier.DAILY, SOURCE, leftover) + "dump.pgdump.zst"),
					RequestBody.fromString("orphan"));
			// a dump in progress: its object is written before its manifest
			s3.putObject(
					r -> r.bucket(BUCKET)
						.key("it/" + BackupLayout.folder(Tier.DAILY, SOURCE, beingWritten) + "dump.pgdump.zst"),
					RequestBody.fromString("fresh"));
		}

		JobExecution execution = run(false);

		assertThat(execution.getStatus()).isEqualTo(BatchStatus.COMPLETED);
		assertThat(TestS3.keys(BUCKET)).noneMatch(key -> key.contains("/" + leftover + "/"))
			.anyMatch(key -> key.contains("/" + beingWritten + "/"));
		assertThat(versions(leftover)).isZero();
		assertThat(execution.getStepExecutions().iterator().next().getExecutionContext().getString(PruneTasklet.REPORT))
			.contains(leftover + " (no manifest: left by an interrupted deletion)");
	}

}
