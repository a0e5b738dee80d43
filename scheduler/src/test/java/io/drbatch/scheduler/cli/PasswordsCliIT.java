package io.drbatch.scheduler.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

import io.drbatch.testing.TestPostgres;
import io.drbatch.testing.TestS3;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Passwords the way operators pass them, against a login the server checks
 * ({@link TestPostgres#SCRAM_USER}, scram-sha-256, set up by
 * {@code scripts/local-env.sh}): each of the three ways to give a password (the name of
 * an environment variable, a file, inline in a configuration file) for the source, the
 * drill server and the job repository at once, through the jobs that use them
 * (daily-dump, restore-drill, restore, replication), and the scheduler on a job
 * repository that needs a password. The configuration file gives the lists' shape, as the
 * README advises; only the secrets come from the environment.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PasswordsCliIT {

	private static final String SOURCE = TestPostgres.newDatabase("cli_scram");

	private static final String BUCKET = TestS3.newBucket("cli-scram");

	private static final java.net.URI SECOND_SERVER = TestS3.SECONDARY_ENDPOINTS.get(0);

	private static final String SECOND_BUCKET = TestS3.newBucket(SECOND_SERVER, "cli-scram-2");

	@TempDir
	Path workDir;

	@BeforeAll
	void createSource() {
		TestPostgres.execute(SOURCE, "CREATE TABLE orders (id int PRIMARY KEY, note text);"
				+ "INSERT INTO orders SELECT g, 'n' || g FROM generate_series(1, 500) g");
	}

	@AfterAll
	void cleanUp() {
		TestPostgres.dropDatabase(SOURCE);
		TestPostgres.dropDatabase(SOURCE + "_restored");
		TestS3.deleteBucket(BUCKET);
		TestS3.deleteBucket(SECOND_SERVER, SECOND_BUCKET);
	}

	/**
	 * A configuration file with the source and the drill server logging in as the scram
	 * user, each password given by {@code password}, a line of YAML
	 * ({@code password-env: X}, {@code password-file: F} or {@code password: P}).
	 */
	private Path config(String name, String sourcePassword, String drillPassword) throws IOException {
		return Files.writeString(this.workDir.resolve(name + ".yml"), """
				drbatch:
				  sources:
				    - name: %1$s
				      host: %2$s
				      port: %3$d
				      username: %4$s
				      %5$s
				  drill:
				    username: %4$s
				    %6$s
				""".formatted(SOURCE, TestPostgres.HOST, TestPostgres.PORT, TestPostgres.SCRAM_USER, sourcePassword,
				drillPassword));
	}

	/**
	 * The CLI with only the target from the environment, and the job repository logging
	 * in as the scram user.
	 */
	private CliProcess cli() {
		return new CliProcess(this.workDir).bucket(BUCKET).env("SPRING_DATASOURCE_USERNAME", TestPostgres.SCRAM_USER);
	}

	private Path secretFile(String name) throws IOException {
		Path file = this.workDir.resolve(name);
		Files.writeString(file, TestPostgres.SCRAM_PASSWORD + "\n");
		Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
		return file;
	}

	private static void assertOk(CliProcess.Result result) {
		assertThat(result.exitCode()).as(result.stdout() + result.stderr()).isZero();
	}

	@Test
	void passwordsFromEnvironmentVariablesNamedInTheConfigurationFile() throws IOException {
		Path config = config("env", "password-env: SHOP_DB_PASSWORD", "password-env: DRILL_DB_PASSWORD");
		CliProcess cli = cli().env("SHOP_DB_PASSWORD", TestPostgres.SCRAM_PASSWORD)
			.env("DRILL_DB_PASSWORD", TestPostgres.SCRAM_PASSWORD)
			.env("DRBATCH_REPOSITORY_PASSWORD_ENV", "REPOSITORY_PASSWORD")
			.env("REPOSITORY_PASSWORD", TestPostgres.SCRAM_PASSWORD);

		assertOk(cli.run("--config", config.toString(), "run", "daily-dump", "backup.date=2026-10-01"));
		CliProcess.Result drill = cli.run("--config", config.toString(), "run", "restore-drill",
				"drill.date=2026-10-02");
		assertOk(drill);
		assertThat(drill.stdout()).contains("PASSED");
	}

	@Test
	void passwordsFromFiles() throws IOException {
		Path password = secretFile("scram.password");
		Path config = config("file", "password-file: " + password, "password-file: " + password);
		CliProcess cli = cli().env("DRBATCH_REPOSITORY_PASSWORD_FILE", password.toString());
		cli.secondary(1, "second", SECOND_SERVER, SECOND_BUCKET, "cli-test-secret");

		assertOk(cli.run("--config", config.toString(), "run", "daily-dump", "backup.date=2026-10-03"));
		CliProcess.Result restore = cli.run("--config", config.toString(), "restore", SOURCE, "--target-database",
				SOURCE + "_restored");
		assertOk(restore);
		assertThat(TestPostgres.queryLong(SOURCE + "_restored", "SELECT count(*) FROM orders")).isEqualTo(500);
		assertOk(cli.run("--config", config.toString(), "run", "replication"));
	}

	@Test
	void passwordsInlineInAConfigurationFile() throws IOException {
		Path config = config("inline", "password: " + TestPostgres.SCRAM_PASSWORD,
				"password: " + TestPostgres.SCRAM_PASSWORD);
		Files.writeString(config, "spring:\n  datasource:\n    password: " + TestPostgres.SCRAM_PASSWORD + "\n",
				java.nio.file.StandardOpenOption.APPEND);
		CliProcess cli = cli();

		assertOk(cli.run("--config", config.toString(), "run", "daily-dump", "backup.date=2026-10-04"));
		CliProcess.Result drill = cli.run("--config", config.toString(), "run", "restore-drill",
				"drill.date=2026-10-05");
		assertOk(drill);
		assertThat(drill.stdout()).contains("PASSED");
	}

	@Test
	void theSchedulerRunsOnAJobRepositoryThatNeedsAPassword() throws Exception {
		Path config = config("scheduler", "password-env: SHOP_DB_PASSWORD", "password-env: SHOP_DB_PASSWORD");
		CliProcess.Running scheduler = cli().env("SHOP_DB_PASSWORD", TestPostgres.SCRAM_PASSWORD)
			.env("DRBATCH_REPOSITORY_PASSWORD_ENV", "SHOP_DB_PASSWORD")
			.start("--config", config.toString(), "--set", "server.port=0", "--set",
					"drbatch.schedule.cron.daily-dump=", "--set", "drbatch.schedule.cron.replication=", "scheduler");
		Instant deadline = Instant.now().plus(Duration.ofSeconds(90));
		while (!Files.readString(scheduler.stdout()).contains("Scheduler instance")) {
			assertThat(scheduler.process().isAlive()).as(Files.readString(scheduler.stderr())).isTrue();
			assertThat(Instant.now()).as("scheduler started within 90 s").isBefore(deadline);
			Thread.sleep(200);
		}
		scheduler.process().destroy();
		CliProcess.Result result = scheduler.await();
		assertThat(result.exitCode()).as(result.stderr()).isZero();
	}

}
