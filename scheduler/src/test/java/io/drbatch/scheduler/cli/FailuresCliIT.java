package io.drbatch.scheduler.cli;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Path;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import io.drbatch.testing.RejectingS3Stub;
import io.drbatch.testing.TestPostgres;
import io.drbatch.testing.TestS3;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Each way an operator's run goes wrong before a backup can start gives one error line on
 * standard error, no stack trace there, and its own exit code; and nothing is written to
 * the bucket.
 */
class FailuresCliIT {

	private static final String SOURCE = TestPostgres.newDatabase("cli_fail");

	private static final String BUCKET = TestS3.newBucket("cli-fail");

	@TempDir
	Path workDir;

	@BeforeAll
	static void seed() {
		TestPostgres.execute(SOURCE, "CREATE TABLE t (id int); INSERT INTO t VALUES (1), (2)");
	}

	@AfterAll
	static void cleanUp() {
		TestPostgres.dropDatabase(SOURCE);
		TestS3.deleteBucket(BUCKET);
	}

	private CliProcess cli() {
		return new CliProcess(this.workDir).source(SOURCE, SOURCE).bucket(BUCKET);
	}

	@Test
	void unknownJobNameIsABadArgument() {
		CliProcess.Result result = cli().run("run", "no-such-job");
		assertOneLineError(result, 2, "unknown job 'no-such-job'; jobs: ");
		assertThat(result.errorLines().get(0)).contains("daily-dump", "restore-drill", "retention");
	}

	@Test
	void malformedParametersAreBadArguments() {
		assertOneLineError(cli().run("run", "daily-dump", "backup.date=yesterday"), 2, "is not a date");
		assertOneLineError(cli().run("run", "daily-dump", "colour=blue"), 2, "unknown parameter(s) [colour]");
		assertOneLineError(cli().run("run", "daily-dump", "database=nope"), 2, "unknown database 'nope'");
		assertOneLineError(cli().run("frobnicate"), 2, "Unmatched argument");
	}

	@Test
	void invalidConfigurationNamesTheKey() {
		CliProcess.Result result = cli().env("DRBATCH_DUMP_PART_SIZE", "1MB").run("run", "daily-dump");
		assertOneLineError(result, 3, "drbatch.dump.part-size: must be between 5MB");
	}

	@Test
	void missingBucketHasItsOwnExitCode() {
		CliProcess.Result result = cli().bucket("no-such-bucket-" + System.nanoTime()).run("run", "daily-dump");
		assertOneLineError(result, 6, "does not exist");
	}

	@ParameterizedTest
	@ValueSource(strings = { "InvalidAccessKeyId", "SignatureDoesNotMatch" })
	void rejectedCredentialsHaveTheirOwnExitCode(String errorCode) throws IOException {
		try (RejectingS3Stub stub = new RejectingS3Stub(403, errorCode)) {
			CliProcess.Result result = cli().env("DRBATCH_TARGETS_0_ENDPOINT", stub.endpoint().toString())
				.run("run", "daily-dump");
			assertOneLineError(result, 5, "rejected the credentials");
			assertThat(result.stderr()).contains(errorCode);
			assertThat(stub.requests()).isPositive();
		}
	}

	@Test
	void unreachableDatabaseHasItsOwnExitCode() throws IOException {
		int closedPort;
		try (ServerSocket socket = new ServerSocket(0)) {
			closedPort = socket.getLocalPort();
		}
		CliProcess.Result result = cli().env("DRBATCH_SOURCES_0_PORT", String.valueOf(closedPort))
			.run("run", "daily-dump");
		assertOneLineError(result, 4, "cannot connect to database '" + SOURCE + "'");
	}

	private void assertOneLineError(CliProcess.Result result, int exitCode, String message) {
		assertThat(result.exitCode()).as("exit code; stderr: %s", result.stderr()).isEqualTo(exitCode);
		assertThat(result.errorLines()).hasSize(1);
		assertThat(result.errorLines().get(0)).contains(message).endsWith("[exit " + exitCode + "]");
		assertThat(result.stderr()).doesNotContain("\tat ").doesNotContain("Exception");
		assertThat(TestS3.keys(BUCKET)).isEmpty();
	}

}
