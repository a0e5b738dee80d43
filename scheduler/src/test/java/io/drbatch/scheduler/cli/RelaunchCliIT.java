package io.drbatch.scheduler.cli;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.drbatch.testing.TestPostgres;
import io.drbatch.testing.TestS3;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A daily-dump killed with SIGKILL in the middle of its upload, then relaunched by hand
 * with {@code drbatch restart}, ends with exactly one complete backup and no open
 * multipart upload.
 */
class RelaunchCliIT {

	/**
	 * Also the configured source name: job instances are per name and date, and the job
	 * repository outlives test runs.
	 */
	private static final String SOURCE = TestPostgres.newDatabase("cli_kill");

	private static final String BUCKET = TestS3.newBucket("cli-kill");

	@TempDir
	Path workDir;

	@BeforeAll
	static void seed() {
		// about 200 MB of dump that compresses only about 2:1, so the upload takes a
		// while
		TestPostgres.execute(SOURCE, "CREATE TABLE blobs AS SELECT g AS id, "
				+ "sha256(g::text::bytea) || sha256((g + 1)::text::bytea) AS b FROM generate_series(1, 1500000) g");
		TestPostgres.execute(SOURCE, "CREATE TABLE small (id int); INSERT INTO small SELECT generate_series(1, 10)");
	}

	@AfterAll
	static void cleanUp() {
		TestPostgres.dropDatabase(SOURCE);
		TestS3.deleteBucket(BUCKET);
	}

	@Test
	void killedDumpIsRelaunchedToExactlyOneCompleteBackup() throws Exception {
		CliProcess cli = new CliProcess(this.workDir).source(SOURCE, SOURCE)
			.bucket(BUCKET)
			.env("DRBATCH_DUMP_PARTS_IN_FLIGHT", "1")
			.env("DRBATCH_DUMP_LEVEL", "1");

		CliProcess.Running running = cli.start("run", "daily-dump", "database=" + SOURCE, "backup.date=2026-11-20");
		awaitOpenUpload(running);
		Thread.sleep(300);
		running.process().destroyForcibly().waitFor();

		assertThat(TestS3.openUploads(BUCKET)).as("upload left open by the kill").isPositive();
		assertThat(TestS3.keys(BUCKET)).noneMatch(key -> key.endsWith("manifest.json"));
		Map<Long, String> afterKill = JobRepositoryQueries.executions("daily-dump", SOURCE);
		assertThat(afterKill).hasSize(1).containsValue("STARTED");
		long killed = afterKill.keySet().iterator().next();

		CliProcess.Result again = cli.run("run", "daily-dump", "database=" + SOURCE, "backup.date=2026-11-20");
		assertThat(again.exitCode()).as(again.stderr()).isEqualTo(11);
		assertThat(again.errorLines()).singleElement().asString().contains("restart " + killed);

		CliProcess.Result restart = cli.run("restart", String.valueOf(killed));
		assertThat(restart.exitCode()).as(restart.stdout() + restart.stderr()).isZero();
		assertThat(restart.stdout()).contains("COMPLETED");

		List<String> keys = TestS3.keys(BUCKET);
		assertThat(keys).filteredOn(key -> key.endsWith("/manifest.json")).hasSize(1);
		String folder = keys.stream()
			.filter(key -> key.endsWith("/manifest.json"))
			.findFirst()
			.orElseThrow()
			.replace("manifest.json", "");
		assertThat(keys).allMatch(key -> key.startsWith(folder)).hasSize(2);
		assertThat(TestS3.openUploads(BUCKET)).isZero();
		assertThat(JobRepositoryQueries.executions("daily-dump", SOURCE)).hasSize(2)
			.containsEntry(killed, "FAILED")
			.containsValue("COMPLETED");

		CliProcess.Result backups = cli.run("backups", SOURCE);
		assertThat(backups.exitCode()).isZero();
		assertThat(backups.stdout().lines().filter(line -> line.startsWith(SOURCE + " "))).hasSize(1);
	}

	private static void awaitOpenUpload(CliProcess.Running running) throws InterruptedException {
		Instant deadline = Instant.now().plus(Duration.ofMinutes(2));
		while (TestS3.openUploads(BUCKET) == 0) {
			assertThat(running.process().isAlive()).as("drbatch ended before its upload was seen").isTrue();
			assertThat(Instant.now()).isBefore(deadline);
			Thread.sleep(50);
		}
	}

}
