package io.drbatch.jobs.pitrdrill;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Instant;
import java.util.Comparator;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

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
import org.springframework.batch.core.job.parameters.JobParametersBuilder;
import org.springframework.batch.core.launch.JobOperator;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import io.drbatch.jobs.JobTestSupport;
import io.drbatch.jobs.JobsTestApplication;
import io.drbatch.jobs.restore.DrillReport;
import io.drbatch.jobs.restore.TableCheck;
import io.drbatch.manifest.BackupCatalog;
import io.drbatch.manifest.BackupLayout;
import io.drbatch.manifest.BackupManifest;
import io.drbatch.store.ObjectStore;
import io.drbatch.testing.TestCluster;
import io.drbatch.testing.TestPostgres;
import io.drbatch.testing.TestS3;
import io.drbatch.testing.WebhookReceiver;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * pitr-drill against a real {@code wal_level=logical} cluster of the test's own: a daily
 * dump taken while rows are inserted without pause records its logical slot's consistent
 * point; the drill recovers the WAL archive to exactly that point and every table's count
 * equals the dump's (PASSED, exact); with one count in the dump's manifest changed, the
 * drill FAILS naming that table. Either way the drill webhook hears the result, and no
 * server, data directory or port is left behind.
 */
@SpringBootTest(classes = JobsTestApplication.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PitrDrillJobTests {

	private static final TestCluster CLUSTER = TestCluster.create("pitrdrill", "logical");

	private static final String SOURCE = TestPostgres.newDatabase("pitrdrill");

	private static final String BUCKET = TestS3.newBucket("pitr-drill");

	private static final String SLOT = "drbatch_it_" + SOURCE.substring(SOURCE.length() - 8);

	private static final Path SCRATCH = TestCluster.newDataDirectory("pitr-drill-scratch");

	private static final WebhookReceiver WEBHOOK = new WebhookReceiver();

	@DynamicPropertySource
	static void properties(DynamicPropertyRegistry registry) {
		CLUSTER.execute("postgres", "CREATE DATABASE " + SOURCE);
		CLUSTER.execute(SOURCE,
				"CREATE TABLE orders (id bigserial PRIMARY KEY, at timestamptz DEFAULT clock_timestamp())");
		CLUSTER.execute(SOURCE, "CREATE TABLE customers (id int PRIMARY KEY, name text)");
		CLUSTER.execute(SOURCE, "INSERT INTO customers SELECT g, 'c' || g FROM generate_series(1, 500) g");
		JobTestSupport.register(registry, SOURCE, SOURCE, BUCKET);
		JobTestSupport.registerPitrSource(registry, CLUSTER::port, SLOT);
		registry.add("drbatch.drill.spool-dir", SCRATCH::toString);
		registry.add("drbatch.drill.webhook.url", () -> WEBHOOK.url().toString());
		registry.add("drbatch.drill.webhook.notify-on-success", () -> "true");
		registry.add("drbatch.drill.checks[0].name", () -> "orders-before-snapshot");
		registry.add("drbatch.drill.checks[0].sql",
				() -> "SELECT count(*) > 0 FROM orders WHERE at <= ${snapshot_time}");
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
	@Qualifier("dailyDumpJob")
	Job dailyDump;

	@Autowired
	@Qualifier("pitrDrillJob")
	Job pitrDrill;

	private BackupManifest dump;

	private long ordersAfterDump;

	@BeforeAll
	void archiveBackUpAndDumpWhileRowsAreInserted() throws Exception {
		assertCompleted(archive());
		assertCompleted(this.jobOperator.start(this.baseBackup,
				new JobParametersBuilder().addString("database", SOURCE)
					.addString("backup.date", "2026-12-01")
					.toJobParameters()));
		AtomicBoolean running = new AtomicBoolean(true);
		AtomicLong inserted = new AtomicLong();
		Thread writer = new Thread(() -> {
			try (Connection connection = CLUSTER.connect(SOURCE); Statement statement = connection.createStatement()) {
				while (running.get()) {
					statement.execute("INSERT INTO orders DEFAULT VALUES");
					inserted.incrementAndGet();
				}
			}
			catch (Exception ex) {
				throw new IllegalStateException(ex);
			}
		});
		writer.start();
		while (inserted.get() < 200) {
			Thread.sleep(10);
		}
		try {
			assertCompleted(this.jobOperator.start(this.dailyDump,
					new JobParametersBuilder().addString("database", SOURCE)
						.addString("backup.date", "2026-12-01")
						.toJobParameters()));
			Thread.sleep(200);
		}
		finally {
			running.set(false);
			writer.join();
		}
		this.ordersAfterDump = inserted.get();
		assertCompleted(archive());
		this.dump = new BackupCatalog(store()).newest(SOURCE).orElseThrow();
	}

	@AfterAll
	void cleanUp() {
		WEBHOOK.close();
		CLUSTER.close();
		TestS3.deleteBucket(BUCKET);
	}

	@Test
	@Order(1)
	void passesWithEveryCountEqualToTheDumpsAtItsSlotsConsistentPoint() throws Exception {
		assertThat(this.dump.source().walPositionExact()).as("the dump's position is its slot's consistent point")
			.isTrue();
		long dumpedOrders = rowsOf(this.dump, "orders");
		assertThat(dumpedOrders).as("the dump saw some, not all, of the rows inserted during it")
			.isPositive()
			.isLessThan(this.ordersAfterDump);

		JobExecution execution = drill("2026-12-02");

		assertCompleted(execution);
		DrillReport report = newestPitrReport();
		assertThat(report.result()).isEqualTo(DrillReport.PASSED);
		assertThat(report.pitr().comparison()).isEqualTo("exact");
		assertThat(report.backupId()).isEqualTo(this.dump.backupId());
		assertThat(report.tables()).hasSize(2).allMatch(TableCheck::passed);
		assertThat(report.tables()).filteredOn(table -> table.table().equals("orders"))
			.singleElement()
			.extracting(TableCheck::restored)
			.isEqualTo(dumpedOrders);
		assertThat(report.pitr().amcheck()).isEqualTo("ok");
		assertThat(report.checks()).singleElement().matches(check -> check.passed(), "custom check passed");
		assertThat(report.rtoMillis()).isPositive();
		assertThat(report.rpoMillis()).isNotNegative();
		assertThat(report.pitr().recoveredLsn()).isNotBlank();
		assertThat(TestS3.keys(BUCKET)).anyMatch(key -> key.endsWith("report.md") && key.contains("drills/" + SOURCE));
		assertThat(WEBHOOK.bodies()).singleElement()
			.asString()
			.contains("\"kind\" : \"PITR drill\"", "\"result\" : \"PASSED\"", SOURCE, "report.json")
			.doesNotContain(TestPostgres.SCRAM_PASSWORD);
		assertLeavesNothingBehind(execution);
	}

	@Test
	@Order(2)
	void failsNamingTheTableWhoseCountDiffers() throws Exception {
		String key = BackupLayout.manifestKey(this.dump.tier(), SOURCE, this.dump.backupId());
		String json = new String(store().get(key).readAllBytes(), StandardCharsets.UTF_8);
		long customers = rowsOf(this.dump, "customers");
		String tampered = json.replaceFirst("(\"table\"\\s*:\\s*\"customers\"\\s*,\\s*\"rows\"\\s*:\\s*)" + customers,
				"$1" + (customers + 1));
		assertThat(tampered).as("the manifest's customers count was changed").isNotEqualTo(json);
		store().put(key, tampered.getBytes(StandardCharsets.UTF_8), "application/json");

		JobExecution execution = drill("2026-12-03");

		assertThat(execution.getStatus()).isEqualTo(BatchStatus.FAILED);
		assertThat(execution.getExitStatus().getExitDescription()).contains("customers");
		DrillReport report = newestPitrReport();
		assertThat(report.result()).isEqualTo(DrillReport.FAILED);
		assertThat(report.failures()).anyMatch(failure -> failure.contains("public.customers")
				&& failure.contains(String.valueOf(customers)) && failure.contains(String.valueOf(customers + 1)));
		assertThat(WEBHOOK.bodies()).hasSize(2)
			.last()
			.asString()
			.contains("\"kind\" : \"PITR drill\"", "\"result\" : \"FAILED\"", "public.customers");
		assertLeavesNothingBehind(execution);
	}

	private JobExecution drill(String date) throws Exception {
		return this.jobOperator.start(this.pitrDrill,
				new JobParametersBuilder().addString("database", SOURCE)
					.addString("drill.date", date)
					.addString("recovery.target", "dump")
					.toJobParameters());
	}

	private JobExecution archive() throws Exception {
		return this.jobOperator.start(this.walArchive,
				new JobParametersBuilder().addString("database", SOURCE)
					.addString("archive.date", Instant.now() + "-" + System.nanoTime())
					.toJobParameters());
	}

	private static ObjectStore store() {
		return TestS3.store(BUCKET, "it");
	}

	private static long rowsOf(BackupManifest manifest, String table) {
		return manifest.tables().stream().filter(t -> t.table().equals(table)).findFirst().orElseThrow().rows();
	}

	private static DrillReport newestPitrReport() {
		return DrillReport.readDrills(store(), SOURCE)
			.stream()
			.filter(DrillReport::describesPitrDrill)
			.max(Comparator.comparing(DrillReport::drillStarted))
			.orElseThrow();
	}

	private static void assertCompleted(JobExecution execution) {
		assertThat(execution.getStatus()).as(String.valueOf(execution.getAllFailureExceptions()))
			.isEqualTo(BatchStatus.COMPLETED);
	}

	/** No scratch directory, no server process on one, and the drill's port free. */
	static void assertLeavesNothingBehind(JobExecution execution) throws Exception {
		try (Stream<Path> left = Files.list(SCRATCH)) {
			assertThat(left.toList()).as("scratch directories left").isEmpty();
		}
		assertThat(ProcessHandle.allProcesses()
			.map(process -> process.info().commandLine().orElse(""))
			.filter(command -> command.contains(SCRATCH.toString()))
			.toList()).as("processes on a scratch directory").isEmpty();
		int port = execution.getExecutionContext().getInt(PitrDrillContext.PORT);
		try (ServerSocket socket = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
			assertThat(socket.getLocalPort()).isEqualTo(port);
		}
	}

}
