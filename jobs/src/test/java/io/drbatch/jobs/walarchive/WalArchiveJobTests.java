package io.drbatch.jobs.walarchive;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
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
import org.springframework.batch.infrastructure.item.ExecutionContext;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import io.drbatch.failure.DrbatchException;
import io.drbatch.failure.FailureKind;
import io.drbatch.jobs.JobTestSupport;
import io.drbatch.jobs.JobsTestApplication;
import io.drbatch.store.S3ObjectStore;
import io.drbatch.testing.TestCluster;
import io.drbatch.testing.TestPostgres;
import io.drbatch.testing.TestS3;
import io.drbatch.wal.Lsn;
import io.drbatch.wal.WalArchive;
import io.drbatch.wal.WalChain;
import io.drbatch.wal.WalSegment;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * wal-archive against the real PostgreSQL (replication over the scram login of
 * {@code scripts/local-env.sh}) and the S3 test server: a quiet database's run still
 * bounds the archive's age and a run with nothing new stores nothing; under a pgbench
 * write load every run archives everything written before it began, with no hole in the
 * chain; a dropped slot and a deleted segment each make the next run fail with the
 * broken-chain failure naming what is missing.
 */
@SpringBootTest(classes = JobsTestApplication.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class WalArchiveJobTests {

	/**
	 * A cluster of the test's own: the job repository's WAL (on the local server) stays
	 * out of its archive.
	 */
	private static final TestCluster CLUSTER = TestCluster.create("walarch");

	private static final String SOURCE = TestPostgres.newDatabase("walarch");

	private static final String BUCKET = TestS3.newBucket("wal-archive");

	private static final String SLOT = "drbatch_it_" + SOURCE.substring(SOURCE.length() - 8);

	@DynamicPropertySource
	static void properties(DynamicPropertyRegistry registry) {
		CLUSTER.execute("postgres", "CREATE DATABASE " + SOURCE);
		CLUSTER.execute(SOURCE, "CREATE TABLE notes (id serial PRIMARY KEY, body text)");
		JobTestSupport.register(registry, SOURCE, SOURCE, BUCKET);
		JobTestSupport.registerPitrSource(registry, CLUSTER::port, SLOT);
	}

	@Autowired
	JobOperator jobOperator;

	@Autowired
	@Qualifier("walArchiveJob")
	Job walArchive;

	@AfterAll
	void cleanUp() {
		CLUSTER.close();
		TestS3.deleteBucket(BUCKET);
	}

	private JobExecution run() throws Exception {
		return this.jobOperator.start(this.walArchive,
				new JobParametersBuilder().addString("database", SOURCE)
					.addString("archive.date", Instant.now().toString() + "-" + System.nanoTime())
					.toJobParameters());
	}

	private static ExecutionContext context(JobExecution execution) {
		return execution.getExecutionContext();
	}

	private static WalArchive archive() {
		String systemIdentifier = CLUSTER.queryString("postgres",
				"SELECT system_identifier::text FROM pg_control_system()");
		return new WalArchive(TestS3.store(BUCKET, "it"), SOURCE, systemIdentifier, 16L * 1024 * 1024, 1, null);
	}

	private static Lsn currentLsn() {
		return Lsn.parse(CLUSTER.queryString("postgres", "SELECT pg_current_wal_lsn()::text"));
	}

	@Test
	@Order(1)
	void aQuietDatabasesRunBoundsTheArchivesAgeAndARunWithNothingNewStoresNothing() throws Exception {
		JobExecution first = run();
		assertThat(first.getStatus()).as(String.valueOf(first.getAllFailureExceptions()))
			.isEqualTo(BatchStatus.COMPLETED);
		CLUSTER.execute(SOURCE, "INSERT INTO notes (body) VALUES ('written just before the run')");
		Lsn written = currentLsn();

		JobExecution second = run();

		assertThat(second.getStatus()).isEqualTo(BatchStatus.COMPLETED);
		Lsn archivedThrough = Lsn.parse(context(second).getString(WalArchiveContext.ARCHIVED_THROUGH));
		assertThat(archivedThrough).as("the archive holds the row written before the run").isGreaterThan(written);
		List<String> before = TestS3.keys(BUCKET);

		JobExecution idle = run();

		assertThat(idle.getStatus()).isEqualTo(BatchStatus.COMPLETED);
		assertThat(context(idle).getInt(WalArchiveContext.SEGMENTS_STORED)).isZero();
		assertThat(TestS3.keys(BUCKET)).as("a run with nothing new writes nothing").isEqualTo(before);
	}

	@Test
	@Order(2)
	void underAWriteLoadEveryRunArchivesEverythingWrittenBeforeItBeganWithoutAHole() throws Exception {
		JobTestSupport.run(List.of("pgbench", "-i", "-s", "3", "-q", "-h", CLUSTER.host(), "-p",
				String.valueOf(CLUSTER.port()), "-U", "postgres", SOURCE), null);
		Process load = new ProcessBuilder("pgbench", "-T", "40", "-c", "2", "-n", "-h", CLUSTER.host(), "-p",
				String.valueOf(CLUSTER.port()), "-U", "postgres", SOURCE)
			.redirectErrorStream(true)
			.redirectOutput(ProcessBuilder.Redirect.DISCARD)
			.start();
		List<Long> stored = new ArrayList<>();
		try {
			for (int i = 0; i < 3; i++) {
				Thread.sleep(5_000);
				Lsn before = currentLsn();
				JobExecution execution = run();
				assertThat(execution.getStatus()).as(String.valueOf(execution.getAllFailureExceptions()))
					.isEqualTo(BatchStatus.COMPLETED);
				Lsn archivedThrough = Lsn.parse(context(execution).getString(WalArchiveContext.ARCHIVED_THROUGH));
				assertThat(archivedThrough).as("run " + i + ": everything written before it began is archived")
					.isGreaterThanOrEqualTo(before);
				stored.add((long) context(execution).getInt(WalArchiveContext.SEGMENTS_STORED));
			}
		}
		finally {
			load.destroy();
			load.waitFor(30, TimeUnit.SECONDS);
		}
		assertThat(stored).as("segments stored by each run under load").allMatch(n -> n > 0);
		WalArchive archive = archive();
		List<WalSegment> segments = archive.segments();
		assertThat(WalChain.gaps(segments, archive.histories(), segments.get(0).number())).isEmpty();
		String slotRestart = CLUSTER.queryString("postgres",
				"SELECT restart_lsn::text FROM pg_replication_slots WHERE slot_name = '" + SLOT + "'");
		assertThat(Lsn.parse(slotRestart)).as("the slot never passes the archive")
			.isLessThanOrEqualTo(segments.get(segments.size() - 1).end());
	}

	@Test
	@Order(3)
	void aDroppedSlotMakesTheNextRunFailNamingTheSegmentsItLost() throws Exception {
		CLUSTER.execute("postgres", "SELECT pg_drop_replication_slot('" + SLOT + "')");
		CLUSTER.execute(SOURCE, "CREATE TABLE filler AS SELECT g, md5(g::text) AS m FROM generate_series(1, 400000) g");
		CLUSTER.execute("postgres", "CHECKPOINT");

		JobExecution execution = run();

		assertBrokenChain(execution, "are missing");
	}

	@Test
	@Order(4)
	void aSegmentDeletedFromTheBucketMakesTheNextRunFailNamingIt() throws Exception {
		WalArchive archive = archive();
		List<WalSegment> segments = archive.segments();
		WalSegment deleted = segments.get(segments.size() / 2);
		try (S3ObjectStore store = TestS3.store(BUCKET, "it")) {
			store.delete(archive.segmentKey(deleted));
		}

		JobExecution execution = run();

		assertBrokenChain(execution, deleted.name());
	}

	private static void assertBrokenChain(JobExecution execution, String fragment) {
		assertThat(execution.getStatus()).isEqualTo(BatchStatus.FAILED);
		DrbatchException failure = DrbatchException.find(execution.getAllFailureExceptions().get(0)).orElseThrow();
		assertThat(failure.kind()).isEqualTo(FailureKind.WAL_CHAIN_BROKEN);
		assertThat(failure.getMessage()).contains("has a hole", fragment, "take a new base backup");
	}

}
