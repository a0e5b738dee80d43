package io.drbatch.jobs;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

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
import io.drbatch.manifest.BackupCatalog;
import io.drbatch.manifest.BackupManifest;
import io.drbatch.store.S3ObjectStore;
import io.drbatch.testing.FaultProxy;
import io.drbatch.testing.TestPostgres;
import io.drbatch.testing.TestS3;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every job against stores that misbehave: the primary and the secondary are each reached
 * through a fault proxy that injects 500 InternalError, 503 SlowDown, connections dropped
 * (a GET's body cut off halfway, other requests left unanswered) and latency spikes. At a
 * 5% fault rate (seeded) daily-dump, restore-drill, replication and retention complete
 * with verified data; at 100% each fails with the store named as the cause, and nothing
 * half-written is visible afterwards: no backup without its objects, no new backup, no
 * copy vouched for. The figures (requests, faults per kind) go to
 * {@code target/storage-faults.tsv}.
 */
@SpringBootTest(classes = JobsTestApplication.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class StorageFaultsJobTests {

	private static final long SEED = Long.getLong("drbatch.faults.seed", 20261127L);

	private static final String SOURCE = TestPostgres.newDatabase("faulty");

	private static final String BUCKET = TestS3.newBucket("faults");

	private static final URI SECOND_SERVER = TestS3.SECONDARY_ENDPOINTS.get(0);

	private static final String SECOND_BUCKET = TestS3.newBucket(SECOND_SERVER, "faults-2");

	private static final FaultProxy PRIMARY = new FaultProxy(TestS3.ENDPOINT);

	private static final FaultProxy SECOND = new FaultProxy(SECOND_SERVER);

	/**
	 * Dates of this run's job instances: far in the past, different on every run (the job
	 * repository persists).
	 */
	private static final LocalDate FIRST_DATE = LocalDate.of(1700, 1, 1)
		.plusDays(new java.util.Random().nextInt(60_000));

	@DynamicPropertySource
	static void properties(DynamicPropertyRegistry registry) {
		TestPostgres.execute(SOURCE, "CREATE TABLE events (id bigint PRIMARY KEY, body text);"
				+ "INSERT INTO events SELECT g, md5(random()::text) || md5(random()::text) FROM generate_series(1, 100000) g;"
				+ "CREATE TABLE accounts (id int PRIMARY KEY, balance numeric);"
				+ "INSERT INTO accounts SELECT g, g * 1.5 FROM generate_series(1, 20000) g");
		JobTestSupport.register(registry, SOURCE, SOURCE, BUCKET);
		registry.add("drbatch.targets[0].endpoint", PRIMARY.endpoint()::toString);
		registry.add("drbatch.targets[1].name", () -> "second");
		registry.add("drbatch.targets[1].endpoint", SECOND.endpoint()::toString);
		registry.add("drbatch.targets[1].bucket", () -> SECOND_BUCKET);
		registry.add("drbatch.targets[1].prefix", () -> "it");
		registry.add("drbatch.targets[1].path-style", () -> "true");
		registry.add("drbatch.targets[1].access-key-id", () -> "test");
		registry.add("drbatch.targets[1].secret-access-key", () -> "test");
		registry.add("drbatch.retention.daily.days", () -> "1");
		registry.add("drbatch.retention.daily.min-count", () -> "2");
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
	@Qualifier("replicationJob")
	Job replication;

	@Autowired
	@Qualifier("retentionJob")
	Job retention;

	private int dates;

	private final List<String> figures = new ArrayList<>();

	@AfterAll
	void cleanUp() throws Exception {
		Files.writeString(Path.of("target", "storage-faults.tsv"), String.join("\n", this.figures) + "\n");
		PRIMARY.close();
		SECOND.close();
		TestPostgres.dropDatabase(SOURCE);
		TestS3.deleteBucket(BUCKET);
		TestS3.deleteBucket(SECOND_SERVER, SECOND_BUCKET);
	}

	private String nextDate() {
		return FIRST_DATE.plusDays(this.dates++).toString();
	}

	@Test
	@Order(1)
	void atFivePercentEveryJobCompletesWithVerifiedData() throws Exception {
		PRIMARY.chaos(0.05, SEED, request -> true);
		SECOND.chaos(0.05, SEED + 5, request -> true);
		List<String> outcomes = new ArrayList<>();
		for (int i = 0; i < 3; i++) {
			outcomes.add(run("daily-dump",
					this.jobOperator.start(this.dailyDump,
							new JobParametersBuilder().addString("database", SOURCE)
								.addString("backup.date", nextDate())
								.toJobParameters())));
		}
		for (int i = 0; i < 2; i++) {
			outcomes.add(run("restore-drill",
					this.jobOperator.start(this.restoreDrill,
							new JobParametersBuilder().addString("database", SOURCE)
								.addString("drill.date", nextDate())
								.toJobParameters())));
		}
		for (int i = 0; i < 2; i++) {
			if (i > 0) {
				TestS3.deleteBucket(SECOND_SERVER, SECOND_BUCKET);
				TestS3.createBucket(SECOND_SERVER, SECOND_BUCKET);
			}
			outcomes.add(run("replication",
					this.jobOperator.start(this.replication,
							new JobParametersBuilder().addString("replication.date", Instant.now().toString())
								.addString("test.run", SOURCE + i)
								.toJobParameters())));
		}
		outcomes.add(run("retention",
				this.jobOperator.start(this.retention,
						new JobParametersBuilder().addString("retention.date", LocalDate.now().plusDays(10).toString())
							.addString("dry-run", "false")
							.addString("test.run", SOURCE)
							.toJobParameters())));

		record("5% on both", PRIMARY, SECOND);
		assertThat(outcomes).as("job outcomes at 5%% faults").containsOnly("COMPLETED");
		assertThat(PRIMARY.injected().values().stream().mapToInt(Integer::intValue).sum()).as("faults on the primary")
			.isPositive();
		assertThat(SECOND.injected().values().stream().mapToInt(Integer::intValue).sum()).as("faults on the secondary")
			.isPositive();
		PRIMARY.clear();
		SECOND.clear();
		List<BackupManifest> kept = catalog(TestS3.ENDPOINT, BUCKET);
		assertThat(kept).as("retention kept the newest two of three").hasSize(2);
		assertIntact(TestS3.ENDPOINT, BUCKET, kept);
		List<BackupManifest> copies = catalog(SECOND_SERVER, SECOND_BUCKET);
		assertThat(copies).as("copies on the secondary, pruned by retention too").hasSize(2);
		assertIntact(SECOND_SERVER, SECOND_BUCKET, copies);
	}

	@Test
	@Order(2)
	void atOneHundredPercentEveryJobFailsNamingTheStoreAndNothingHalfWrittenIsVisible() throws Exception {
		List<BackupManifest> before = catalog(TestS3.ENDPOINT, BUCKET);
		List<BackupManifest> copiesBefore = catalog(SECOND_SERVER, SECOND_BUCKET);
		PRIMARY.chaos(1.0, SEED + 2, request -> true, FaultProxy.Fault.SERVER_ERROR, FaultProxy.Fault.SLOW_DOWN,
				FaultProxy.Fault.RESET);
		List<JobExecution> executions = new ArrayList<>(List.of(
				this.jobOperator.start(this.dailyDump,
						new JobParametersBuilder().addString("database", SOURCE)
							.addString("backup.date", nextDate())
							.toJobParameters()),
				this.jobOperator.start(this.restoreDrill,
						new JobParametersBuilder().addString("database", SOURCE)
							.addString("drill.date", nextDate())
							.toJobParameters()),
				this.jobOperator.start(this.replication,
						new JobParametersBuilder().addString("replication.date", Instant.now().toString())
							.addString("test.run", SOURCE + "-2")
							.toJobParameters()),
				this.jobOperator.start(this.retention,
						new JobParametersBuilder().addString("retention.date", LocalDate.now().plusDays(20).toString())
							.addString("dry-run", "false")
							.addString("test.run", SOURCE + "-2")
							.toJobParameters())));
		record("100% on the primary", PRIMARY);
		PRIMARY.clear();
		// the secondary alone failing: replication of a backup it lacks fails naming it
		try (S3ObjectStore copy = new S3ObjectStore(TestS3.target("second", SECOND_SERVER, SECOND_BUCKET, "it"))) {
			BackupManifest newest = copiesBefore.get(0);
			copy.delete(
					io.drbatch.manifest.BackupLayout.manifestKey(newest.tier(), newest.database(), newest.backupId()));
		}
		SECOND.chaos(1.0, SEED + 3, request -> true, FaultProxy.Fault.SERVER_ERROR, FaultProxy.Fault.SLOW_DOWN,
				FaultProxy.Fault.RESET);
		executions.add(this.jobOperator.start(this.replication,
				new JobParametersBuilder().addString("replication.date", Instant.now().toString())
					.addString("test.run", SOURCE + "-3")
					.toJobParameters()));
		record("100% on the secondary", SECOND);
		SECOND.clear();

		for (JobExecution execution : executions) {
			String job = execution.getJobInstance().getJobName();
			assertThat(execution.getStatus()).as(job).isEqualTo(BatchStatus.FAILED);
			DrbatchException failure = execution.getAllFailureExceptions()
				.stream()
				.map(DrbatchException::find)
				.flatMap(java.util.Optional::stream)
				.findFirst()
				.orElseThrow(() -> new AssertionError(
						job + " failed without a named cause: " + execution.getAllFailureExceptions()));
			assertThat(failure.kind()).as(job + ": " + failure.getMessage())
				.isIn(FailureKind.STORE_UNAVAILABLE, FailureKind.REPLICATION_BEHIND);
			assertThat(failure.getMessage()).as(job).containsAnyOf("target 'primary'", "target 'second'", "'second'");
		}
		List<BackupManifest> after = catalog(TestS3.ENDPOINT, BUCKET);
		assertThat(after).extracting(BackupManifest::backupId)
			.containsExactlyElementsOf(before.stream().map(BackupManifest::backupId).toList());
		assertIntact(TestS3.ENDPOINT, BUCKET, after);
		List<BackupManifest> copiesAfter = catalog(SECOND_SERVER, SECOND_BUCKET);
		assertThat(copiesAfter).as("no copy was vouched for by a manifest while the secondary failed")
			.extracting(BackupManifest::backupId)
			.containsExactlyElementsOf(
					copiesBefore.subList(1, copiesBefore.size()).stream().map(BackupManifest::backupId).toList());
		assertIntact(SECOND_SERVER, SECOND_BUCKET, copiesAfter);
	}

	private static String run(String job, JobExecution execution) {
		return execution.getStatus() == BatchStatus.COMPLETED ? "COMPLETED"
				: job + " " + execution.getStatus() + ": " + execution.getAllFailureExceptions();
	}

	/**
	 * One line per proxy: phase, proxy, requests seen, then 500s, 503s, resets and
	 * latency spikes injected.
	 */
	private void record(String phase, FaultProxy... proxies) {
		for (FaultProxy proxy : proxies) {
			Map<FaultProxy.Fault, Integer> injected = proxy.injected();
			this.figures
				.add(phase + "\t" + (proxy == PRIMARY ? "primary" : "second") + "\t" + proxy.chaosCandidates() + "\t"
						+ injected.get(FaultProxy.Fault.SERVER_ERROR) + "\t" + injected.get(FaultProxy.Fault.SLOW_DOWN)
						+ "\t" + injected.get(FaultProxy.Fault.RESET) + "\t" + injected.get(FaultProxy.Fault.LATENCY));
		}
	}

	private static List<BackupManifest> catalog(URI server, String bucket) {
		try (S3ObjectStore store = new S3ObjectStore(TestS3.target("check", server, bucket, "it"))) {
			return new BackupCatalog(store).list(SOURCE);
		}
	}

	private static void assertIntact(URI server, String bucket, List<BackupManifest> backups) throws Exception {
		try (S3ObjectStore store = new S3ObjectStore(TestS3.target("check", server, bucket, "it"))) {
			for (BackupManifest backup : backups) {
				for (BackupManifest.StoredObject object : backup.objects()) {
					assertThat(TestS3.sha256(store, object.key())).as(object.key() + " on " + server)
						.isEqualTo(object.sha256());
				}
			}
		}
	}

}
