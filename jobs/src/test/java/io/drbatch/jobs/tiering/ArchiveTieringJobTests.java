package io.drbatch.jobs.tiering;

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
import software.amazon.awssdk.services.s3.S3Client;

import io.drbatch.codec.Sha256;
import io.drbatch.jobs.JobTestSupport;
import io.drbatch.jobs.JobsTestApplication;
import io.drbatch.manifest.BackupCatalog;
import io.drbatch.manifest.BackupLayout;
import io.drbatch.manifest.BackupManifest;
import io.drbatch.manifest.Tier;
import io.drbatch.store.S3ObjectStore;
import io.drbatch.testing.TestBackups;
import io.drbatch.testing.TestS3;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * archive-tiering against the S3 test server, with daily backups written at chosen
 * snapshot times (a multipart object of two parts each, as daily-dump writes them): the
 * newest daily of the configured weekday goes to the weekly tier and the month's first
 * daily to the monthly tier, as server-side copies in the tier's storage class with the
 * original composite checksum, manifest last, each copy and manifest locked for its
 * tier's retention (the target has Object Lock); a second run copies nothing; what a
 * crashed attempt left (a copy without a manifest, an open multipart copy) is replaced
 * and aborted.
 */
@SpringBootTest(classes = JobsTestApplication.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ArchiveTieringJobTests {

	private static final String SOURCE = "tiered_" + java.util.UUID.randomUUID().toString().substring(0, 8);

	private static final String BUCKET = TestS3.unusedBucketName("tiering");

	private static final int PART = 5 * 1024 * 1024;

	@DynamicPropertySource
	static void properties(DynamicPropertyRegistry registry) {
		try (S3Client s3 = TestS3.client()) {
			s3.createBucket(r -> r.bucket(BUCKET).objectLockEnabledForBucket(true));
			s3.putBucketVersioning(r -> r.bucket(BUCKET).versioningConfiguration(v -> v.status("Enabled")));
		}
		JobTestSupport.register(registry, SOURCE, "postgres", BUCKET);
		registry.add("drbatch.targets[0].lock.enabled", () -> "true");
		registry.add("drbatch.retention.weekly.days", () -> "90");
		registry.add("drbatch.retention.monthly.days", () -> "2555");
		registry.add("drbatch.tiering.weekly-day", () -> "SUNDAY");
		registry.add("drbatch.tiering.weekly-storage-class", () -> "STANDARD_IA");
		registry.add("drbatch.tiering.monthly-storage-class", () -> "GLACIER");
	}

	@Autowired
	JobOperator jobOperator;

	@Autowired
	@Qualifier("archiveTieringJob")
	Job tiering;

	private int runs;

	@AfterAll
	void cleanUp() {
		TestS3.deleteVersionedBucket(BUCKET);
	}

	/**
	 * A daily backup taken at {@code snapshot}: a two-part object (5 MiB + a tail) and
	 * its manifest.
	 */
	private String daily(String snapshot) {
		Instant time = Instant.parse(snapshot);
		try (S3ObjectStore store = TestS3.store(BUCKET, "it")) {
			return TestBackups.daily(store, SOURCE, time, PART + 1234, PART, time.getEpochSecond()).backupId();
		}
	}

	private JobExecution run() throws Exception {
		return this.jobOperator.start(this.tiering,
				new JobParametersBuilder().addString("tier.date", "2026-11-26")
					.addString("test.run", SOURCE + "-" + this.runs++)
					.toJobParameters());
	}

	private List<BackupManifest> tier(Tier tier) {
		return new BackupCatalog(TestS3.store(BUCKET, "it")).list(SOURCE)
			.stream()
			.filter(m -> m.tier() == tier)
			.toList();
	}

	@Test
	void theWeekdaysNewestAndTheMonthsFirstAreCopiedIntoTheirTiersOnce() throws Exception {
		String firstOfMonth = daily("2026-11-01T02:00:00Z");
		daily("2026-11-22T02:00:00Z");
		String sundayNewest = daily("2026-11-22T14:00:00Z");
		daily("2026-11-25T02:00:00Z");
		daily("2026-10-31T02:00:00Z");
		// a crashed earlier attempt: half a weekly copy without a manifest, and a
		// multipart copy never completed
		String weeklyFolder = BackupLayout.folder(Tier.WEEKLY, SOURCE, sundayNewest);
		try (S3ObjectStore store = TestS3.store(BUCKET, "it")) {
			store.put(weeklyFolder + "dump.pgdump.zst", new byte[] { 1, 2, 3 }, "application/octet-stream");
			store.startMultipart(weeklyFolder + "dump.pgdump.zst", "application/octet-stream");
		}

		JobExecution execution = run();

		assertThat(execution.getStatus()).isEqualTo(BatchStatus.COMPLETED);
		assertThat(tier(Tier.WEEKLY)).extracting(BackupManifest::backupId).containsExactly(sundayNewest);
		assertThat(tier(Tier.MONTHLY)).extracting(BackupManifest::backupId).containsExactly(firstOfMonth);
		BackupManifest daily = new BackupCatalog(TestS3.store(BUCKET, "it")).list(SOURCE)
			.stream()
			.filter(m -> m.backupId().equals(firstOfMonth) && m.tier() == Tier.DAILY)
			.findFirst()
			.orElseThrow();
		BackupManifest monthly = tier(Tier.MONTHLY).get(0);
		BackupManifest.StoredObject copy = monthly.objects().get(0);
		assertThat(copy.key()).startsWith("monthly/" + SOURCE + "/" + firstOfMonth + "/");
		assertThat(copy.sha256()).isEqualTo(daily.objects().get(0).sha256());
		try (S3Client s3 = TestS3.client()) {
			var head = s3.headObject(r -> r.bucket(BUCKET)
				.key("it/" + copy.key())
				.checksumMode(software.amazon.awssdk.services.s3.model.ChecksumMode.ENABLED));
			assertThat(head.storageClassAsString()).isEqualTo("GLACIER");
			assertThat(head.contentLength()).isEqualTo(copy.size());
			byte[] copied = s3.getObjectAsBytes(r -> r.bucket(BUCKET).key("it/" + copy.key())).asByteArray();
			assertThat(Sha256.hex(Sha256.of(copied, 0, copied.length))).isEqualTo(daily.objects().get(0).sha256());
			var weeklyHead = s3
				.headObject(r -> r.bucket(BUCKET).key("it/" + tier(Tier.WEEKLY).get(0).objects().get(0).key()));
			assertThat(weeklyHead.storageClassAsString()).isEqualTo("STANDARD_IA");
		}
		assertThat(execution.getStepExecutions().iterator().next().getWriteCount()).isEqualTo(2);
		Instant now = Instant.now();
		try (S3Client s3 = TestS3.client()) {
			for (BackupManifest tiered : List.of(tier(Tier.WEEKLY).get(0), tier(Tier.MONTHLY).get(0))) {
				long days = tiered.tier() == Tier.WEEKLY ? 90 : 2555;
				assertThat(tiered.retainUntil()).as(tiered.tier().id())
					.isBetween(now.plus(java.time.Duration.ofDays(days)).minusSeconds(300),
							now.plus(java.time.Duration.ofDays(days)));
				for (String key : List.of(tiered.objects().get(0).key(),
						BackupLayout.manifestKey(tiered.tier(), SOURCE, tiered.backupId()))) {
					var retention = s3.getObjectRetention(r -> r.bucket(BUCKET).key("it/" + key)).retention();
					assertThat(retention.modeAsString()).as(key).isEqualTo("COMPLIANCE");
					assertThat(retention.retainUntilDate()).as(key).isEqualTo(tiered.retainUntil());
				}
			}
		}
		int keys = TestS3.keys(BUCKET).size();

		JobExecution again = run();

		assertThat(again.getStatus()).isEqualTo(BatchStatus.COMPLETED);
		assertThat(again.getStepExecutions().iterator().next().getWriteCount()).isZero();
		assertThat(TestS3.keys(BUCKET)).hasSize(keys);
		assertThat(TestS3.openUploads(BUCKET)).isZero();
	}

}
