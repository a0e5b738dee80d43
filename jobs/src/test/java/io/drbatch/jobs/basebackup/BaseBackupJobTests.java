package io.drbatch.jobs.basebackup;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
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
import io.drbatch.manifest.BaseBackupCatalog;
import io.drbatch.manifest.BaseBackupManifest;
import io.drbatch.store.S3ObjectStore;
import io.drbatch.testing.TestCluster;
import io.drbatch.testing.TestPostgres;
import io.drbatch.testing.TestS3;
import io.drbatch.wal.WalArchive;
import io.drbatch.wal.WalSegment;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * base-backup against a real PostgreSQL cluster of the test's own and the S3 test server:
 * the backup is published only once the archive holds its WAL (archived by the job itself
 * when no wal-archive run is going), its manifest's LSNs are the backup_label's, and its
 * object restores with standard tools alone: zstd, tar, and PostgreSQL started on the
 * extracted directory with the WAL it carries, which reaches consistency and holds the
 * source's rows.
 */
@SpringBootTest(classes = JobsTestApplication.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BaseBackupJobTests {

	private static final TestCluster CLUSTER = TestCluster.create("basebk");

	private static final String SOURCE = TestPostgres.newDatabase("basebk");

	private static final String BUCKET = TestS3.newBucket("base-backup");

	private static final String SLOT = "drbatch_it_" + SOURCE.substring(SOURCE.length() - 8);

	@DynamicPropertySource
	static void properties(DynamicPropertyRegistry registry) {
		CLUSTER.execute("postgres", "CREATE DATABASE " + SOURCE);
		CLUSTER.execute(SOURCE, "CREATE TABLE orders (id int PRIMARY KEY, note text);"
				+ "INSERT INTO orders SELECT g, md5(g::text) FROM generate_series(1, 20000) g");
		JobTestSupport.register(registry, SOURCE, SOURCE, BUCKET);
		JobTestSupport.registerPitrSource(registry, CLUSTER::port, SLOT);
	}

	@Autowired
	JobOperator jobOperator;

	@Autowired
	@Qualifier("baseBackupJob")
	Job baseBackup;

	@TempDir
	Path work;

	@AfterAll
	void cleanUp() {
		CLUSTER.close();
		TestS3.deleteBucket(BUCKET);
	}

	@Test
	void aBaseBackupIsPublishedWithItsWalAndRestoresWithStandardTools() throws Exception {
		JobExecution execution = this.jobOperator.start(this.baseBackup,
				new JobParametersBuilder().addString("database", SOURCE)
					.addString("backup.date", "2026-11-30")
					.toJobParameters());

		assertThat(execution.getStatus()).as(String.valueOf(execution.getAllFailureExceptions()))
			.isEqualTo(BatchStatus.COMPLETED);
		BaseBackupManifest manifest = new BaseBackupCatalog(TestS3.store(BUCKET, "it")).list(SOURCE).get(0);
		WalArchive archive = new WalArchive(TestS3.store(BUCKET, "it"), SOURCE, manifest.systemIdentifier(),
				manifest.segmentSize(), 1, null);
		List<String> archived = archive.segments().stream().map(WalSegment::name).toList();
		assertThat(archived).as("the archive holds the backup's WAL")
			.contains(manifest.startSegment(), manifest.stopSegment());

		Path data = TestCluster.newDataDirectory("restored");
		try (S3ObjectStore store = TestS3.store(BUCKET, "it");
				InputStream in = store.get(manifest.objects().get(0).key())) {
			Files.copy(in, this.work.resolve("base.tar.zst"));
		}
		JobTestSupport.run(List.of("sh", "-c",
				"zstd -dc '" + this.work.resolve("base.tar.zst") + "' | tar -xf - -C '" + data + "'"), null);
		String label = Files.readString(data.resolve("backup_label"), StandardCharsets.UTF_8);
		assertThat(label)
			.contains("START WAL LOCATION: " + manifest.startLsn() + " (file " + manifest.startSegment() + ")");
		try (TestCluster restored = TestCluster.start(data);
				Connection connection = restored.connect(SOURCE);
				Statement statement = connection.createStatement();
				ResultSet rs = statement.executeQuery("SELECT count(*), NOT pg_is_in_recovery() FROM orders")) {
			rs.next();
			assertThat(rs.getLong(1)).isEqualTo(20000);
			assertThat(rs.getBoolean(2)).as("consistent and open for writes").isTrue();
		}
	}

}
