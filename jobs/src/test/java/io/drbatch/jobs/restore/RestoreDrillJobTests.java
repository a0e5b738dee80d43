package io.drbatch.jobs.restore;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
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

import io.drbatch.failure.DrbatchException;
import io.drbatch.failure.FailureKind;
import io.drbatch.jobs.JobTestSupport;
import io.drbatch.jobs.JobsTestApplication;
import io.drbatch.manifest.BackupManifest;
import io.drbatch.manifest.ManifestJson;
import io.drbatch.testing.TestPostgres;
import io.drbatch.testing.TestS3;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * restore-drill against the real PostgreSQL and S3 server: one honest backup of the
 * tricky schema is made, then drilled as it is and in tampered copies (a flipped byte, a
 * changed count, a dropped and an invented table), each copy stored as its own backup and
 * drilled by id.
 */
@SpringBootTest(classes = JobsTestApplication.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RestoreDrillJobTests {

	/**
	 * Also the configured source name: job instances are per name and date, and the job
	 * repository outlives test runs.
	 */
	private static final String SOURCE = TestPostgres.newDatabase("drilled");

	private static final String BUCKET = TestS3.newBucket("restoredrill");

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

	private BackupManifest honest;

	private int drills;

	@BeforeAll
	void backUp() throws Exception {
		JobExecution dump = this.jobOperator.start(this.dailyDump,
				new JobParametersBuilder().addString("database", SOURCE)
					.addString("backup.date", "2026-11-20")
					.toJobParameters());
		assertThat(dump.getStatus()).isEqualTo(BatchStatus.COMPLETED);
		String manifestKey = TestS3.keys(BUCKET)
			.stream()
			.filter(k -> k.endsWith("manifest.json"))
			.findFirst()
			.orElseThrow();
		try (S3Client s3 = TestS3.client()) {
			this.honest = ManifestJson.read(s3.getObjectAsBytes(r -> r.bucket(BUCKET).key(manifestKey)).asByteArray(),
					BackupManifest.class, manifestKey);
		}
	}

	@AfterAll
	void cleanUp() {
		TestPostgres.dropDatabase(SOURCE);
		TestS3.deleteBucket(BUCKET);
	}

	private JobExecution drill(String backupId) throws Exception {
		JobParametersBuilder parameters = new JobParametersBuilder().addString("database", SOURCE)
			.addString("drill.date", "2026-11-" + (10 + this.drills++));
		if (backupId != null) {
			parameters.addString("backup", backupId);
		}
		return this.jobOperator.start(this.restoreDrill, parameters.toJobParameters());
	}

	private static List<String> scratchDatabases() {
		List<String> names = new ArrayList<>();
		try (var connection = TestPostgres.connect("postgres");
				var statement = connection.createStatement();
				var rs = statement
					.executeQuery("SELECT datname FROM pg_database WHERE datname LIKE 'drill\\_%" + SOURCE + "%'")) {
			while (rs.next()) {
				names.add(rs.getString(1));
			}
		}
		catch (java.sql.SQLException ex) {
			throw new IllegalStateException(ex);
		}
		return names;
	}

	/**
	 * Stores a copy of the honest backup under another id, with its dump bytes and
	 * manifest changed by the caller.
	 */
	private String storeVariant(String backupId, java.util.function.UnaryOperator<byte[]> dumpBytes,
			java.util.function.UnaryOperator<List<BackupManifest.TableRows>> tables) {
		String folder = "daily/" + SOURCE + "/" + backupId + "/";
		BackupManifest.StoredObject original = this.honest.objects().get(0);
		String dumpKey = folder + original.key().substring(original.key().lastIndexOf('/') + 1);
		try (S3Client s3 = TestS3.client()) {
			byte[] bytes = s3.getObjectAsBytes(r -> r.bucket(BUCKET).key("it/" + original.key())).asByteArray();
			s3.putObject(r -> r.bucket(BUCKET).key("it/" + dumpKey), RequestBody.fromBytes(dumpBytes.apply(bytes)));
			BackupManifest variant = new BackupManifest(this.honest.formatVersion(), backupId, this.honest.database(),
					this.honest.tier(), this.honest.createdAt(), this.honest.source(), this.honest.dump(),
					List.of(new BackupManifest.StoredObject(original.role(), dumpKey, original.size(),
							original.sha256(), original.s3Checksum(), original.partCount(), original.partSize())),
					tables.apply(new ArrayList<>(this.honest.tables())), this.honest.job());
			s3.putObject(r -> r.bucket(BUCKET).key("it/" + folder + "manifest.json"),
					RequestBody.fromBytes(ManifestJson.write(variant)));
		}
		return backupId;
	}

	private static String failureMessage(JobExecution execution) {
		return execution.getAllFailureExceptions()
			.stream()
			.map(ex -> DrbatchException.find(ex).map(Throwable::getMessage).orElse(String.valueOf(ex)))
			.findFirst()
			.orElse("");
	}

	private static FailureKind failureKind(JobExecution execution) {
		return DrbatchException.find(execution.getAllFailureExceptions().get(0)).orElseThrow().kind();
	}

	@Test
	void honestBackupPassesWithAReportAndNoScratchDatabaseLeft() throws Exception {
		String stale = "drill_" + SOURCE + "_20200101000000";
		String recent = "drill_" + SOURCE + "_"
				+ java.time.format.DateTimeFormatter.ofPattern("yyyyMMddHHmmss")
					.withZone(java.time.ZoneOffset.UTC)
					.format(java.time.Instant.now().minusSeconds(60));
		TestPostgres.execute("postgres", "CREATE DATABASE " + stale);
		TestPostgres.execute("postgres", "CREATE DATABASE " + recent);

		JobExecution execution = drill(this.honest.backupId());

		assertThat(execution.getStatus()).as(failureMessage(execution)).isEqualTo(BatchStatus.COMPLETED);
		assertThat(execution.getExecutionContext().getString(DrillContext.RESULT)).isEqualTo("PASSED");
		assertThat(scratchDatabases()).as("the stale scratch database is dropped, a recent one (maybe in use) kept")
			.containsExactly(recent);
		TestPostgres.dropDatabase(recent);
		String reportKey = execution.getExecutionContext().getString(DrillContext.REPORT_KEY);
		try (S3Client s3 = TestS3.client()) {
			DrillReport report = ManifestJson.read(
					s3.getObjectAsBytes(r -> r.bucket(BUCKET).key("it/" + reportKey)).asByteArray(), DrillReport.class,
					reportKey);
			assertThat(report.passed()).isTrue();
			assertThat(report.tables()).hasSize(this.honest.tables().size()).allMatch(TableCheck::passed);
			assertThat(report.rtoMillis()).isPositive().isLessThan(report.rtoTargetMillis());
			assertThat(report.restoreMillis()).isPositive();
			assertThat(TestS3.keys(BUCKET)).contains("it/" + reportKey.replace(".json", ".md"));
		}
	}

	@Test
	void oneChangedByteFailsAtChecksumVerificationNamingTheObject() throws Exception {
		String id = storeVariant("20300101T000001Z", bytes -> {
			byte[] copy = bytes.clone();
			copy[copy.length / 2] ^= 0x01;
			return copy;
		}, tables -> tables);

		JobExecution execution = drill(id);

		assertThat(execution.getStatus()).isEqualTo(BatchStatus.FAILED);
		assertThat(failureKind(execution)).isEqualTo(FailureKind.INTEGRITY);
		assertThat(failureMessage(execution)).contains("daily/" + SOURCE + "/" + id + "/dump.pgdump.zst")
			.containsAnyOf("does not match its manifest", "is corrupt");
		assertThat(scratchDatabases()).isEmpty();
		String reportKey = execution.getExecutionContext().getString(DrillContext.REPORT_KEY);
		try (S3Client s3 = TestS3.client()) {
			DrillReport report = ManifestJson.read(
					s3.getObjectAsBytes(r -> r.bucket(BUCKET).key("it/" + reportKey)).asByteArray(), DrillReport.class,
					reportKey);
			assertThat(report.result()).isEqualTo("FAILED");
			assertThat(report.backupId()).isEqualTo(id);
			assertThat(report.failures()).singleElement().asString().contains(id + "/dump.pgdump.zst");
		}
	}

	@Test
	void aChangedCountFailsNamingTheTableAndBothCounts() throws Exception {
		String id = storeVariant("20300101T000002Z", bytes -> bytes,
				tables -> tables.stream()
					.map(t -> t.table().equals("Orders") ? new BackupManifest.TableRows(t.schema(), t.table(), 4) : t)
					.toList());

		JobExecution execution = drill(id);

		assertThat(execution.getStatus()).isEqualTo(BatchStatus.FAILED);
		assertThat(failureMessage(execution)).contains("table Sales.Orders has 3 rows restored, manifest says 4");
		assertThat(scratchDatabases()).isEmpty();
	}

	@Test
	void aDroppedAndAnExtraTableAreBothReported() throws Exception {
		String id = storeVariant("20300101T000003Z", bytes -> bytes, tables -> {
			List<BackupManifest.TableRows> changed = new ArrayList<>(tables);
			changed.removeIf(t -> t.table().equals("scratch"));
			changed.add(new BackupManifest.TableRows("public", "invented", 1));
			return changed;
		});

		JobExecution execution = drill(id);

		assertThat(execution.getStatus()).isEqualTo(BatchStatus.FAILED);
		assertThat(failureMessage(execution)).contains("table public.invented is missing from the restored database")
			.contains("table public.scratch is in the restored database but not in the manifest");
	}

}
