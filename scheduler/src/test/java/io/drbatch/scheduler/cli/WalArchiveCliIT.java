package io.drbatch.scheduler.cli;

import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

import io.drbatch.store.S3ObjectStore;
import io.drbatch.testing.FaultProxy;
import io.drbatch.testing.TestCluster;
import io.drbatch.testing.TestPostgres;
import io.drbatch.testing.TestS3;
import io.drbatch.wal.Lsn;
import io.drbatch.wal.WalArchive;
import io.drbatch.wal.WalChain;
import io.drbatch.wal.WalSegment;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The WAL archive through the packaged CLI, as a CronJob runs it, on a cluster of the
 * test's own: wal-archive SIGKILLed while it uploads (each segment upload slowed by a
 * proxy) leaves the slot no further than the archive, and the next run completes the
 * chain; base-backup is listed by {@code drbatch backups --base}; {@code drbatch restore
 * --to-time} recovers exactly the rows committed before the time and leaves the promoted
 * server running with archiving off; a deleted segment makes wal-archive and
 * {@code drbatch wal verify} exit 15, and {@code drbatch status} says AT RISK (exit 13).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class WalArchiveCliIT {

	private static final TestCluster CLUSTER = TestCluster.create("walcli");

	private static final String SOURCE = TestPostgres.newDatabase("walcli");

	private static final String BUCKET = TestS3.newBucket("wal-cli");

	private static final FaultProxy SLOW = new FaultProxy(TestS3.ENDPOINT)
		.delay(request -> request.method().equals("PUT") && request.path().contains("/wal/"), Duration.ofMillis(1500));

	@TempDir
	Path workDir;

	@AfterAll
	void cleanUp() {
		SLOW.close();
		CLUSTER.close();
		TestS3.deleteBucket(BUCKET);
	}

	private CliProcess cli(java.net.URI endpoint) {
		return new CliProcess(this.workDir).source(SOURCE, SOURCE)
			.bucket(BUCKET)
			.env("DRBATCH_TARGETS_0_ENDPOINT", endpoint.toString())
			.env("DRBATCH_SOURCES_0_PORT", String.valueOf(CLUSTER.port()))
			.env("DRBATCH_SOURCES_0_USERNAME", TestPostgres.SCRAM_USER)
			.env("DRBATCH_SOURCES_0_PASSWORD", TestPostgres.SCRAM_PASSWORD)
			.env("DRBATCH_SOURCES_0_PITR_ENABLED", "true");
	}

	private static WalArchive archive() {
		String systemIdentifier = CLUSTER.queryString("postgres",
				"SELECT system_identifier::text FROM pg_control_system()");
		return new WalArchive(TestS3.store(BUCKET, "cli"), SOURCE, systemIdentifier, 16L * 1024 * 1024, 1, null);
	}

	private static Lsn slotRestart() {
		return Lsn.parse(CLUSTER.queryString("postgres", "SELECT restart_lsn::text FROM pg_replication_slots"));
	}

	@Test
	@Order(1)
	void killedWhileUploadingTheSlotStaysBehindTheArchiveAndTheNextRunCompletesTheChain() throws Exception {
		CLUSTER.execute("postgres", "CREATE DATABASE " + SOURCE);
		CLUSTER.execute(SOURCE, "CREATE TABLE events AS SELECT g, md5(g::text) AS m FROM generate_series(1, 600000) g");
		CliProcess slow = cli(SLOW.endpoint());
		CliProcess.Running running = slow.start("run", "wal-archive");
		WalArchive archive = archive();
		Instant deadline = Instant.now().plus(Duration.ofMinutes(2));
		while (archive.segments().size() < 2) {
			assertThat(running.process().isAlive()).as(Files.readString(running.stderr())).isTrue();
			assertThat(Instant.now()).as("two segments uploaded within 2 minutes").isBefore(deadline);
			Thread.sleep(100);
		}
		running.process().destroyForcibly().waitFor();

		List<WalSegment> shipped = archive.segments();
		assertThat(slotRestart()).as("the slot never moves past a segment the archive does not hold")
			.isLessThanOrEqualTo(shipped.get(shipped.size() - 1).end());

		CliProcess.Result next = cli(TestS3.ENDPOINT).run("run", "wal-archive");

		assertThat(next.exitCode()).as(next.stdout() + next.stderr()).isZero();
		List<WalSegment> segments = archive.segments();
		assertThat(segments.size()).isGreaterThan(shipped.size());
		assertThat(WalChain.gaps(segments, archive.histories(), segments.get(0).number())).isEmpty();
	}

	@Test
	@Order(2)
	void aBaseBackupIsListedWithItsWal() {
		CliProcess cli = cli(TestS3.ENDPOINT);
		CliProcess.Result backup = cli.run("run", "base-backup", "backup.date=2026-11-29");
		assertThat(backup.exitCode()).as(backup.stdout() + backup.stderr()).isZero();

		CliProcess.Result listed = cli.run("backups", SOURCE, "--base", "--format", "tsv");

		assertThat(listed.exitCode()).isZero();
		assertThat(listed.stdout().lines().toList()).hasSize(2)
			.first()
			.asString()
			.startsWith("database\tbackup\tstart");
		CliProcess.Result verify = cli.run("wal", "verify", SOURCE);
		assertThat(verify.exitCode()).as(verify.stdout() + verify.stderr()).isZero();
		assertThat(verify.stdout()).contains(SOURCE).contains("ok");
	}

	@Test
	@Order(3)
	void restoreToATimeRecoversExactlyTheRowsCommittedBeforeItAndLeavesTheServerRunning() throws Exception {
		CliProcess cli = cli(TestS3.ENDPOINT);
		CLUSTER.execute(SOURCE,
				"CREATE TABLE ledger (id int PRIMARY KEY, committed_at timestamptz NOT NULL DEFAULT clock_timestamp())");
		CLUSTER.execute(SOURCE, "INSERT INTO ledger (id) SELECT g FROM generate_series(1, 100) g");
		Thread.sleep(200);
		Instant target = Instant.now();
		Thread.sleep(200);
		CLUSTER.execute(SOURCE, "INSERT INTO ledger (id) SELECT g FROM generate_series(101, 150) g");
		assertThat(cli.run("run", "wal-archive").exitCode()).isZero();
		Path data = TestCluster.newDataDirectory("walcli-restored");
		int port;
		try (ServerSocket socket = new ServerSocket(0)) {
			port = socket.getLocalPort();
		}

		CliProcess.Result restore = cli.run("restore", SOURCE, "--to-time", target.toString(), "--data-dir",
				data.toString(), "--port", String.valueOf(port));

		try {
			assertThat(restore.exitCode()).as(restore.stdout() + restore.stderr()).isZero();
			assertThat(restore.stdout()).contains("127.0.0.1:" + port, "pg_ctl");
			try (Connection recovered = DriverManager.getConnection(
					"jdbc:postgresql://127.0.0.1:" + port + "/" + SOURCE + "?sslmode=disable", TestPostgres.SCRAM_USER,
					TestPostgres.SCRAM_PASSWORD); Statement statement = recovered.createStatement()) {
				ResultSet rows = statement.executeQuery("SELECT count(*), max(id), bool_and(committed_at < '" + target
						+ "'), pg_is_in_recovery(),"
						+ " current_setting('archive_mode'), coalesce((SELECT setting FROM pg_file_settings WHERE name = 'archive_command' AND applied), '-') FROM ledger");
				rows.next();
				assertThat(rows.getLong(1)).as("rows committed before the target").isEqualTo(100);
				assertThat(rows.getInt(2)).isEqualTo(100);
				assertThat(rows.getBoolean(3)).isTrue();
				assertThat(rows.getBoolean(4)).as("promoted").isFalse();
				assertThat(rows.getString(5)).isEqualTo("off");
				assertThat(rows.getString(6)).as("archive_command in effect").isEmpty();
			}
		}
		finally {
			TestCluster.stopServerOf(data);
		}
	}

	@Test
	@Order(4)
	void aDeletedSegmentMakesTheArchiveAndItsVerifyExit15AndStatusAtRisk() {
		CliProcess cli = cli(TestS3.ENDPOINT);
		CLUSTER.execute(SOURCE, "INSERT INTO events SELECT g, 'x' FROM generate_series(1, 100000) g");
		assertThat(cli.run("run", "wal-archive").exitCode()).isZero();
		WalArchive archive = archive();
		List<WalSegment> segments = archive.segments();
		// after the base backup's start (the newest segment is followed by newer ones
		// once the next run ships them)
		WalSegment deleted = segments.get(segments.size() - 2);
		try (S3ObjectStore store = TestS3.store(BUCKET, "cli")) {
			store.delete(archive.segmentKey(deleted));
		}
		CLUSTER.execute(SOURCE, "INSERT INTO events SELECT g, 'x' FROM generate_series(1, 1000) g");

		CliProcess.Result verify = cli.run("wal", "verify", SOURCE);
		CliProcess.Result run = cli.run("run", "wal-archive");
		CliProcess.Result status = cli.run("status");

		assertThat(verify.exitCode()).as(verify.stdout() + verify.stderr()).isEqualTo(15);
		assertThat(verify.stdout()).contains("BROKEN", deleted.name());
		assertThat(run.exitCode()).as(run.stdout() + run.stderr()).isEqualTo(15);
		assertThat(run.errorLines()).singleElement().asString().contains(deleted.name(), "take a new base backup");
		assertThat(status.exitCode()).as(status.stdout() + status.stderr()).isEqualTo(13);
		assertThat(status.stdout()).contains("Point-in-time recovery", "WAL chain broken");
	}

}
