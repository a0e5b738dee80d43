package io.drbatch.jobs.restore;

import java.net.URI;
import java.time.Instant;

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

import io.drbatch.jobs.JobTestSupport;
import io.drbatch.jobs.JobsTestApplication;
import io.drbatch.manifest.BackupCatalog;
import io.drbatch.manifest.BackupManifest;
import io.drbatch.manifest.ManifestJson;
import io.drbatch.store.S3ObjectStore;
import io.drbatch.testing.TestPostgres;
import io.drbatch.testing.TestS3;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Drills from a secondary target: a backup replicated to a second S3 server (port 9091)
 * is drilled from there with {@code target=<name>}, and {@code target=rotate} takes each
 * target's copy in turn. The primary's copy of the dump is deleted before the drill of
 * the secondary, so only the secondary's copy can make it pass.
 */
@SpringBootTest(classes = JobsTestApplication.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SecondaryTargetDrillJobTests {

	private static final String SOURCE = TestPostgres.newDatabase("replica_drill");

	private static final String BUCKET = TestS3.newBucket("drill-primary");

	private static final URI SECOND_SERVER = TestS3.SECONDARY_ENDPOINTS.get(0);

	private static final String SECOND_BUCKET = TestS3.newBucket(SECOND_SERVER, "drill-second");

	@DynamicPropertySource
	static void properties(DynamicPropertyRegistry registry) {
		TestPostgres.executeResource(SOURCE, "/io/drbatch/jobs/dailydump/tricky-schema.sql");
		JobTestSupport.register(registry, SOURCE, SOURCE, BUCKET);
		registry.add("drbatch.targets[1].name", () -> "second");
		registry.add("drbatch.targets[1].endpoint", SECOND_SERVER::toString);
		registry.add("drbatch.targets[1].bucket", () -> SECOND_BUCKET);
		registry.add("drbatch.targets[1].prefix", () -> "it");
		registry.add("drbatch.targets[1].path-style", () -> "true");
		registry.add("drbatch.targets[1].access-key-id", () -> "test");
		registry.add("drbatch.targets[1].secret-access-key", () -> "test");
		registry.add("drbatch.drill.target", () -> "rotate");
	}

	@Autowired
	JobOperator jobOperator;

	@Autowired
	@Qualifier("dailyDumpJob")
	Job dailyDump;

	@Autowired
	@Qualifier("replicationJob")
	Job replication;

	@Autowired
	@Qualifier("restoreDrillJob")
	Job drill;

	@AfterAll
	void cleanUp() {
		TestPostgres.dropDatabase(SOURCE);
		TestS3.deleteBucket(BUCKET);
		TestS3.deleteBucket(SECOND_SERVER, SECOND_BUCKET);
	}

	@Test
	void rotatingDrillsProveThePrimaryThenTheSecondaryCopyWhichRestoresWithoutThePrimary() throws Exception {
		assertThat(this.jobOperator
			.start(this.dailyDump,
					new JobParametersBuilder().addString("database", SOURCE)
						.addString("backup.date", "2026-11-25")
						.toJobParameters())
			.getStatus()).isEqualTo(BatchStatus.COMPLETED);
		assertThat(this.jobOperator
			.start(this.replication,
					new JobParametersBuilder().addString("replication.date", Instant.now().toString())
						.addString("test.run", SOURCE)
						.toJobParameters())
			.getStatus()).isEqualTo(BatchStatus.COMPLETED);

		JobExecution first = drill("2026-11-26");

		assertThat(first.getStatus()).isEqualTo(BatchStatus.COMPLETED);
		assertThat(first.getExecutionContext().getString(DrillContext.STORE_TARGET)).isEqualTo("primary");

		BackupManifest backup;
		try (S3ObjectStore primary = TestS3.store(BUCKET, "it")) {
			backup = new BackupCatalog(primary).list(SOURCE).get(0);
			primary.delete(backup.objects().get(0).key());
		}
		JobExecution second = drill("2026-11-27");

		assertThat(second.getStatus()).isEqualTo(BatchStatus.COMPLETED);
		assertThat(second.getExecutionContext().getString(DrillContext.STORE_TARGET)).isEqualTo("second");
		assertThat(second.getExecutionContext().getString(DrillContext.RESULT)).isEqualTo(DrillReport.PASSED);
		try (S3ObjectStore primary = TestS3.store(BUCKET, "it");
				var in = primary.get(second.getExecutionContext().getString(DrillContext.REPORT_KEY))) {
			DrillReport report = ManifestJson.read(in.readAllBytes(), DrillReport.class, "report");
			assertThat(report.target()).isEqualTo("second");
			assertThat(report.backupId()).isEqualTo(backup.backupId());
			assertThat(report.tables()).hasSize(backup.tables().size()).allMatch(TableCheck::passed);
		}
	}

	private JobExecution drill(String date) throws Exception {
		return this.jobOperator.start(this.drill,
				new JobParametersBuilder().addString("database", SOURCE)
					.addString("drill.date", date)
					.toJobParameters());
	}

}
