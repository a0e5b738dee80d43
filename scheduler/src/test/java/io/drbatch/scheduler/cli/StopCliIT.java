package io.drbatch.scheduler.cli;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.drbatch.testing.TestPostgres;
import io.drbatch.testing.TestS3;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Stopping a running daily-dump the two ways an operator does: SIGTERM (what Kubernetes
 * sends a CronJob's pod) and {@code drbatch stop} from another process. Both leave the
 * execution STOPPED with the stop exit code, and {@code drbatch restart} completes it to
 * exactly one backup. A restart of an execution that is still running is refused.
 */
class StopCliIT {

	private static final String SOURCE = TestPostgres.newDatabase("cli_stop");

	private static final List<String> BUCKETS = new java.util.ArrayList<>();

	@TempDir
	Path workDir;

	@BeforeAll
	static void seed() {
		// about 400 MB of dump that compresses only about 2:1
		TestPostgres.execute(SOURCE, "CREATE TABLE blobs AS SELECT g AS id, "
				+ "sha256(g::text::bytea) || sha256((g + 1)::text::bytea) AS b FROM generate_series(1, 3000000) g");
	}

	@AfterAll
	static void cleanUp() {
		TestPostgres.dropDatabase(SOURCE);
		BUCKETS.forEach(TestS3::deleteBucket);
	}

	/** A CLI on a bucket of its own, so that each test counts only its own backups. */
	private CliProcess cli(String bucket) {
		BUCKETS.add(bucket);
		return fastCli(bucket)
			// gzip at its slowest level keeps the dump running for several seconds, long
			// enough to act on it
			.env("DRBATCH_DUMP_PARTS_IN_FLIGHT", "1")
			.env("DRBATCH_DUMP_COMPRESSION", "gzip")
			.env("DRBATCH_DUMP_LEVEL", "9");
	}

	/**
	 * The same CLI with the default (fast) compression, for the relaunch that completes
	 * the stopped dump: compression is configuration, not a job parameter, so a relaunch
	 * may use another.
	 */
	private CliProcess fastCli(String bucket) {
		return new CliProcess(this.workDir).source(SOURCE, SOURCE).bucket(bucket);
	}

	@Test
	void sigtermStopsTheDumpAndARestartCompletesIt() throws Exception {
		String bucket = TestS3.newBucket("cli-sigterm");
		CliProcess cli = cli(bucket);
		CliProcess.Running running = cli.start("run", "daily-dump", "database=" + SOURCE, "backup.date=2026-11-10");
		awaitOpenUpload(running, bucket);

		running.process().destroy();
		CliProcess.Result stopped = running.await();

		assertThat(stopped.exitCode()).as(stopped.stderr()).isEqualTo(12);
		assertThat(stopped.errorLines()).singleElement()
			.asString()
			.contains("stopped on request")
			.contains("drbatch restart");
		long id = onlyExecution("2026-11-10");
		assertThat(JobRepositoryQueries.executions("daily-dump", SOURCE)).containsEntry(id, "STOPPED");
		assertThat(TestS3.openUploads(bucket)).as("the stopped dump aborted its upload").isZero();

		CliProcess.Result restart = fastCli(bucket).run("restart", String.valueOf(id));
		assertThat(restart.exitCode()).as(restart.stdout() + restart.stderr()).isZero();
		assertThat(manifests(bucket)).isEqualTo(1);
	}

	@Test
	void restartOfARunningExecutionIsRefusedAndDrbatchStopStopsIt() throws Exception {
		String bucket = TestS3.newBucket("cli-stopcmd");
		CliProcess cli = cli(bucket);
		CliProcess.Running running = cli.start("run", "daily-dump", "database=" + SOURCE, "backup.date=2026-11-11");
		awaitOpenUpload(running, bucket);
		long id = onlyExecution("2026-11-11");

		CliProcess.Result refused = cli.run("restart", String.valueOf(id));
		assertThat(refused.exitCode()).as(refused.stderr()).isEqualTo(11);
		assertThat(refused.errorLines()).singleElement()
			.asString()
			.contains("still running")
			.contains("drbatch stop " + id);
		assertThat(running.process().isAlive()).as("the refused restart left the running dump alone").isTrue();

		CliProcess.Result stop = cli.run("stop", String.valueOf(id));
		assertThat(stop.exitCode()).as(stop.stdout() + stop.stderr()).isZero();
		assertThat(stop.stdout()).contains("STOPPED");
		assertThat(running.await().exitCode()).isEqualTo(12);

		CliProcess.Result restart = fastCli(bucket).run("restart", String.valueOf(id));
		assertThat(restart.exitCode()).as(restart.stdout() + restart.stderr()).isZero();
		assertThat(restart.stdout()).contains("COMPLETED");
		assertThat(manifests(bucket)).isEqualTo(1);
		assertThat(TestS3.openUploads(bucket)).isZero();
	}

	/** The one execution of daily-dump of {@link #SOURCE} for {@code date}. */
	private static long onlyExecution(String date) {
		List<Long> ids = JobRepositoryQueries.executionsOfDate("daily-dump", SOURCE, date);
		assertThat(ids).hasSize(1);
		return ids.get(0);
	}

	private static long manifests(String bucket) {
		return TestS3.keys(bucket).stream().filter(key -> key.endsWith("/manifest.json")).count();
	}

	private static void awaitOpenUpload(CliProcess.Running running, String bucket) throws InterruptedException {
		Instant deadline = Instant.now().plus(Duration.ofMinutes(2));
		while (TestS3.openUploads(bucket) == 0) {
			assertThat(running.process().isAlive()).as("drbatch ended before its upload was seen").isTrue();
			assertThat(Instant.now()).isBefore(deadline);
			Thread.sleep(50);
		}
		Thread.sleep(300);
	}

}
