package io.drbatch.jobs.restore;

import java.time.Instant;
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

import io.drbatch.failure.DrbatchException;
import io.drbatch.failure.FailureKind;
import io.drbatch.jobs.JobTestSupport;
import io.drbatch.jobs.JobsTestApplication;
import io.drbatch.manifest.BackupCatalog;
import io.drbatch.manifest.BackupManifest;
import io.drbatch.testing.TestPostgres;
import io.drbatch.testing.TestS3;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The restore job (what {@code drbatch restore} runs) against the real PostgreSQL and S3
 * server: two backups of the tricky schema, taken with a different number of rows in one
 * table, restored for real into new and existing databases, chosen as the latest and as
 * the newest before a time.
 */
@SpringBootTest(classes = JobsTestApplication.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RestoreJobTests {

	private static final String SOURCE = TestPostgres.newDatabase("recovered");

	private static final String BUCKET = TestS3.newBucket("restore");

	private static final List<String[]> TABLES = List.of(new String[] { "public", "plain_table" },
			new String[] { "Sales", "Orders" }, new String[] { "analytics", "Ünïcødé_表" },
			new String[] { "public", "events" }, new String[] { "public", "busy" },
			new String[] { "public", "growing" });

	@DynamicPropertySource
	static void properties(DynamicPropertyRegistry registry) {
		TestPostgres.executeResource(SOURCE, "/io/drbatch/jobs/dailydump/tricky-schema.sql");
		TestPostgres.execute(SOURCE,
				"CREATE TABLE growing (id int); INSERT INTO growing SELECT generate_series(1, 10)");
		JobTestSupport.register(registry, SOURCE, SOURCE, BUCKET);
	}

	@Autowired
	JobOperator jobOperator;

	@Autowired
	@Qualifier("dailyDumpJob")
	Job dailyDump;

	@Autowired
	@Qualifier("restoreJob")
	Job restore;

	private BackupManifest first;

	private BackupManifest second;

	private java.util.Map<String, Long> countsAtSecond;

	private final List<String> restoredDatabases = new java.util.ArrayList<>();

	private int requests;

	@BeforeAll
	void backUpTwice() throws Exception {
		dump("2026-11-20");
		Thread.sleep(1100); // backup ids have a resolution of one second
		TestPostgres.execute(SOURCE, "INSERT INTO growing SELECT generate_series(11, 25)");
		dump("2026-11-21");
		this.countsAtSecond = TestPostgres.countAll(SOURCE, TABLES);
		List<BackupManifest> backups = new BackupCatalog(TestS3.store(BUCKET, "it")).list(SOURCE);
		assertThat(backups).hasSize(2);
		this.second = backups.get(0);
		this.first = backups.get(1);
	}

	private void dump(String date) throws Exception {
		JobExecution dump = this.jobOperator.start(this.dailyDump,
				new JobParametersBuilder().addString("database", SOURCE)
					.addString("backup.date", date)
					.toJobParameters());
		assertThat(dump.getStatus()).isEqualTo(BatchStatus.COMPLETED);
	}

	@AfterAll
	void cleanUp() {
		this.restoredDatabases.forEach(TestPostgres::dropDatabase);
		TestPostgres.dropDatabase(SOURCE);
		TestS3.deleteBucket(BUCKET);
	}

	private JobExecution restore(String target, String... extra) throws Exception {
		JobParametersBuilder parameters = new JobParametersBuilder().addString("database", SOURCE)
			.addString("restore.requested",
					Instant.parse("2026-11-26T00:00:00Z").plusSeconds(this.requests++).toString())
			.addString("force", "false");
		if (target != null) {
			parameters.addString("target.database", target);
			this.restoredDatabases.add(target);
		}
		for (int i = 0; i < extra.length; i += 2) {
			parameters.addString(extra[i], extra[i + 1]);
		}
		return this.jobOperator.start(this.restore, parameters.toJobParameters());
	}

	private static DrbatchException failure(JobExecution execution) {
		return DrbatchException.find(execution.getAllFailureExceptions().get(0)).orElseThrow();
	}

	@Test
	void latestBackupIsRestoredIntoANewDatabaseVerifiedAndKept() throws Exception {
		String target = SOURCE + "_new";
		JobExecution execution = restore(target);

		assertThat(execution.getStatus()).isEqualTo(BatchStatus.COMPLETED);
		assertThat(TestPostgres.countAll(target, TABLES)).isEqualTo(this.countsAtSecond);
		assertThat(TestPostgres.queryLong(target, "SELECT count(*) FROM pg_largeobject_metadata"))
			.isEqualTo(TestPostgres.queryLong(SOURCE, "SELECT count(*) FROM pg_largeobject_metadata"));
		assertThat(TestPostgres.queryLong(target, "SELECT last_value FROM invoice_seq"))
			.isEqualTo(TestPostgres.queryLong(SOURCE, "SELECT last_value FROM invoice_seq"));
		assertThat(execution.getExecutionContext().getString(DrillContext.MANIFEST_KEY))
			.contains(this.second.backupId());
		assertThat(execution.getExecutionContext().getString(DrillContext.RESULT)).isEqualTo(DrillReport.PASSED);
		assertThat(execution.getExecutionContext().getLong(DrillContext.RTO_MILLIS)).isPositive();
		String report = execution.getExecutionContext().getString(DrillContext.REPORT_KEY);
		assertThat(report).startsWith("restores/" + SOURCE + "/");
		assertThat(TestS3.keys(BUCKET)).contains("it/" + report, "it/" + report.replace(".json", ".md"))
			.noneMatch(key -> key.startsWith("it/drills/"));
	}

	@Test
	void newestBackupBeforeATimeIsChosen() throws Exception {
		String target = SOURCE + "_before";
		Instant between = this.second.source().snapshotTime().minusMillis(1);
		JobExecution execution = restore(target, "before", between.toString());

		assertThat(execution.getStatus()).isEqualTo(BatchStatus.COMPLETED);
		assertThat(execution.getExecutionContext().getString(DrillContext.MANIFEST_KEY))
			.contains(this.first.backupId());
		assertThat(TestPostgres.queryLong(target, "SELECT count(*) FROM growing")).isEqualTo(10);
	}

	@Test
	void nonEmptyTargetIsRefusedAndUntouchedWithoutForceAndReplacedWithIt() throws Exception {
		String target = SOURCE + "_busy";
		TestPostgres.execute("postgres", "CREATE DATABASE " + target);
		TestPostgres.execute(target, "CREATE TABLE precious (id int); INSERT INTO precious VALUES (1), (2)");

		JobExecution refused = restore(target);

		assertThat(refused.getStatus()).isEqualTo(BatchStatus.FAILED);
		assertThat(failure(refused).kind()).isEqualTo(FailureKind.BAD_ARGUMENT);
		assertThat(failure(refused).getMessage()).contains("restore target database " + target)
			.contains("is not empty (1 relations)")
			.contains("--force");
		assertThat(refused.getStepExecutions()).hasSize(1);
		assertThat(TestPostgres.queryLong(target, "SELECT count(*) FROM precious")).isEqualTo(2);

		JobExecution forced = restore(target, "force", "true");

		assertThat(forced.getStatus()).isEqualTo(BatchStatus.COMPLETED);
		assertThat(TestPostgres.queryLong(target, "SELECT count(*) FROM pg_tables WHERE tablename = 'precious'"))
			.isZero();
		assertThat(TestPostgres.countAll(target, TABLES)).isEqualTo(this.countsAtSecond);
	}

	@Test
	void theSourceItselfIsTheDefaultTargetAndIsRefusedWhileItHoldsData() throws Exception {
		long rows = TestPostgres.queryLong(SOURCE, "SELECT count(*) FROM growing");

		JobExecution refused = restore(null);

		assertThat(refused.getStatus()).isEqualTo(BatchStatus.FAILED);
		assertThat(failure(refused).getMessage()).contains("restore target database " + SOURCE + " on ")
			.contains("is not empty");
		assertThat(TestPostgres.queryLong(SOURCE, "SELECT count(*) FROM growing")).isEqualTo(rows);
	}

	@Test
	void anEmptyExistingDatabaseIsRestoredInto() throws Exception {
		String target = SOURCE + "_empty";
		TestPostgres.execute("postgres", "CREATE DATABASE " + target);

		JobExecution execution = restore(target, "backup", "latest");

		assertThat(execution.getStatus()).isEqualTo(BatchStatus.COMPLETED);
		assertThat(TestPostgres.countAll(target, TABLES)).isEqualTo(this.countsAtSecond);
	}

	@Test
	void noBackupBeforeTheFirstIsAnIntegrityFailureNamingTheNewest() throws Exception {
		JobExecution execution = restore(SOURCE + "_none", "before", "2000-01-01T00:00:00Z");

		assertThat(execution.getStatus()).isEqualTo(BatchStatus.FAILED);
		assertThat(failure(execution).kind()).isEqualTo(FailureKind.INTEGRITY);
		assertThat(failure(execution).getMessage()).contains("taken before 2000-01-01T00:00:00Z")
			.contains("(newest: " + this.second.backupId() + ")");
		assertThat(TestPostgres.queryLong("postgres",
				"SELECT count(*) FROM pg_database WHERE datname = '" + SOURCE + "_none'"))
			.isZero();
	}

}
