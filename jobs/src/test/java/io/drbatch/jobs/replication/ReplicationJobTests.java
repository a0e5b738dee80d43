package io.drbatch.jobs.replication;

import java.io.InputStream;
import java.net.URI;
import java.time.Instant;
import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
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

import io.drbatch.codec.Sha256;
import io.drbatch.failure.DrbatchException;
import io.drbatch.failure.FailureKind;
import io.drbatch.jobs.JobTestSupport;
import io.drbatch.jobs.JobsTestApplication;
import io.drbatch.manifest.BackupCatalog;
import io.drbatch.manifest.BackupLayout;
import io.drbatch.manifest.BackupManifest;
import io.drbatch.store.ObjectInfo;
import io.drbatch.store.S3ObjectStore;
import io.drbatch.testing.FaultProxy;
import io.drbatch.testing.TestBackups;
import io.drbatch.testing.TestS3;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * replication against three S3-compatible servers (9090 primary, 9091 and 9092
 * secondaries), each secondary reached through a fault proxy: every backup copied and
 * verified on both, a second run copies nothing, a copy failing mid-object resumes from
 * its uploaded parts, a stopped secondary leaves the other complete and the run failing
 * until the next run catches up, a copy with one byte changed is found and copied again,
 * copies on a locked secondary are locked.
 */
@SpringBootTest(classes = JobsTestApplication.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ReplicationJobTests {

	private static final String SOURCE = "replicated_" + java.util.UUID.randomUUID().toString().substring(0, 8);

	private static final String PRIMARY_BUCKET = TestS3.newBucket("repl-primary");

	private static final URI SECOND_SERVER = TestS3.SECONDARY_ENDPOINTS.get(0);

	private static final URI THIRD_SERVER = TestS3.SECONDARY_ENDPOINTS.get(1);

	private static final String SECOND_BUCKET = TestS3.newBucket(SECOND_SERVER, "repl-second");

	private static final String THIRD_BUCKET = TestS3.unusedBucketName("repl-third");

	private static final FaultProxy SECOND = new FaultProxy(SECOND_SERVER);

	private static final FaultProxy THIRD = new FaultProxy(THIRD_SERVER);

	private static final int PART = 5 * 1024 * 1024;

	@DynamicPropertySource
	static void properties(DynamicPropertyRegistry registry) {
		try (S3Client s3 = TestS3.client(THIRD_SERVER)) {
			s3.createBucket(r -> r.bucket(THIRD_BUCKET).objectLockEnabledForBucket(true));
			s3.putBucketVersioning(r -> r.bucket(THIRD_BUCKET).versioningConfiguration(v -> v.status("Enabled")));
		}
		JobTestSupport.register(registry, SOURCE, "postgres", PRIMARY_BUCKET);
		secondary(registry, 1, "second", SECOND.endpoint(), SECOND_BUCKET);
		secondary(registry, 2, "third", THIRD.endpoint(), THIRD_BUCKET);
		registry.add("drbatch.targets[2].lock.enabled", () -> "true");
		registry.add("drbatch.targets[2].lock.mode", () -> "GOVERNANCE");
		registry.add("drbatch.targets[2].lock.days", () -> "30");
	}

	private static void secondary(DynamicPropertyRegistry registry, int index, String name, URI endpoint,
			String bucket) {
		String prefix = "drbatch.targets[" + index + "].";
		registry.add(prefix + "name", () -> name);
		registry.add(prefix + "endpoint", endpoint::toString);
		registry.add(prefix + "bucket", () -> bucket);
		registry.add(prefix + "prefix", () -> "it");
		registry.add(prefix + "path-style", () -> "true");
		registry.add(prefix + "access-key-id", () -> "test");
		registry.add(prefix + "secret-access-key", () -> "test");
	}

	@Autowired
	JobOperator jobOperator;

	@Autowired
	@Qualifier("replicationJob")
	Job replication;

	private int runs;

	@AfterEach
	void healProxies() {
		SECOND.clear();
		THIRD.clear();
	}

	@AfterAll
	void cleanUp() {
		SECOND.close();
		THIRD.close();
		TestS3.deleteBucket(PRIMARY_BUCKET);
		TestS3.deleteBucket(SECOND_SERVER, SECOND_BUCKET);
		TestS3.deleteVersionedBucket(THIRD_SERVER, THIRD_BUCKET);
	}

	@Test
	@Order(1)
	void everyBackupIsCopiedAndVerifiedOnBothSecondariesAndASecondRunCopiesNothing() throws Exception {
		BackupManifest first = backup("2026-11-20T02:00:00Z", 2 * PART + 100);
		BackupManifest second = backup("2026-11-21T02:00:00Z", PART + 7);

		JobExecution run = run();

		assertThat(run.getStatus()).isEqualTo(BatchStatus.COMPLETED);
		for (String target : List.of("second", "third")) {
			assertThat(context(run, target, "status")).isEqualTo(ReplicationLag.UP_TO_DATE);
			assertThat(run.getExecutionContext().getLong("drbatch.replication." + target + ".backups.copied"))
				.isEqualTo(2);
			assertThat(run.getExecutionContext().getLong("drbatch.replication." + target + ".lag.seconds")).isZero();
		}
		for (S3ObjectStore copy : List.of(secondStore(), thirdStore())) {
			try (copy) {
				assertThat(new BackupCatalog(copy).list(SOURCE)).extracting(BackupManifest::backupId)
					.containsExactly(second.backupId(), first.backupId());
				for (BackupManifest backup : List.of(first, second)) {
					BackupManifest.StoredObject object = backup.objects().get(0);
					ObjectInfo info = copy.head(object.key()).orElseThrow();
					assertThat(info.size()).isEqualTo(object.size());
					assertThat(info.checksumSha256()).isEqualTo(object.s3Checksum());
					assertThat(TestS3.sha256(copy, object.key())).isEqualTo(object.sha256());
				}
			}
		}
		try (S3ObjectStore locked = thirdStore()) {
			BackupManifest copied = new BackupCatalog(locked).read(manifestKey(first));
			assertThat(copied.retainUntil()).isEqualTo(first.createdAt().plus(java.time.Duration.ofDays(30)));
			assertThat(locked.protection().orElseThrow().retention(first.objects().get(0).key())).get()
				.satisfies(retention -> assertThat(retention.retainUntil()).isEqualTo(copied.retainUntil()));
			assertThat(locked.protection().orElseThrow().retention(manifestKey(first))).isPresent();
		}

		JobExecution again = run();

		assertThat(again.getStatus()).isEqualTo(BatchStatus.COMPLETED);
		assertThat(again.getExecutionContext().getLong("drbatch.replication.second.backups.copied", 0L)).isZero();
		assertThat(again.getExecutionContext().getLong("drbatch.bytes.out", 0L)).isZero();
	}

	@Test
	@Order(2)
	void aCopyThatFailsMidObjectResumesFromItsUploadedPartsWhenRelaunched() throws Exception {
		long size = 3L * PART + 4321;
		BackupManifest backup = backup("2026-11-22T02:00:00Z", (int) size);
		SECOND.refuse(request -> request.method().equals("PUT") && request.query().contains("partNumber=3"), 500,
				"InternalError");

		JobExecution failed = run();

		assertThat(failed.getStatus()).isEqualTo(BatchStatus.FAILED);
		assertThat(failure(failed).kind()).isEqualTo(FailureKind.REPLICATION_BEHIND);
		assertThat(failure(failed).getMessage()).contains("'second' BEHIND: 1 backup(s)");
		assertThat(context(failed, "third", "status")).isEqualTo(ReplicationLag.UP_TO_DATE);
		assertThat(TestS3.openUploads(SECOND_SERVER, SECOND_BUCKET)).isEqualTo(1);
		try (S3ObjectStore copy = secondStore()) {
			assertThat(copy.head(manifestKey(backup))).isEmpty();
		}

		SECOND.clear();
		JobExecution resumed = this.jobOperator.restart(failed);

		assertThat(resumed.getStatus()).isEqualTo(BatchStatus.COMPLETED);
		long sent = resumed.getExecutionContext().getLong("drbatch.replication.second.bytes.sent");
		assertThat(resumed.getExecutionContext().getLong("drbatch.replication.second.parts.resumed"))
			.isGreaterThanOrEqualTo(2);
		assertThat(sent).isLessThanOrEqualTo(size - 2L * PART).isPositive();
		assertThat(TestS3.openUploads(SECOND_SERVER, SECOND_BUCKET)).isZero();
		try (S3ObjectStore copy = secondStore(); InputStream in = copy.get(backup.objects().get(0).key())) {
			assertThat(sha256(in.readAllBytes())).isEqualTo(backup.objects().get(0).sha256());
			assertThat(copy.head(manifestKey(backup))).isPresent();
		}
	}

	@Test
	@Order(3)
	void aStoppedSecondaryLeavesTheOtherCompleteAndTheNextRunCatchesUp() throws Exception {
		BackupManifest backup = backup("2026-11-23T02:00:00Z", PART + 99);
		THIRD.down();
		JobExecution behind;
		try {
			behind = run();
		}
		finally {
			THIRD.up();
		}

		assertThat(behind.getStatus()).isEqualTo(BatchStatus.FAILED);
		assertThat(context(behind, "third", "status")).isEqualTo(ReplicationLag.DOWN);
		assertThat(context(behind, "second", "status")).isEqualTo(ReplicationLag.UP_TO_DATE);
		assertThat(failure(behind).getMessage()).contains("'third' DOWN").doesNotContain("'second'");
		try (S3ObjectStore copy = secondStore()) {
			assertThat(copy.head(manifestKey(backup))).isPresent();
		}

		JobExecution caughtUp = run();

		assertThat(caughtUp.getStatus()).isEqualTo(BatchStatus.COMPLETED);
		assertThat(caughtUp.getExecutionContext().getLong("drbatch.replication.third.backups.copied")).isEqualTo(1);
		assertThat(caughtUp.getExecutionContext().getLong("drbatch.replication.second.backups.copied", 0L)).isZero();
		try (S3ObjectStore copy = thirdStore()) {
			assertThat(copy.head(manifestKey(backup))).isPresent();
		}
	}

	@Test
	@Order(4)
	void aCopyWithOneByteChangedIsFoundAndCopiedAgain() throws Exception {
		BackupManifest backup = new BackupCatalog(TestS3.store(PRIMARY_BUCKET, "it")).list(SOURCE).get(0);
		BackupManifest.StoredObject object = backup.objects().get(0);
		byte[] original;
		try (S3ObjectStore primary = TestS3.store(PRIMARY_BUCKET, "it"); InputStream in = primary.get(object.key())) {
			original = in.readAllBytes();
		}
		byte[] corrupted = original.clone();
		corrupted[corrupted.length / 2] ^= 0x01;
		try (S3Client s3 = TestS3.client(SECOND_SERVER)) {
			s3.putObject(r -> r.bucket(SECOND_BUCKET).key("it/" + object.key()), RequestBody.fromBytes(corrupted));
		}

		JobExecution repaired = run();

		assertThat(repaired.getStatus()).isEqualTo(BatchStatus.COMPLETED);
		assertThat(repaired.getExecutionContext().getLong("drbatch.replication.second.backups.copied")).isEqualTo(1);
		try (S3ObjectStore copy = secondStore(); InputStream in = copy.get(object.key())) {
			assertThat(in.readAllBytes()).isEqualTo(original);
		}
	}

	private JobExecution run() throws Exception {
		return this.jobOperator.start(this.replication,
				new JobParametersBuilder().addString("replication.date", Instant.now().toString())
					.addString("test.run", SOURCE + "-" + this.runs++)
					.toJobParameters());
	}

	private static String sha256(byte[] bytes) {
		return Sha256.hex(Sha256.of(bytes, 0, bytes.length));
	}

	private static String context(JobExecution execution, String target, String what) {
		return execution.getExecutionContext().getString("drbatch.replication." + target + "." + what);
	}

	private static DrbatchException failure(JobExecution execution) {
		return execution.getAllFailureExceptions()
			.stream()
			.map(DrbatchException::find)
			.flatMap(java.util.Optional::stream)
			.findFirst()
			.orElseThrow();
	}

	private static S3ObjectStore secondStore() {
		return new S3ObjectStore(TestS3.target("second", SECOND_SERVER, SECOND_BUCKET, "it"));
	}

	private static S3ObjectStore thirdStore() {
		return new S3ObjectStore(TestS3.target("third", THIRD_SERVER, THIRD_BUCKET, "it"));
	}

	private static String manifestKey(BackupManifest backup) {
		return BackupLayout.manifestKey(backup.tier(), backup.database(), backup.backupId());
	}

	/**
	 * A daily backup taken at {@code snapshot}: one object of {@code size} random bytes
	 * in 5 MiB parts, and its manifest.
	 */
	private static BackupManifest backup(String snapshot, int size) {
		Instant time = Instant.parse(snapshot);
		try (S3ObjectStore store = TestS3.store(PRIMARY_BUCKET, "it")) {
			return TestBackups.daily(store, SOURCE, time, size, PART, time.getEpochSecond());
		}
	}

}
