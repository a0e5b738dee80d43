package io.drbatch.jobs.objectlock;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
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
import software.amazon.awssdk.services.s3.model.ObjectLockRetention;

import io.drbatch.failure.DrbatchException;
import io.drbatch.failure.FailureKind;
import io.drbatch.jobs.JobTestSupport;
import io.drbatch.jobs.JobsTestApplication;
import io.drbatch.jobs.config.DrbatchProperties;
import io.drbatch.jobs.wiring.StoreTargets;
import io.drbatch.manifest.BackupCatalog;
import io.drbatch.manifest.BackupManifest;
import io.drbatch.testing.TestPostgres;
import io.drbatch.testing.TestS3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * object-lock-setup and per-version retention against the S3 test server (which stores
 * and reads back lock configuration and retention exactly, though it does not enforce
 * them): a missing bucket is created locked and versioned with the configured default
 * retention and lifecycle rules, read back exactly; a second run changes nothing; a
 * daily-dump to the locked target locks every version it writes until the date its
 * manifest records; a bucket made without Object Lock is refused naming the target.
 */
@SpringBootTest(classes = JobsTestApplication.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ObjectLockSetupJobTests {

	private static final String SOURCE = TestPostgres.newDatabase("locked");

	/** Not created by the test: object-lock-setup creates it. */
	private static final String BUCKET = TestS3.unusedBucketName("locked");

	@DynamicPropertySource
	static void properties(DynamicPropertyRegistry registry) {
		TestPostgres.execute(SOURCE, "CREATE TABLE kept (id int); INSERT INTO kept SELECT generate_series(1, 100)");
		JobTestSupport.register(registry, SOURCE, SOURCE, BUCKET);
		registry.add("drbatch.targets[0].lock.enabled", () -> "true");
		registry.add("drbatch.targets[0].lock.mode", () -> "COMPLIANCE");
		registry.add("drbatch.targets[0].lock.days", () -> "30");
		registry.add("drbatch.targets[0].lock.abort-incomplete-uploads-days", () -> "7");
		registry.add("drbatch.targets[0].lock.noncurrent-version-expiration-days", () -> "60");
	}

	@Autowired
	JobOperator jobOperator;

	@Autowired
	@Qualifier("objectLockSetupJob")
	Job setup;

	@Autowired
	@Qualifier("dailyDumpJob")
	Job dailyDump;

	@AfterAll
	void cleanUp() {
		TestPostgres.dropDatabase(SOURCE);
		TestS3.deleteVersionedBucket(BUCKET);
	}

	private JobExecution runSetup(int attempt) throws Exception {
		return this.jobOperator.start(this.setup,
				new JobParametersBuilder()
					.addString("setup.requested",
							Instant.parse("2026-11-26T00:00:00Z").plusSeconds(attempt).toString() + "-" + BUCKET)
					.toJobParameters());
	}

	@Test
	@Order(1)
	void aMissingBucketIsCreatedLockedAndVersionedAndReadsBackAsConfigured() throws Exception {
		JobExecution execution = runSetup(1);

		assertThat(execution.getStatus()).isEqualTo(BatchStatus.COMPLETED);
		try (S3Client s3 = TestS3.client()) {
			var lock = s3.getObjectLockConfiguration(r -> r.bucket(BUCKET)).objectLockConfiguration();
			assertThat(lock.objectLockEnabledAsString()).isEqualTo("Enabled");
			assertThat(lock.rule().defaultRetention().modeAsString()).isEqualTo("COMPLIANCE");
			assertThat(lock.rule().defaultRetention().days()).isEqualTo(30);
			assertThat(s3.getBucketVersioning(r -> r.bucket(BUCKET)).statusAsString()).isEqualTo("Enabled");
			var rules = s3.getBucketLifecycleConfiguration(r -> r.bucket(BUCKET)).rules();
			assertThat(rules).singleElement().satisfies(rule -> {
				assertThat(rule.abortIncompleteMultipartUpload().daysAfterInitiation()).isEqualTo(7);
				assertThat(rule.noncurrentVersionExpiration().noncurrentDays()).isEqualTo(60);
			});
		}
		String report = execution.getStepExecutions()
			.iterator()
			.next()
			.getExecutionContext()
			.getString(LockSetupTasklet.REPORT);
		assertThat(report).contains("primary: bucket " + BUCKET + " created with Object Lock", "COMPLIANCE 30 days");

		JobExecution again = runSetup(2);
		assertThat(again.getStatus()).isEqualTo(BatchStatus.COMPLETED);
		assertThat(again.getStepExecutions().iterator().next().getExecutionContext().getString(LockSetupTasklet.REPORT))
			.doesNotContain("created")
			.contains("COMPLIANCE 30 days");
	}

	@Test
	@Order(2)
	void aDumpToTheLockedTargetLocksEveryVersionItWritesUntilTheDateInItsManifest() throws Exception {
		JobExecution dump = this.jobOperator.start(this.dailyDump,
				new JobParametersBuilder().addString("database", SOURCE)
					.addString("backup.date", "2026-11-26")
					.toJobParameters());
		assertThat(dump.getStatus()).isEqualTo(BatchStatus.COMPLETED);

		BackupManifest manifest = new BackupCatalog(TestS3.store(BUCKET, "it")).newest(SOURCE).orElseThrow();
		assertThat(manifest.retainUntil()).isBetween(
				Instant.now().plus(Duration.ofDays(30)).minus(Duration.ofMinutes(5)),
				Instant.now().plus(Duration.ofDays(30)));
		try (S3Client s3 = TestS3.client()) {
			for (String key : TestS3.keys(BUCKET)) {
				ObjectLockRetention retention = s3.getObjectRetention(r -> r.bucket(BUCKET).key(key)).retention();
				assertThat(retention.modeAsString()).as(key).isEqualTo("COMPLIANCE");
				assertThat(retention.retainUntilDate()).as(key).isEqualTo(manifest.retainUntil());
			}
		}
		assertThat(TestS3.keys(BUCKET)).hasSize(2);
	}

	@Test
	@Order(3)
	void aBucketMadeWithoutObjectLockIsRefusedNamingTheTarget() {
		String plain = TestS3.newBucket("unlocked");
		DrbatchProperties.Target target = new DrbatchProperties.Target("unlocked-target", TestS3.ENDPOINT, "us-east-1",
				plain, "it", true, null, null, "test", "test", null, null, null, null, null,
				new DrbatchProperties.Lock(true, io.drbatch.store.LockMode.COMPLIANCE, 30, null, null),
				new DrbatchProperties.Encryption(false, null, null));
		try (StoreTargets targets = new StoreTargets(List.of(target), 4)) {
			LockSetupTasklet tasklet = new LockSetupTasklet(List.of(target), targets);

			assertThatThrownBy(() -> tasklet.apply(target)).isInstanceOf(DrbatchException.class)
				.hasMessageContaining("target 'unlocked-target': bucket '" + plain + "' exists without Object Lock")
				.satisfies(ex -> assertThat(((DrbatchException) ex).kind()).isEqualTo(FailureKind.BAD_CONFIGURATION));
		}
		finally {
			TestS3.deleteBucket(plain);
		}
	}

}
