package io.drbatch.jobs.pitrrestore;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.springframework.batch.core.BatchStatus;
import org.springframework.batch.core.job.Job;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.launch.JobOperator;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import io.drbatch.codec.Compression;
import io.drbatch.failure.DrbatchException;
import io.drbatch.failure.FailureKind;
import io.drbatch.jobs.JobTestSupport;
import io.drbatch.jobs.JobsTestApplication;
import io.drbatch.store.ObjectInfo;
import io.drbatch.store.S3ObjectStore;
import io.drbatch.testing.TestCluster;
import io.drbatch.testing.TestPostgres;
import io.drbatch.testing.TestS3;
import io.drbatch.wal.WalArchive;
import io.drbatch.wal.WalSegment;

import static io.drbatch.jobs.pitrrestore.PitrJobRuns.assertCompleted;
import static io.drbatch.jobs.pitrrestore.PitrJobRuns.freePort;
import static io.drbatch.jobs.pitrrestore.PitrJobRuns.stop;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * pitr-restore against a real cluster of the test's own, its WAL archive and base backup
 * on the S3 test server: a table written one row at a time, each commit's moment known to
 * the test, with wal-archive runs in between; recoveries to three times inside the window
 * each hold exactly the rows committed before their target, on a server whose archiving
 * is off; {@code latest} holds every row written before the last archive run; a segment
 * deleted from the bucket is refused before anything is downloaded, naming it and the
 * largest target still reachable; a segment whose bytes changed is caught by its checksum
 * before PostgreSQL reads it.
 */
@SpringBootTest(classes = JobsTestApplication.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PitrRestoreJobTests {

	private static final TestCluster CLUSTER = TestCluster.create("pitrsrc");

	private static final String SOURCE = TestPostgres.newDatabase("pitrrest");

	private static final String BUCKET = TestS3.newBucket("pitr-restore");

	private static final String SLOT = "drbatch_it_" + SOURCE.substring(SOURCE.length() - 8);

	@DynamicPropertySource
	static void properties(DynamicPropertyRegistry registry) {
		CLUSTER.execute("postgres", "CREATE DATABASE " + SOURCE);
		CLUSTER.execute(SOURCE, "CREATE TABLE ticks (id int PRIMARY KEY, note text)");
		JobTestSupport.register(registry, SOURCE, SOURCE, BUCKET);
		JobTestSupport.registerPitrSource(registry, CLUSTER::port, SLOT);
	}

	@Autowired
	JobOperator jobOperator;

	@Autowired
	@Qualifier("walArchiveJob")
	Job walArchive;

	@Autowired
	@Qualifier("baseBackupJob")
	Job baseBackup;

	@Autowired
	@Qualifier("pitrRestoreJob")
	Job pitrRestore;

	private PitrJobRuns runs() {
		return new PitrJobRuns(this.jobOperator, this.walArchive, this.baseBackup, this.pitrRestore, SOURCE, BUCKET);
	}

	/** Moments between two commits, and how many rows were committed before each. */
	private record Gap(Instant at, int rowsBefore) {
	}

	private final List<Gap> gaps = new ArrayList<>();

	private int rows;

	@BeforeAll
	void writeArchiveAndBackUp() throws Exception {
		assertCompleted(runs().archive());
		assertCompleted(runs().baseBackup("2026-12-01"));
		for (int phase = 0; phase < 3; phase++) {
			writeRows(15);
			assertCompleted(runs().archive());
		}
		writeRows(5);
		assertCompleted(runs().archive());
	}

	@AfterAll
	void cleanUp() {
		CLUSTER.close();
		TestS3.deleteBucket(BUCKET);
	}

	/**
	 * Commits {@code count} rows one at a time, 150 ms apart, and notes a moment in each
	 * pause: no commit is in flight then, so exactly the rows before it precede it.
	 */
	private void writeRows(int count) throws Exception {
		try (Connection connection = CLUSTER.connect(SOURCE); Statement statement = connection.createStatement()) {
			for (int i = 0; i < count; i++) {
				statement.execute("INSERT INTO ticks VALUES (" + (++this.rows) + ", 'row')");
				Thread.sleep(75);
				this.gaps.add(new Gap(Instant.now(), this.rows));
				Thread.sleep(75);
			}
		}
	}

	@Test
	@Order(1)
	void eachOfThreeTimesInsideTheWindowRecoversExactlyTheRowsCommittedBeforeIt() throws Exception {
		List<Gap> targets = List.of(this.gaps.get(7), this.gaps.get(22), this.gaps.get(40));
		for (Gap target : targets) {
			Path data = TestCluster.newDataDirectory("pitr-time");
			int port = freePort();

			JobExecution execution = runs().restore("time:" + target.at(), data, port);

			assertCompleted(execution);
			try (Connection connection = runs().login(port).open("test");
					Statement statement = connection.createStatement()) {
				ResultSet counted = statement.executeQuery("SELECT count(*), coalesce(max(id), 0) FROM ticks");
				counted.next();
				assertThat(counted.getInt(1)).as("rows recovered to " + target.at()).isEqualTo(target.rowsBefore());
				assertThat(counted.getInt(2)).isEqualTo(target.rowsBefore());
				assertThat(setting(statement, "archive_mode")).as("archiving of the recovered server").isEqualTo("off");
				assertThat(setting(statement, "archive_command")).isIn("", "(disabled)");
				assertThat(setting(statement, "archive_library")).isEmpty();
				assertThat(setting(statement, "listen_addresses")).isEqualTo("127.0.0.1");
				ResultSet recovering = statement.executeQuery("SELECT pg_is_in_recovery()");
				recovering.next();
				assertThat(recovering.getBoolean(1)).as("promoted").isFalse();
			}
			assertThat(Instant.parse(execution.getExecutionContext().getString(PitrRestoreContext.LAST_COMMIT)))
				.as("the last replayed commit precedes the target")
				.isBefore(target.at());
			stop(data);
		}
	}

	private static String setting(Statement statement, String name) throws Exception {
		try (ResultSet rs = statement.executeQuery("SELECT current_setting('" + name + "')")) {
			rs.next();
			return rs.getString(1);
		}
	}

	@Test
	@Order(2)
	void latestRecoversEveryRowWrittenBeforeTheLastArchiveRun() throws Exception {
		Path data = TestCluster.newDataDirectory("pitr-latest");
		int port = freePort();

		JobExecution execution = runs().restore("latest", data, port);

		assertCompleted(execution);
		try (Connection connection = runs().login(port).open("test");
				Statement statement = connection.createStatement();
				ResultSet counted = statement.executeQuery("SELECT count(*) FROM ticks")) {
			counted.next();
			assertThat(counted.getInt(1)).isEqualTo(this.rows);
		}
		stop(data);
	}

	@Test
	@Order(3)
	void aTimeAfterTheLastCommitRecoversToTheEndOfTheArchiveWhichIsItsState() throws Exception {
		Gap afterLastCommit = this.gaps.get(this.gaps.size() - 1);
		Path data = TestCluster.newDataDirectory("pitr-quiet-end");
		int port = freePort();

		JobExecution execution = runs().restore("time:" + afterLastCommit.at(), data, port);

		assertCompleted(execution);
		try (Connection connection = runs().login(port).open("test");
				Statement statement = connection.createStatement();
				ResultSet counted = statement.executeQuery("SELECT count(*) FROM ticks")) {
			counted.next();
			assertThat(counted.getInt(1)).isEqualTo(afterLastCommit.rowsBefore()).isEqualTo(this.rows);
		}
		stop(data);
	}

	@Test
	@Order(4)
	void aCorruptedSegmentIsCaughtByItsChecksumBeforePostgresqlReadsIt() throws Exception {
		WalArchive archive = runs().walArchiveOfBucket();
		WalSegment corrupted = archive.segments().get(archive.segments().size() - 2);
		String key = archive.segmentKey(corrupted);
		byte[] raw = archive.readSegment(corrupted);
		raw[8192 + 100] ^= 0x5A;
		try (S3ObjectStore store = TestS3.store(BUCKET, "it")) {
			ObjectInfo original = store.head(key).orElseThrow();
			java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
			try (java.io.OutputStream zstd = Compression.ZSTD.compress(out, 1, 0)) {
				zstd.write(raw);
			}
			// the bytes change, the raw checksum recorded at archiving stays
			store.put(key, out.toByteArray(), "application/octet-stream", original.metadata());
		}
		Path data = TestCluster.newDataDirectory("pitr-corrupt");

		JobExecution execution = runs().restore("latest", data, freePort());

		assertThat(execution.getStatus()).isEqualTo(BatchStatus.FAILED);
		DrbatchException failure = DrbatchException.find(execution.getAllFailureExceptions().get(0)).orElseThrow();
		assertThat(failure.kind()).isEqualTo(FailureKind.INTEGRITY);
		assertThat(failure.getMessage()).contains(corrupted.name(), "recorded when it was archived",
				"PostgreSQL was not given it");
		assertThat(Files.exists(data.resolve("postmaster.pid"))).as("no server left running").isFalse();
		try (var left = Files.list(data)) {
			assertThat(left.toList()).as("the failed recovery's directory is emptied").isEmpty();
		}
	}

	@Test
	@Order(5)
	void aDeletedSegmentIsRefusedBeforeDownloadingNamingItAndTheLargestReachableTarget() throws Exception {
		WalArchive archive = runs().walArchiveOfBucket();
		List<WalSegment> segments = archive.segments();
		WalSegment deleted = segments.get(segments.size() - 3);
		try (S3ObjectStore store = TestS3.store(BUCKET, "it")) {
			store.delete(archive.segmentKey(deleted));
		}
		Path data = TestCluster.newDataDirectory("pitr-hole");

		JobExecution execution = runs().restore("latest", data, freePort());

		assertThat(execution.getStatus()).isEqualTo(BatchStatus.FAILED);
		DrbatchException failure = DrbatchException.find(execution.getAllFailureExceptions().get(0)).orElseThrow();
		assertThat(failure.kind()).isEqualTo(FailureKind.WAL_CHAIN_BROKEN);
		assertThat(failure.getMessage()).contains("segment " + deleted.name() + " is missing",
				"the largest recoverable target is --to-lsn " + deleted.start(), "--to-time");
		assertThat(execution.getStepExecutions()).extracting(step -> step.getStepName())
			.as("refused in the plan step, before anything was downloaded")
			.containsExactly("pitr-restore.plan");
		try (var left = Files.list(data)) {
			assertThat(left.toList()).isEmpty();
		}

		// the target the refusal suggests is reachable
		int port = freePort();
		JobExecution suggested = runs().restore("lsn:" + deleted.start(), data, port);
		assertCompleted(suggested);
		assertThat(suggested.getExecutionContext().getString(PitrRestoreContext.LAST_NEEDED_SEGMENT))
			.isEqualTo(segments.get(segments.size() - 4).name());
		stop(data);
	}

}
