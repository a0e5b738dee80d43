package io.drbatch.jobs;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
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
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import io.drbatch.failure.DrbatchException;
import io.drbatch.failure.FailureKind;
import io.drbatch.manifest.BackupManifest;
import io.drbatch.manifest.BaseBackupCatalog;
import io.drbatch.manifest.BaseBackupManifest;
import io.drbatch.store.S3ObjectStore;
import io.drbatch.testing.FaultProxy;
import io.drbatch.testing.TestCluster;
import io.drbatch.testing.TestPostgres;
import io.drbatch.testing.TestS3;
import io.drbatch.testing.TestWal;
import io.drbatch.wal.Lsn;
import io.drbatch.wal.WalArchive;
import io.drbatch.wal.WalSegment;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * wal-archive and base-backup against a store that misbehaves, reached through the fault
 * proxy (500 InternalError, 503 SlowDown, dropped connections, latency spikes). At a 5%
 * fault rate (seeded) both complete under a write load, the chain has no hole and every
 * archived segment decodes to the WAL of its own position. At 100% both fail naming the
 * store, no base backup is published, the slot stays behind what the archive holds (the
 * server keeps the WAL the archive lacks), and once the store answers again the next
 * wal-archive run closes the gap. The figures go to
 * {@code target/pitr-storage-faults.tsv}.
 */
@SpringBootTest(classes = JobsTestApplication.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PitrStorageFaultsJobTests {

	private static final long SEED = Long.getLong("drbatch.faults.seed", 20261202L);

	private static final TestCluster CLUSTER = TestCluster.create("pitrfault");

	private static final String SOURCE = TestPostgres.newDatabase("pitrfault");

	private static final String BUCKET = TestS3.newBucket("pitr-faults");

	private static final String SLOT = "drbatch_it_" + SOURCE.substring(SOURCE.length() - 8);

	private static final FaultProxy STORE = new FaultProxy(TestS3.ENDPOINT);

	@DynamicPropertySource
	static void properties(DynamicPropertyRegistry registry) {
		CLUSTER.execute("postgres", "CREATE DATABASE " + SOURCE);
		CLUSTER.execute(SOURCE, "CREATE TABLE notes (id serial PRIMARY KEY, body text);"
				+ "INSERT INTO notes (body) SELECT md5(g::text) FROM generate_series(1, 50000) g");
		JobTestSupport.register(registry, SOURCE, SOURCE, BUCKET);
		registry.add("drbatch.targets[0].endpoint", STORE.endpoint()::toString);
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

	private final List<String> figures = new ArrayList<>();

	private int runs;

	@AfterAll
	void cleanUp() throws Exception {
		Files.writeString(Path.of("target", "pitr-storage-faults.tsv"), String.join("\n", this.figures) + "\n");
		STORE.close();
		CLUSTER.close();
		TestS3.deleteBucket(BUCKET);
	}

	@Test
	@Order(1)
	void atFivePercentBothJobsCompleteUnderLoadAndTheChainHoldsTheRightWal() throws Exception {
		STORE.chaos(0.05, SEED, request -> true);
		List<String> outcomes = new ArrayList<>();
		Process load = new ProcessBuilder("psql", "-h", CLUSTER.host(), "-p", String.valueOf(CLUSTER.port()), "-U",
				"postgres", "-d", SOURCE, "-q", "-c",
				"DO $$ BEGIN FOR i IN 1..400 LOOP INSERT INTO notes (body) SELECT md5(g::text) FROM generate_series(1, 2000) g;"
						+ " COMMIT; PERFORM pg_sleep(0.05); END LOOP; END $$")
			.redirectErrorStream(true)
			.redirectOutput(ProcessBuilder.Redirect.DISCARD)
			.start();
		try {
			for (int i = 0; i < 3; i++) {
				outcomes.add(outcome(archiveRun()));
			}
			outcomes.add(outcome(this.jobOperator.start(this.baseBackup,
					new JobParametersBuilder().addString("database", SOURCE)
						.addString("backup.date", "2026-12-0" + (1 + this.runs++))
						.toJobParameters())));
			outcomes.add(outcome(archiveRun()));
		}
		finally {
			load.destroy();
			load.waitFor(30, TimeUnit.SECONDS);
		}
		record("5%");
		STORE.clear();

		assertThat(outcomes).as("job outcomes at 5%% faults").containsOnly("COMPLETED");
		assertThat(STORE.injected().values().stream().mapToInt(Integer::intValue).sum()).as("faults injected")
			.isPositive();
		TestWal.assertChainHoldsItsOwnWal(archive());
		List<BaseBackupManifest> bases = bases();
		assertThat(bases).hasSize(1);
		try (S3ObjectStore store = TestS3.store(BUCKET, "it")) {
			for (BackupManifest.StoredObject object : bases.get(0).objects()) {
				assertThat(TestS3.sha256(store, object.key())).as(object.key()).isEqualTo(object.sha256());
			}
		}
	}

	@Test
	@Order(2)
	void atOneHundredPercentBothFailNamingTheStoreAndTheNextRunClosesTheGap() throws Exception {
		List<String> basesBefore = bases().stream().map(BaseBackupManifest::backupId).toList();
		WalSegment newestBefore = last(archive().segments());
		CLUSTER.execute(SOURCE, "INSERT INTO notes (body) SELECT md5(g::text) FROM generate_series(1, 100000) g");
		Lsn writtenWhileDown = Lsn.parse(CLUSTER.queryString("postgres", "SELECT pg_current_wal_lsn()::text"));
		STORE.chaos(1.0, SEED + 1, request -> true, FaultProxy.Fault.SERVER_ERROR, FaultProxy.Fault.SLOW_DOWN,
				FaultProxy.Fault.RESET);

		List<JobExecution> failed = List.of(archiveRun(),
				this.jobOperator.start(this.baseBackup,
						new JobParametersBuilder().addString("database", SOURCE)
							.addString("backup.date", "2026-12-0" + (1 + this.runs++))
							.toJobParameters()));
		record("100%");
		STORE.clear();

		for (JobExecution execution : failed) {
			String job = execution.getJobInstance().getJobName();
			assertThat(execution.getStatus()).as(job).isEqualTo(BatchStatus.FAILED);
			DrbatchException failure = execution.getAllFailureExceptions()
				.stream()
				.map(DrbatchException::find)
				.flatMap(java.util.Optional::stream)
				.findFirst()
				.orElseThrow(() -> new AssertionError(
						job + " failed without a named cause: " + execution.getAllFailureExceptions()));
			assertThat(failure.kind()).as(job + ": " + failure.getMessage()).isEqualTo(FailureKind.STORE_UNAVAILABLE);
			assertThat(failure.getMessage()).as(job).contains("target 'primary'");
		}
		assertThat(bases().stream().map(BaseBackupManifest::backupId).toList())
			.as("no base backup published while the store failed")
			.isEqualTo(basesBefore);
		WalArchive archive = archive();
		WalSegment newestDuringOutage = last(archive.segments());
		Lsn slotRestart = Lsn.parse(CLUSTER.queryString("postgres",
				"SELECT restart_lsn::text FROM pg_replication_slots WHERE slot_name = '" + SLOT + "'"));
		assertThat(slotRestart).as("the slot stays within what the archive holds")
			.isLessThanOrEqualTo(newestDuringOutage.end());
		assertThat(newestDuringOutage).as("nothing stored while every request failed").isEqualTo(newestBefore);

		JobExecution recovered = archiveRun();

		assertThat(recovered.getStatus()).as(String.valueOf(recovered.getAllFailureExceptions()))
			.isEqualTo(BatchStatus.COMPLETED);
		assertThat(last(archive.segments()).end()).as("the rows written during the outage are archived now")
			.isGreaterThan(writtenWhileDown);
		TestWal.assertChainHoldsItsOwnWal(archive());
	}

	private JobExecution archiveRun() throws Exception {
		return this.jobOperator.start(this.walArchive,
				new JobParametersBuilder().addString("database", SOURCE)
					.addString("archive.date", Instant.now() + "-" + System.nanoTime())
					.toJobParameters());
	}

	private static String outcome(JobExecution execution) {
		return execution.getStatus() == BatchStatus.COMPLETED ? "COMPLETED" : execution.getJobInstance().getJobName()
				+ " " + execution.getStatus() + ": " + execution.getAllFailureExceptions();
	}

	private static WalArchive archive() {
		String systemIdentifier = CLUSTER.queryString("postgres",
				"SELECT system_identifier::text FROM pg_control_system()");
		return new WalArchive(TestS3.store(BUCKET, "it"), SOURCE, systemIdentifier, 16L * 1024 * 1024, 1, null);
	}

	private static List<BaseBackupManifest> bases() {
		return new BaseBackupCatalog(TestS3.store(BUCKET, "it")).list(SOURCE);
	}

	private static WalSegment last(List<WalSegment> segments) {
		return segments.get(segments.size() - 1);
	}

	/** One line per phase: requests seen, then 500s, 503s, resets and latency spikes. */
	private void record(String phase) {
		Map<FaultProxy.Fault, Integer> injected = STORE.injected();
		this.figures.add(phase + "\tprimary\t" + STORE.chaosCandidates() + "\t"
				+ injected.get(FaultProxy.Fault.SERVER_ERROR) + "\t" + injected.get(FaultProxy.Fault.SLOW_DOWN) + "\t"
				+ injected.get(FaultProxy.Fault.RESET) + "\t" + injected.get(FaultProxy.Fault.LATENCY));
	}

}
