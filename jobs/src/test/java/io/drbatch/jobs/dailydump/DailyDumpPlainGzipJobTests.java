package io.drbatch.jobs.dailydump;

import java.io.ByteArrayInputStream;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

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
import io.drbatch.manifest.BackupManifest;
import io.drbatch.manifest.ManifestJson;
import io.drbatch.testing.TestPostgres;
import io.drbatch.testing.TestS3;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The plan's own format as an option: plain SQL compressed with gzip, restorable by
 * {@code gunzip | psql}.
 */
@SpringBootTest(classes = JobsTestApplication.class,
		properties = { "drbatch.dump.format=plain", "drbatch.dump.compression=gzip", "drbatch.dump.level=6" })
class DailyDumpPlainGzipJobTests {

	private static final String SOURCE = TestPostgres.newDatabase("plain");

	private static final String BUCKET = TestS3.newBucket("plaingzip");

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

	@AfterAll
	static void cleanUp() {
		TestPostgres.dropDatabase(SOURCE);
		TestS3.deleteBucket(BUCKET);
	}

	@Test
	void plainGzipBackupRestoresWithGunzipAndPsql() throws Exception {
		JobExecution execution = this.jobOperator.start(this.dailyDump,
				new JobParametersBuilder().addString("database", SOURCE)
					.addString("backup.date", "2026-11-25")
					.toJobParameters());
		assertThat(execution.getStatus()).isEqualTo(BatchStatus.COMPLETED);

		BackupManifest manifest;
		byte[] stored;
		try (S3Client s3 = TestS3.client()) {
			String manifestKey = TestS3.keys(BUCKET)
				.stream()
				.filter(k -> k.endsWith("manifest.json"))
				.findFirst()
				.orElseThrow();
			manifest = ManifestJson.read(s3.getObjectAsBytes(r -> r.bucket(BUCKET).key(manifestKey)).asByteArray(),
					BackupManifest.class, manifestKey);
			stored = s3.getObjectAsBytes(r -> r.bucket(BUCKET).key("it/" + manifest.objects().get(0).key()))
				.asByteArray();
		}
		assertThat(manifest.dump().format()).isEqualTo("plain");
		assertThat(manifest.dump().compression()).isEqualTo("gzip");
		assertThat(manifest.objects().get(0).key()).endsWith("/dump.sql.gz");

		String restored = TestPostgres.newDatabase("gunzipped");
		try {
			JobTestSupport.run(
					List.of("sh", "-c",
							"gunzip | psql -X -q -v ON_ERROR_STOP=1 -h " + TestPostgres.HOST + " -p "
									+ TestPostgres.PORT + " -U " + TestPostgres.USER + " -d " + restored),
					new ByteArrayInputStream(stored));
			Map<String, Long> inManifest = manifest.tables()
				.stream()
				.collect(Collectors.toMap(t -> t.schema() + "." + t.table(), BackupManifest.TableRows::rows));
			Map<String, Long> afterRestore = TestPostgres.countAll(restored,
					manifest.tables().stream().map(t -> new String[] { t.schema(), t.table() }).toList());
			assertThat(afterRestore).isEqualTo(inManifest).containsEntry("Sales.Orders", 3L);
		}
		finally {
			TestPostgres.dropDatabase(restored);
		}
	}

}
