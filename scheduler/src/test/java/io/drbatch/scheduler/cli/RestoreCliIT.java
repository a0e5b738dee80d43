package io.drbatch.scheduler.cli;

import java.nio.file.Path;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.drbatch.testing.TestPostgres;
import io.drbatch.testing.TestS3;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code drbatch restore} on the day of disaster: into a new database it exits 0 and
 * prints the measured RTO; into a database that holds data it exits with the bad-argument
 * code and one error line, and touches nothing, until {@code --force} is given.
 */
class RestoreCliIT {

	private static final String SOURCE = TestPostgres.newDatabase("cli_restore");

	private static final String BUCKET = TestS3.newBucket("cli-restore");

	@TempDir
	Path workDir;

	@AfterAll
	static void cleanUp() {
		TestPostgres.dropDatabase(SOURCE + "_new");
		TestPostgres.dropDatabase(SOURCE);
		TestS3.deleteBucket(BUCKET);
	}

	@Test
	void restoreIntoANewDatabasePrintsTheRtoAndANonEmptyTargetNeedsForce() {
		TestPostgres.execute(SOURCE, "CREATE TABLE orders (id int, note text); "
				+ "INSERT INTO orders SELECT g, repeat('x', 100) FROM generate_series(1, 3000) g");
		CliProcess cli = new CliProcess(this.workDir).source(SOURCE, SOURCE).bucket(BUCKET);
		assertThat(cli.run("run", "daily-dump", "database=" + SOURCE, "backup.date=2026-11-24").exitCode()).isZero();

		CliProcess.Result restored = cli.run("restore", SOURCE, "--target-database", SOURCE + "_new");
		assertThat(restored.exitCode()).as(restored.stderr()).isZero();
		assertThat(restored.stdout()).contains("restore execution", "COMPLETED", "restore PASSED: backup ",
				"restored into database " + SOURCE + "_new; measured RTO ", "report restores/" + SOURCE + "/");
		assertThat(TestPostgres.queryLong(SOURCE + "_new", "SELECT count(*) FROM orders")).isEqualTo(3000);

		TestPostgres.execute(SOURCE, "DELETE FROM orders WHERE id > 1000");
		CliProcess.Result refused = cli.run("restore", SOURCE);
		assertThat(refused.exitCode()).as(refused.stderr()).isEqualTo(2);
		assertThat(refused.errorLines()).singleElement()
			.asString()
			.contains("restore target database " + SOURCE + " on ")
			.contains("is not empty")
			.contains("--force");
		assertThat(TestPostgres.queryLong(SOURCE, "SELECT count(*) FROM orders")).isEqualTo(1000);

		CliProcess.Result forced = cli.run("restore", SOURCE, "--backup", "latest", "--force");
		assertThat(forced.exitCode()).as(forced.stderr()).isZero();
		assertThat(TestPostgres.queryLong(SOURCE, "SELECT count(*) FROM orders")).isEqualTo(3000);

		CliProcess.Result badTime = cli.run("restore", SOURCE, "--before", "yesterday");
		assertThat(badTime.exitCode()).isEqualTo(2);
		assertThat(badTime.errorLines()).singleElement().asString().contains("before='yesterday' is not a time");
	}

}
