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

import io.drbatch.testing.TestPostgres;
import io.drbatch.testing.TestS3;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Runs daily-dump with distinctive secret values and looks for them everywhere they must not be: the process
 * output, the job parameters and every other row of the job repository, the bucket's objects, and the argv and
 * environment of the pg_dump child process (seen through a spy that wraps the real pg_dump).
 */
class SecretsCliIT {

	private static final String SOURCE = TestPostgres.newDatabase("cli_secret");

	private static final String BUCKET = TestS3.newBucket("cli-secret");

	private static final String DB_PASSWORD = "pg-Secret-5e1c0b";

	private static final String S3_SECRET = "s3-Secret-9f2a77";

	private static final String REPOSITORY_PASSWORD = "repo-Secret-31d4";

	@TempDir
	Path workDir;

	@AfterAll
	static void cleanUp() {
		TestPostgres.dropDatabase(SOURCE);
		TestS3.deleteBucket(BUCKET);
	}

	@Test
	void secretsAppearNowhereButInThePrivatePgpassFile() throws IOException {
		TestPostgres.execute(SOURCE, "CREATE TABLE t (id int); INSERT INTO t VALUES (1)");
		Path spy = this.workDir.resolve("pg_dump_spy.sh");
		Path seen = this.workDir.resolve("seen");
		Files.createDirectories(seen);
		Files.writeString(spy, """
				#!/bin/sh
				printf '%%s\\n' "$@" >> '%1$s/argv'
				env | cut -d= -f1 >> '%1$s/env-names'
				env | grep -E '^PG' | grep -v PGPASSFILE >> '%1$s/pg-env'
				if [ -n "$PGPASSFILE" ]; then
				  stat -c '%%a' "$PGPASSFILE" >> '%1$s/pgpass-mode'
				  cat "$PGPASSFILE" >> '%1$s/pgpass-content'
				fi
				exec pg_dump "$@"
				""".formatted(seen));
		Files.setPosixFilePermissions(spy, PosixFilePermissions.fromString("rwx------"));

		CliProcess cli = new CliProcess(this.workDir).source(SOURCE, SOURCE)
			.bucket(BUCKET)
			.env("DRBATCH_SOURCES_0_PASSWORD", DB_PASSWORD)
			.env("DRBATCH_TARGETS_0_SECRET_ACCESS_KEY", S3_SECRET)
			.env("SPRING_DATASOURCE_PASSWORD", REPOSITORY_PASSWORD)
			.env("DRBATCH_DUMP_PG_DUMP_PATH", spy.toString());
		List<CliProcess.Result> results = new ArrayList<>();
		results.add(cli.run("run", "daily-dump", "database=" + SOURCE, "backup.date=2026-11-21"));
		results.add(cli.run("history", "daily-dump"));
		results.add(cli.run("backups", SOURCE));
		assertThat(results).allSatisfy(result -> assertThat(result.exitCode()).as(result.stderr()).isZero());

		for (CliProcess.Result result : results) {
			assertNoSecret(result.stdout() + result.stderr());
		}
		String argv = Files.readString(seen.resolve("argv"));
		assertThat(argv).contains("--snapshot=", "--no-password");
		assertNoSecret(argv);
		assertNoSecret(Files.readString(seen.resolve("pg-env")));
		assertThat(Files.readString(seen.resolve("env-names"))).doesNotContain("PGPASSWORD");
		assertThat(Files.readString(seen.resolve("pgpass-mode")).strip()).isEqualTo("600");
		assertThat(Files.readString(seen.resolve("pgpass-content"))).contains(DB_PASSWORD);

		assertThat(JobRepositoryQueries.everyRow()).isNotEmpty().allSatisfy(SecretsCliIT::assertNoSecret);
		try (S3Client s3 = TestS3.client()) {
			for (String key : TestS3.keys(BUCKET)) {
				if (key.endsWith(".json")) {
					assertNoSecret(s3.getObjectAsBytes(r -> r.bucket(BUCKET).key(key)).asUtf8String());
				}
			}
		}
		assertThat(TestS3.keys(BUCKET)).anyMatch(key -> key.endsWith("manifest.json"));
	}

	private static void assertNoSecret(String text) {
		assertThat(text).doesNotContain(DB_PASSWORD).doesNotContain(S3_SECRET).doesNotContain(REPOSITORY_PASSWORD);
	}

}
