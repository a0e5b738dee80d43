package io.drbatch.scheduler.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.s3.S3Client;

import io.drbatch.testing.TestCluster;
import io.drbatch.testing.TestPostgres;
import io.drbatch.testing.TestS3;
import io.drbatch.testing.WebhookReceiver;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Runs every job (daily-dump, restore-drill with a webhook, restore, replication,
 * archive-tiering, retention, object-lock-setup) and the reporting commands with
 * distinctive secret values, and looks for them everywhere they must not be: the process
 * output and log, the job parameters and every other row of the job repository and the
 * Quartz tables, every manifest and drill report in every bucket, the webhook payloads,
 * the argv and environment of every pg_dump, pg_restore and pg_basebackup child process
 * (seen through spies that wrap the real tools), and the command line of every process on
 * the machine while the jobs run ({@code /proc/<pid>/cmdline}, polled). The source, the
 * drill server and the job repository log in with a real password, as the local login
 * that must authenticate with scram-sha-256 ({@link TestPostgres#SCRAM_USER}). The one
 * place a password may be is the 0600 pgpass file handed to a child process, which is
 * gone after the run, and after a drbatch killed by SIGKILL, at the next run.
 */
class SecretsCliIT {

	private static final String SOURCE = TestPostgres.newDatabase("cli_secret");

	private static final String BUCKET = TestS3.newBucket("cli-secret");

	private static final java.net.URI SECOND_SERVER = TestS3.SECONDARY_ENDPOINTS.get(0);

	private static final String SECOND_BUCKET = TestS3.newBucket(SECOND_SERVER, "cli-secret-2");

	private static final java.net.URI THIRD_SERVER = TestS3.SECONDARY_ENDPOINTS.get(1);

	private static final String THIRD_BUCKET = TestS3.unusedBucketName("cli-secret-3");

	private static final String DB_PASSWORD = TestPostgres.SCRAM_PASSWORD;

	private static final String S3_SECRET = "s3-Secret-9f2a77";

	private static final String SECOND_S3_SECRET = "s3-Second-Secret-4b0e";

	private static final String REPOSITORY_PASSWORD = TestPostgres.SCRAM_PASSWORD;

	private static final String DRILL_PASSWORD = TestPostgres.SCRAM_PASSWORD;

	private static final String WEBHOOK_TOKEN = "hook-Secret-c0ffee";

	@TempDir
	Path workDir;

	@org.junit.jupiter.api.BeforeAll
	static void createSource() {
		TestPostgres.execute(SOURCE, "CREATE TABLE t (id int); INSERT INTO t VALUES (1)");
	}

	@AfterAll
	static void cleanUp() {
		TestPostgres.dropDatabase(SOURCE);
		TestPostgres.dropDatabase(SOURCE + "_restored");
		TestS3.deleteBucket(BUCKET);
		TestS3.deleteBucket(SECOND_SERVER, SECOND_BUCKET);
		try {
			TestS3.deleteVersionedBucket(THIRD_SERVER, THIRD_BUCKET);
		}
		catch (RuntimeException ex) {
			// the bucket was never created: object-lock-setup failed, which the test
			// reports
		}
	}

	/**
	 * A script that records its argv, environment and pgpass file, then runs the real
	 * {@code tool}.
	 */
	private Path spy(String tool, Path seen) throws IOException {
		Path spy = this.workDir.resolve(tool + "_spy.sh");
		Files.writeString(spy, """
				#!/bin/sh
				printf '%%s\\n' "$@" >> '%1$s/argv'
				env | cut -d= -f1 >> '%1$s/env-names'
				env | grep -E '^PG' | grep -v PGPASSFILE >> '%1$s/pg-env'
				if [ -n "$PGPASSFILE" ]; then
				  stat -c '%%a' "$PGPASSFILE" >> '%1$s/pgpass-mode'
				  cat "$PGPASSFILE" >> '%1$s/pgpass-content'
				fi
				exec %2$s "$@"
				""".formatted(seen, tool));
		Files.setPosixFilePermissions(spy, PosixFilePermissions.fromString("rwx------"));
		return spy;
	}

	@Test
	void secretsAppearNowhereButInThePrivatePgpassFile() throws Exception {
		Path seen = this.workDir.resolve("seen");
		Files.createDirectories(seen);
		try (WebhookReceiver webhook = new WebhookReceiver(); CommandLineWatch watch = new CommandLineWatch()) {
			CliProcess cli = new CliProcess(this.workDir).source(SOURCE, SOURCE)
				.bucket(BUCKET)
				.env("DRBATCH_SOURCES_0_USERNAME", TestPostgres.SCRAM_USER)
				.env("DRBATCH_SOURCES_0_PASSWORD", DB_PASSWORD)
				.env("DRBATCH_TARGETS_0_SECRET_ACCESS_KEY", S3_SECRET)
				.env("SPRING_DATASOURCE_USERNAME", TestPostgres.SCRAM_USER)
				.env("SPRING_DATASOURCE_PASSWORD", REPOSITORY_PASSWORD)
				.env("DRBATCH_DRILL_USERNAME", TestPostgres.SCRAM_USER)
				.env("DRBATCH_DRILL_PASSWORD", DRILL_PASSWORD)
				.env("DRBATCH_DRILL_WEBHOOK_URL", webhook.url() + "/" + WEBHOOK_TOKEN)
				.env("DRBATCH_DRILL_WEBHOOK_NOTIFY_ON_SUCCESS", "true")
				.env("DRBATCH_DUMP_PG_DUMP_PATH", spy("pg_dump", seen).toString())
				.env("DRBATCH_DRILL_PG_RESTORE_PATH", spy("pg_restore", seen).toString());
			cli.secondary(1, "second", SECOND_SERVER, SECOND_BUCKET, SECOND_S3_SECRET);
			cli.secondary(2, "third", THIRD_SERVER, THIRD_BUCKET, SECOND_S3_SECRET)
				.env("DRBATCH_TARGETS_2_LOCK_ENABLED", "true")
				.env("DRBATCH_TARGETS_2_LOCK_MODE", "GOVERNANCE")
				.env("DRBATCH_TARGETS_2_LOCK_DAYS", "1");
			List<CliProcess.Result> results = new ArrayList<>();
			String today = java.time.LocalDate.now(java.time.ZoneOffset.UTC).toString();
			results.add(cli.run("run", "object-lock-setup"));
			results.add(cli.run("run", "daily-dump", "database=" + SOURCE, "backup.date=2026-11-21"));
			results.add(cli.run("run", "restore-drill", "database=" + SOURCE, "drill.date=2026-11-22"));
			results.add(cli.run("restore", SOURCE, "--target-database", SOURCE + "_restored"));
			results.add(cli.run("run", "replication"));
			results.add(cli.run("run", "archive-tiering", "tier.date=" + today));
			results.add(cli.run("run", "retention", "retention.date=" + today));
			results.add(cli.run("history"));
			results.add(cli.run("backups", SOURCE, "--targets"));
			results.add(cli.run("drills", SOURCE));
			results.add(cli.run("status"));
			assertThat(results.subList(0, 10))
				.allSatisfy(result -> assertThat(result.exitCode()).as(result.stdout() + result.stderr()).isZero());

			for (CliProcess.Result result : results) {
				assertNoSecret(result.stdout() + result.stderr());
			}
			assertThat(watch.processesSeen()).as("command lines seen while the jobs ran").isGreaterThan(50);
			assertThat(watch.leaks(List.of(DB_PASSWORD, S3_SECRET, SECOND_S3_SECRET, WEBHOOK_TOKEN)))
				.as("command lines that held a secret")
				.isEmpty();
			assertThat(webhook.bodies()).as("webhook payloads").isNotEmpty().allSatisfy(SecretsCliIT::assertNoSecret);
		}
		String argv = Files.readString(seen.resolve("argv"));
		assertThat(argv).as("pg_dump and pg_restore were both seen")
			.contains("--snapshot=", "--exit-on-error", "--no-password");
		assertNoSecret(argv);
		assertNoSecret(Files.readString(seen.resolve("pg-env")));
		assertThat(Files.readString(seen.resolve("env-names"))).doesNotContain("PGPASSWORD");
		assertThat(Files.readString(seen.resolve("pgpass-mode")).lines().distinct().toList()).containsExactly("600");
		assertThat(Files.readString(seen.resolve("pgpass-content"))).contains(DB_PASSWORD, DRILL_PASSWORD);

		assertThat(JobRepositoryQueries.everyRow()).isNotEmpty().allSatisfy(SecretsCliIT::assertNoSecret);
		int documents = 0;
		for (var bucket : List.of(java.util.Map.entry(TestS3.ENDPOINT, BUCKET),
				java.util.Map.entry(SECOND_SERVER, SECOND_BUCKET), java.util.Map.entry(THIRD_SERVER, THIRD_BUCKET))) {
			try (S3Client s3 = TestS3.client(bucket.getKey())) {
				for (String key : TestS3.keys(bucket.getKey(), bucket.getValue())) {
					if (key.endsWith(".json") || key.endsWith(".md")) {
						assertNoSecret(s3.getObjectAsBytes(r -> r.bucket(bucket.getValue()).key(key)).asUtf8String());
						documents++;
					}
				}
			}
		}
		assertThat(documents).as("manifests and reports checked").isGreaterThanOrEqualTo(6);
		assertThat(pgpassFiles()).as("pgpass files left after the runs").isEmpty();
	}

	@Test
	void thePgpassFileOfADrbatchKilledWhileItsChildRanIsGoneAtTheNextRun() throws Exception {
		Path slowPgDump = this.workDir.resolve("slow_pg_dump.sh");
		// the version check of the preflight runs at once; the dump itself waits, so that
		// it can be killed
		Files.writeString(slowPgDump, "#!/bin/sh\n[ \"$1\" = --version ] || sleep 60\nexec pg_dump \"$@\"\n");
		Files.setPosixFilePermissions(slowPgDump, PosixFilePermissions.fromString("rwx------"));
		CliProcess cli = new CliProcess(this.workDir).source(SOURCE, SOURCE)
			.bucket(BUCKET)
			.env("DRBATCH_SOURCES_0_USERNAME", TestPostgres.SCRAM_USER)
			.env("DRBATCH_SOURCES_0_PASSWORD", DB_PASSWORD);
		List<Path> before = pgpassFiles();
		CliProcess.Running killed = cli.env("DRBATCH_DUMP_PG_DUMP_PATH", slowPgDump.toString())
			.start("run", "daily-dump", "backup.date=2026-10-21");
		java.time.Instant deadline = java.time.Instant.now().plusSeconds(90);
		List<Path> orphans = List.of();
		while (orphans.isEmpty()) {
			assertThat(java.time.Instant.now()).as("a pgpass file written for pg_dump").isBefore(deadline);
			assertThat(killed.process().isAlive()).as(Files.readString(killed.stderr())).isTrue();
			Thread.sleep(100);
			orphans = new ArrayList<>(pgpassFiles());
			orphans.removeAll(before);
		}
		assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(orphans.get(0)))).isEqualTo("rw-------");
		List<ProcessHandle> children = killed.process().descendants().toList();
		killed.process().destroyForcibly().waitFor();
		children.forEach(ProcessHandle::destroyForcibly);
		assertThat(orphans.get(0)).as("left by the killed drbatch").exists();

		CliProcess.Result next = cli.env("DRBATCH_DUMP_PG_DUMP_PATH", "pg_dump")
			.run("run", "daily-dump", "backup.date=2026-10-22");

		assertThat(next.exitCode()).as(next.stderr()).isZero();
		assertThat(orphans.get(0)).as("deleted by the next run").doesNotExist();
	}

	/**
	 * The pgpass files drbatch processes wrote to the temp folder and have not deleted.
	 */
	private static List<Path> pgpassFiles() throws IOException {
		try (var files = Files.list(Path.of(System.getProperty("java.io.tmpdir")))) {
			return files.filter(f -> f.getFileName().toString().matches("drbatch-\\d+-\\d+\\.pgpass")).toList();
		}
	}

	/**
	 * Polls the command line of every process on the machine
	 * ({@code /proc/<pid>/cmdline}) until closed, keeping those it has not seen before,
	 * so that a secret in any child's argv, however short-lived, is likely caught.
	 */
	static final class CommandLineWatch implements AutoCloseable {

		private final java.util.Set<String> seen = java.util.concurrent.ConcurrentHashMap.newKeySet();

		private final Thread thread;

		private volatile boolean running = true;

		CommandLineWatch() {
			this.thread = new Thread(() -> {
				while (this.running) {
					try (var pids = Files.newDirectoryStream(Path.of("/proc"), "[0-9]*")) {
						for (Path pid : pids) {
							try {
								this.seen.add(new String(Files.readAllBytes(pid.resolve("cmdline")),
										java.nio.charset.StandardCharsets.UTF_8)
									.replace('\0', ' '));
							}
							catch (IOException ex) {
								// the process ended between the listing and the read
							}
						}
					}
					catch (IOException ex) {
						throw new java.io.UncheckedIOException(ex);
					}
					try {
						Thread.sleep(20);
					}
					catch (InterruptedException ex) {
						return;
					}
				}
			}, "cmdline-watch");
			this.thread.setDaemon(true);
			this.thread.start();
		}

		int processesSeen() {
			return this.seen.size();
		}

		List<String> leaks(List<String> secrets) {
			return this.seen.stream().filter(line -> secrets.stream().anyMatch(line::contains)).toList();
		}

		@Override
		public void close() throws InterruptedException {
			this.running = false;
			this.thread.join();
		}

	}

	private static void assertNoSecret(String text) {
		assertThat(text).doesNotContain(DB_PASSWORD)
			.doesNotContain(S3_SECRET)
			.doesNotContain(SECOND_S3_SECRET)
			.doesNotContain(REPOSITORY_PASSWORD)
			.doesNotContain(DRILL_PASSWORD)
			.doesNotContain(WEBHOOK_TOKEN);
	}

}
