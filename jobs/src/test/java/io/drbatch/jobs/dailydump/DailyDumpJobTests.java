package io.drbatch.jobs.dailydump;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.batch.core.BatchStatus;
import org.springframework.batch.core.job.Job;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.job.parameters.JobParameters;
import org.springframework.batch.core.job.parameters.JobParametersBuilder;
import org.springframework.batch.core.launch.JobInstanceAlreadyCompleteException;
import org.springframework.batch.core.launch.JobOperator;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import software.amazon.awssdk.services.s3.S3Client;

import io.drbatch.codec.Compression;
import io.drbatch.codec.Sha256;
import io.drbatch.jobs.JobTestSupport;
import io.drbatch.jobs.JobsTestApplication;
import io.drbatch.manifest.BackupManifest;
import io.drbatch.manifest.ManifestJson;
import io.drbatch.testing.TestPostgres;
import io.drbatch.testing.TestS3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * daily-dump against the real local PostgreSQL and S3 server, on a database with tricky
 * names, while another connection keeps inserting rows. One backup is made; each test
 * checks one promise about it.
 */
@SpringBootTest(classes = JobsTestApplication.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DailyDumpJobTests {

	/**
	 * Also the configured source name: job instances are per name and date, and the job
	 * repository outlives test runs.
	 */
	private static final String SOURCE = TestPostgres.newDatabase("tricky");

	private static final String BUCKET = TestS3.newBucket("dailydump");

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

	private JobExecution execution;

	private BackupManifest manifest;

	private byte[] storedDump;

	private long busyRowsAfterJob;

	private long rowsInsertedDuringJob;

	private final JobParameters parameters = new JobParametersBuilder().addString("database", SOURCE)
		.addString("backup.date", "2026-11-26")
		.toJobParameters();

	@BeforeAll
	void backUpWhileRowsAreInserted() throws Exception {
		AtomicBoolean running = new AtomicBoolean(true);
		AtomicLong inserted = new AtomicLong();
		Thread inserter = new Thread(() -> insertUntilStopped(running, inserted));
		inserter.start();
		while (inserted.get() == 0) {
			Thread.sleep(10);
		}
		long before = inserted.get();
		try {
			this.execution = this.jobOperator.start(this.dailyDump, this.parameters);
		}
		finally {
			this.rowsInsertedDuringJob = inserted.get() - before;
			running.set(false);
			inserter.join();
		}
		this.busyRowsAfterJob = TestPostgres.queryLong(SOURCE, "SELECT count(*) FROM public.busy");
		String manifestKey = TestS3.keys(BUCKET)
			.stream()
			.filter(k -> k.endsWith("/manifest.json"))
			.findFirst()
			.orElseThrow();
		try (S3Client s3 = TestS3.client()) {
			this.manifest = ManifestJson.read(s3.getObjectAsBytes(r -> r.bucket(BUCKET).key(manifestKey)).asByteArray(),
					BackupManifest.class, manifestKey);
			String dumpKey = "it/" + this.manifest.objects().get(0).key();
			this.storedDump = s3.getObjectAsBytes(r -> r.bucket(BUCKET).key(dumpKey)).asByteArray();
		}
	}

	private static void insertUntilStopped(AtomicBoolean running, AtomicLong inserted) {
		try (Connection connection = TestPostgres.connect(SOURCE); Statement statement = connection.createStatement()) {
			while (running.get()) {
				inserted.addAndGet(statement.executeUpdate(
						"INSERT INTO public.busy (payload) SELECT md5(g::text) FROM generate_series(1, 50) g"));
			}
		}
		catch (SQLException ex) {
			throw new IllegalStateException(ex);
		}
	}

	@AfterAll
	void cleanUp() {
		TestPostgres.dropDatabase(SOURCE);
		TestS3.deleteBucket(BUCKET);
	}

	@Test
	void completesWithOneBackupAndNoOpenUpload() {
		assertThat(this.execution.getStatus()).isEqualTo(BatchStatus.COMPLETED);
		assertThat(TestS3.keys(BUCKET)).containsExactlyInAnyOrder("it/" + this.manifest.objects().get(0).key(),
				"it/daily/" + SOURCE + "/" + this.manifest.backupId() + "/manifest.json");
		assertThat(TestS3.openUploads(BUCKET)).isZero();
		assertThat(this.execution.getExecutionContext().getLong(DailyDumpContext.BYTES_IN))
			.isEqualTo(this.manifest.dump().uncompressedBytes());
		assertThat(this.execution.getExecutionContext().getLong(DailyDumpContext.BYTES_OUT))
			.isEqualTo(this.storedDump.length);
	}

	@Test
	void countsEveryTableWithDataByItsExactNameAndNothingElse() {
		Map<String, Long> counts = this.manifest.tables()
			.stream()
			.collect(Collectors.toMap(t -> t.schema() + "." + t.table(), BackupManifest.TableRows::rows));
		assertThat(counts).containsOnlyKeys("public.plain_table", "Sales.Orders", "Sales.order items",
				"analytics.Ünïcødé_表", "analytics.quote\"d", "public.events_2026", "public.events_default",
				"public.scratch", "public.empty_table", "public.busy");
		assertThat(counts).containsEntry("public.plain_table", 5L)
			.containsEntry("Sales.Orders", 3L)
			.containsEntry("Sales.order items", 4L)
			.containsEntry("analytics.Ünïcødé_表", 2L)
			.containsEntry("analytics.quote\"d", 1L)
			.containsEntry("public.events_2026", 100L)
			.containsEntry("public.events_default", 10L)
			.containsEntry("public.scratch", 7L)
			.containsEntry("public.empty_table", 0L);
	}

	@Test
	void rowsInsertedDuringTheDumpAreNeitherCountedNorDumped(@TempDir Path dir) throws IOException {
		long busyInManifest = this.manifest.tables()
			.stream()
			.filter(t -> t.table().equals("busy"))
			.findFirst()
			.orElseThrow()
			.rows();
		assertThat(this.rowsInsertedDuringJob).isPositive();
		assertThat(busyInManifest).isGreaterThanOrEqualTo(200_000).isLessThan(this.busyRowsAfterJob);

		String restored = TestPostgres.newDatabase("restored");
		try {
			Path dump = decompressTo(dir.resolve("dump.pgdump"));
			JobTestSupport.run(List.of("pg_restore", "--no-owner", "--exit-on-error", "-h", TestPostgres.HOST, "-p",
					String.valueOf(TestPostgres.PORT), "-U", TestPostgres.USER, "-d", restored, dump.toString()), null);
			List<String[]> tables = this.manifest.tables()
				.stream()
				.map(t -> new String[] { t.schema(), t.table() })
				.toList();
			Map<String, Long> inManifest = this.manifest.tables()
				.stream()
				.collect(Collectors.toMap(t -> t.schema() + "." + t.table(), BackupManifest.TableRows::rows));
			Map<String, Long> afterRestore = TestPostgres.countAll(restored, tables);
			// unlogged tables are dumped with their data and restored as unlogged tables
			assertThat(afterRestore).isEqualTo(inManifest);
			assertThat(TestPostgres.queryLong(restored, "SELECT count(*) FROM pg_largeobject_metadata")).isEqualTo(1);
			assertThat(TestPostgres.queryLong(restored, "SELECT orders FROM public.order_totals")).isEqualTo(3);
			assertThat(TestPostgres.queryLong(restored, "SELECT last_value FROM public.invoice_seq")).isEqualTo(1000);
		}
		finally {
			TestPostgres.dropDatabase(restored);
		}
	}

	@Test
	void storedBytesHaveTheSha256AndSizeInTheManifest() {
		BackupManifest.StoredObject object = this.manifest.objects().get(0);
		assertThat(object.size()).isEqualTo(this.storedDump.length);
		assertThat(Sha256.hex(Sha256.of(this.storedDump, 0, this.storedDump.length))).isEqualTo(object.sha256());
		assertThat(object.key()).endsWith("/dump.pgdump.zst");
		assertThat(this.manifest.dump().compression()).isEqualTo("zstd");
		assertThat(this.manifest.source().snapshotId()).isNotBlank();
		// the snapshot's WAL position and transactions, for a point-in-time drill to it
		assertThat(io.drbatch.wal.Lsn.parse(this.manifest.source().snapshotWalPosition()).value()).isPositive();
		assertThat(this.manifest.source().snapshotTransactions()).matches("\\d+:\\d+:[\\d,]*");
		// the local server runs wal_level=replica: the position is read after the export
		assertThat(this.manifest.source().walPositionExact()).isFalse();
		assertThat(this.manifest.job().executionId()).isEqualTo(this.execution.getId());
	}

	@Test
	void pgRestoreListReadsTheDownloadedDecompressedDump(@TempDir Path dir) throws IOException {
		Path dump = decompressTo(dir.resolve("dump.pgdump"));
		String listing = JobTestSupport.run(List.of("pg_restore", "--list", dump.toString()), null);
		assertThat(listing).contains("TABLE DATA Sales Orders", "TABLE DATA analytics Ünïcødé_表",
				"MATERIALIZED VIEW DATA public order_totals", "SEQUENCE SET public invoice_seq");
		assertThat(listing).containsPattern("(BLOB|LARGE OBJECT)");
	}

	@Test
	void aSecondLaunchForTheSameDatabaseAndDateMakesNoSecondBackup() {
		assertThatThrownBy(() -> this.jobOperator.start(this.dailyDump, this.parameters))
			.isInstanceOf(JobInstanceAlreadyCompleteException.class);
		assertThat(TestS3.keys(BUCKET)).hasSize(2);
	}

	private Path decompressTo(Path file) throws IOException {
		try (InputStream in = Compression.ZSTD.decompress(new java.io.ByteArrayInputStream(this.storedDump));
				OutputStream out = Files.newOutputStream(file)) {
			in.transferTo(out);
		}
		return file;
	}

}
