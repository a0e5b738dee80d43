package io.drbatch.jobs.restore;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
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

import io.drbatch.failure.DrbatchException;
import io.drbatch.failure.FailureKind;
import io.drbatch.jobs.JobTestSupport;
import io.drbatch.jobs.JobsTestApplication;
import io.drbatch.manifest.BackupLayout;
import io.drbatch.manifest.BackupManifest;
import io.drbatch.manifest.Tier;
import io.drbatch.manifest.ManifestJson;
import io.drbatch.testing.TestPostgres;
import io.drbatch.testing.TestS3;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Corruption, as bit rot, a broken upload or an operator would leave it, is detected by
 * both restore-drill and restore before anything is restored silently: one byte flipped,
 * the object truncated, the object missing, the manifest missing, the manifest malformed.
 * Each fails with {@link FailureKind#INTEGRITY}, names the object or manifest; a drill
 * leaves no scratch database behind, a recovery reports FAILED (what it restored into is
 * kept for the relaunch, which drops it first).
 */
@SpringBootTest(classes = JobsTestApplication.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CorruptionJobTests {

	private static final String SOURCE = TestPostgres.newDatabase("corrupted");

	private static final String BUCKET = TestS3.newBucket("corruption");

	@DynamicPropertySource
	static void properties(DynamicPropertyRegistry registry) {
		TestPostgres.executeResource(SOURCE, "/io/drbatch/jobs/dailydump/tricky-schema.sql");
		JobTestSupport.register(registry, SOURCE, SOURCE, BUCKET);
	}

	@Autowired
	JobOperator jobOperator;

	@Autowired
	@Qualifier("dailyDumpJob")
	Job dailyDump;

	@Autowired
	@Qualifier("restoreDrillJob")
	Job restoreDrill;

	@Autowired
	@Qualifier("restoreJob")
	Job restore;

	private BackupManifest honest;

	private byte[] dump;

	private byte[] manifest;

	private int runs;

	@BeforeAll
	void backUp() throws Exception {
		JobExecution execution = this.jobOperator.start(this.dailyDump,
				new JobParametersBuilder().addString("database", SOURCE)
					.addString("backup.date", "2026-11-20")
					.toJobParameters());
		assertThat(execution.getStatus()).isEqualTo(BatchStatus.COMPLETED);
		String manifestKey = TestS3.keys(BUCKET)
			.stream()
			.filter(k -> k.endsWith("manifest.json"))
			.findFirst()
			.orElseThrow();
		try (S3Client s3 = TestS3.client()) {
			this.manifest = s3.getObjectAsBytes(r -> r.bucket(BUCKET).key(manifestKey)).asByteArray();
			this.honest = ManifestJson.read(this.manifest, BackupManifest.class, manifestKey);
			this.dump = s3.getObjectAsBytes(r -> r.bucket(BUCKET).key("it/" + dumpKey())).asByteArray();
		}
	}

	@AfterAll
	void cleanUp() {
		TestPostgres.dropDatabase(SOURCE + "_recovered");
		TestPostgres.dropDatabase(SOURCE);
		TestS3.deleteBucket(BUCKET);
	}

	private String dumpKey() {
		return this.honest.objects().get(0).key();
	}

	private String manifestKey() {
		return BackupLayout.manifestKey(Tier.DAILY, SOURCE, this.honest.backupId());
	}

	/** A corruption applied to the stored backup, and what the failure must name. */
	record Corruption(String name, Consumer<CorruptionJobTests> apply, String named) {

		@Override
		public String toString() {
			return this.name;
		}

	}

	static List<Arguments> corruptions() {
		List<Corruption> corruptions = List.of(
				new Corruption("one byte flipped", t -> t.putDump(flipped(t.dump)), "dump.pgdump.zst"),
				new Corruption("object truncated", t -> t.putDump(java.util.Arrays.copyOf(t.dump, t.dump.length / 2)),
						"dump.pgdump.zst"),
				new Corruption("object missing",
						t -> t.s3(s3 -> s3.deleteObject(r -> r.bucket(BUCKET).key("it/" + t.dumpKey()))),
						"dump.pgdump.zst"),
				new Corruption("manifest missing",
						t -> t.s3(s3 -> s3.deleteObject(r -> r.bucket(BUCKET).key("it/" + t.manifestKey()))),
						"with a manifest"),
				new Corruption("manifest malformed", t -> t
					.s3(s3 -> s3.putObject(r -> r.bucket(BUCKET).key("it/" + t.manifestKey()), RequestBody.fromString(
							"{\"formatVersion\": 1, \"backupId\": \"" + t.honest.backupId() + "\", \"objects\": ["))),
						"manifest.json"));
		List<Arguments> arguments = new ArrayList<>();
		for (Corruption corruption : corruptions) {
			arguments.add(Arguments.of(corruption, "restore-drill"));
			arguments.add(Arguments.of(corruption, "restore"));
		}
		return arguments;
	}

	@ParameterizedTest(name = "{0}: {1}")
	@MethodSource("corruptions")
	void isDetectedNamedAndNothingIsRestoredSilently(Corruption corruption, String job) throws Exception {
		corruption.apply().accept(this);
		try {
			JobExecution execution = run(job);

			assertThat(execution.getStatus()).isEqualTo(BatchStatus.FAILED);
			DrbatchException failure = execution.getAllFailureExceptions()
				.stream()
				.map(DrbatchException::find)
				.flatMap(java.util.Optional::stream)
				.findFirst()
				.orElseThrow(() -> new AssertionError("no drbatch failure: " + execution.getAllFailureExceptions()));
			assertThat(failure.kind()).as(failure.getMessage()).isEqualTo(FailureKind.INTEGRITY);
			assertThat(failure.getMessage()).contains(corruption.named());
			if (job.equals("restore-drill")) {
				assertThat(restoredDatabases()).as("scratch databases").isEmpty();
			}
			else {
				// a recovery keeps what it restored into for the relaunch (which drops it
				// first); it is reported FAILED
				assertThat(execution.getExecutionContext().getString(DrillContext.RESULT, "none")).isIn("FAILED",
						"none");
				TestPostgres.dropDatabase(SOURCE + "_recovered");
			}
		}
		finally {
			restoreHonestBackup();
		}
	}

	private JobExecution run(String job) throws Exception {
		int run = this.runs++;
		if (job.equals("restore-drill")) {
			return this.jobOperator.start(this.restoreDrill,
					new JobParametersBuilder().addString("database", SOURCE)
						.addString("drill.date", java.time.LocalDate.of(2031, 1, 1).plusDays(run).toString())
						.toJobParameters());
		}
		return this.jobOperator.start(this.restore,
				new JobParametersBuilder().addString("database", SOURCE)
					.addString("target.database", SOURCE + "_recovered")
					.addString("force", "false")
					.addString("backup", this.honest.backupId())
					.addString("restore.requested",
							java.time.Instant.parse("2031-01-01T00:00:00Z").plusSeconds(run).toString())
					.toJobParameters());
	}

	private static List<String> restoredDatabases() {
		return TestPostgres.databasesLike("drill\\_" + SOURCE + "\\_%");
	}

	private void putDump(byte[] bytes) {
		s3(s3 -> s3.putObject(r -> r.bucket(BUCKET).key("it/" + dumpKey()), RequestBody.fromBytes(bytes)));
	}

	private void restoreHonestBackup() {
		putDump(this.dump);
		s3(s3 -> s3.putObject(r -> r.bucket(BUCKET).key("it/" + manifestKey()), RequestBody.fromBytes(this.manifest)));
	}

	private void s3(Consumer<S3Client> action) {
		try (S3Client s3 = TestS3.client()) {
			action.accept(s3);
		}
	}

	private static byte[] flipped(byte[] bytes) {
		byte[] copy = bytes.clone();
		copy[copy.length / 2] ^= 0x01;
		return copy;
	}

}
