package io.drbatch.scheduler.cli;

import java.nio.file.Path;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;

import io.drbatch.testing.TestPostgres;
import io.drbatch.testing.TestS3;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The weekly drill as a CronJob runs it: a passing drill exits 0 and prints its report,
 * and {@code drbatch status} then says the database is recoverable; a drill of a backup
 * whose stored bytes were changed exits with the integrity code and one error line naming
 * the object, and status turns AT RISK.
 */
class RestoreDrillCliIT {

	private static final String SOURCE = TestPostgres.newDatabase("cli_drill");

	private static final String BUCKET = TestS3.newBucket("cli-drill");

	@TempDir
	Path workDir;

	@AfterAll
	static void cleanUp() {
		TestPostgres.dropDatabase(SOURCE);
		TestS3.deleteBucket(BUCKET);
	}

	@Test
	void passingDrillExitsZeroAndATamperedBackupExitsWithTheIntegrityCode() {
		TestPostgres.execute(SOURCE, "CREATE TABLE orders (id int, note text); "
				+ "INSERT INTO orders SELECT g, repeat('x', 100) FROM generate_series(1, 5000) g");
		CliProcess cli = new CliProcess(this.workDir).source(SOURCE, SOURCE).bucket(BUCKET);
		assertThat(cli.run("run", "daily-dump", "database=" + SOURCE, "backup.date=2026-11-22").exitCode()).isZero();

		CliProcess.Result passed = cli.run("run", "restore-drill", "database=" + SOURCE, "drill.date=2026-11-22");
		assertThat(passed.exitCode()).as(passed.stderr()).isZero();
		assertThat(passed.stdout()).contains("Restore drill PASSED", "| public.orders | 5000 | 5000 | ok |");

		CliProcess.Result safe = cli.run("status");
		assertThat(safe.exitCode()).as(safe.stdout() + safe.stderr()).isZero();
		assertThat(safe.stdout()).contains(SOURCE, " ok ", "PASSED", "RECOVERABLE");

		String dumpKey = TestS3.keys(BUCKET).stream().filter(key -> key.contains("/dump.")).findFirst().orElseThrow();
		try (S3Client s3 = TestS3.client()) {
			byte[] bytes = s3.getObjectAsBytes(r -> r.bucket(BUCKET).key(dumpKey)).asByteArray();
			bytes[bytes.length / 2] ^= 0x40;
			s3.putObject(r -> r.bucket(BUCKET).key(dumpKey), RequestBody.fromBytes(bytes));
		}
		CliProcess.Result failed = cli.run("run", "restore-drill", "database=" + SOURCE, "drill.date=2026-11-23");
		assertThat(failed.exitCode()).as(failed.stderr()).isEqualTo(9);
		assertThat(failed.errorLines()).singleElement()
			.asString()
			.contains(dumpKey.substring("cli/".length()))
			.containsAnyOf("does not match its manifest", "is corrupt");

		CliProcess.Result atRisk = cli.run("status");
		assertThat(atRisk.exitCode()).as(atRisk.stdout() + atRisk.stderr()).isEqualTo(13);
		assertThat(atRisk.stdout()).contains("AT RISK", SOURCE + ": last drill FAILED");

		CliProcess.Result drills = cli.run("drills", SOURCE);
		assertThat(drills.exitCode()).isZero();
		assertThat(drills.stdout()).contains("PASSED");
	}

}
