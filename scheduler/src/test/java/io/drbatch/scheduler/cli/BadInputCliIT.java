package io.drbatch.scheduler.cli;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import io.drbatch.testing.TestPostgres;
import io.drbatch.testing.TestS3;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every bad input in the first table of docs/RELIABILITY.md ("Bad input"), tried through
 * the real CLI: each gets one error line on standard error that says what is wrong
 * (naming the key, parameter, target or database), no stack trace, its own exit code, and
 * nothing written to the source or the bucket (but the FAILED report of a drill or
 * restore refused inside the job). The table in the docs is checked to list every case
 * with the exit code seen here.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BadInputCliIT {

	private static final String SOURCE = TestPostgres.newDatabase("cli_bad");

	/** A login role without REPLICATION, for the WAL archive's preflight. */
	private static final String NO_REPLICATION = "drbatch_norepl";

	private static final String BUCKET = TestS3.newBucket("cli-bad");

	private static final Path WORK;

	static {
		try {
			WORK = Files.createTempDirectory("drbatch-bad-input");
		}
		catch (IOException ex) {
			throw new java.io.UncheckedIOException(ex);
		}
	}

	/**
	 * One bad input: what an operator did, the environment and arguments that do it, the
	 * exit code and a fragment of the one error line it must get.
	 */
	record Case(String input, Map<String, String> env, List<String> args, int exit, String message) {

		@Override
		public String toString() {
			return this.input;
		}

	}

	static List<Case> cases() {
		String unusedPort = String.valueOf(unusedPort());
		List<Case> cases = new ArrayList<>();
		cases.add(new Case("unknown command", Map.of(), List.of("frobnicate"), 2, "Unmatched argument"));
		cases.add(new Case("unknown job", Map.of(), List.of("run", "no-such-job"), 2, "unknown job 'no-such-job'"));
		cases.add(new Case("unknown job parameter", Map.of(), List.of("run", "daily-dump", "colour=blue"), 2,
				"unknown parameter(s) [colour]"));
		cases.add(new Case("parameter without '='", Map.of(), List.of("run", "daily-dump", "backup.date"), 2,
				"key=value"));
		cases.add(new Case("bad date", Map.of(), List.of("run", "daily-dump", "backup.date=2026-02-30"), 2,
				"is not a date"));
		cases.add(new Case("bad time", Map.of(), List.of("restore", SOURCE, "--before", "yesterday"), 2,
				"is not a time"));
		cases.add(new Case("bad boolean", Map.of(), List.of("run", "retention", "dry-run=maybe"), 2,
				"is not true or false"));
		cases.add(new Case("unknown database", Map.of(), List.of("run", "daily-dump", "database=nope"), 2,
				"unknown database 'nope'"));
		cases.add(new Case("unknown target name", Map.of(), List.of("run", "restore-drill", "target=nope"), 2,
				"unknown target 'nope'"));
		cases.add(new Case("replication to the primary", Map.of(), List.of("run", "replication", "target=primary"), 2,
				"is the primary"));
		cases.add(new Case("bad replication verify mode", Map.of(), List.of("run", "replication", "verify=sometimes"),
				2, "is not quick or full"));
		cases.add(new Case("restore with both --backup and --before", Map.of(),
				List.of("restore", SOURCE, "--backup", "20260101T000000Z", "--before", "2026-01-01"), 2,
				"give one of them"));
		cases.add(new Case("non-empty restore target without --force", Map.of(),
				List.of("restore", SOURCE, "--target-database", SOURCE), 2, "is not empty"));
		cases.add(new Case("restart of an unknown execution", Map.of(), List.of("restart", "987654321"), 2,
				"no job execution with id 987654321"));
		cases.add(new Case("malformed --set", Map.of(), List.of("--set", "drbatch.dump.level", "run", "daily-dump"), 2,
				"KEY=VALUE format"));
		cases.add(new Case("invalid cron expression", Map.of(),
				List.of("--set", "drbatch.schedule.cron.daily-dump=every night", "scheduler"), 3,
				"drbatch.schedule.cron.daily-dump"));
		cases.add(new Case("unknown compression", Map.of("DRBATCH_DUMP_COMPRESSION", "lz4"),
				List.of("run", "daily-dump"), 3, "drbatch.dump.compression: 'lz4' is not one of zstd, gzip, none"));
		cases.add(new Case("source port out of range", Map.of("DRBATCH_SOURCES_0_PORT", "70000"),
				List.of("run", "daily-dump"), 3, "drbatch.sources[0].port"));
		cases.add(new Case("drill target that is not a target", Map.of("DRBATCH_DRILL_TARGET", "elsewhere"),
				List.of("run", "restore-drill"), 3, "drbatch.drill.target"));
		cases.add(new Case("encryption key variable not set",
				Map.of("DRBATCH_TARGETS_0_ENCRYPTION_ENABLED", "true", "DRBATCH_TARGETS_0_ENCRYPTION_KEY_ENV",
						"DRBATCH_TEST_UNSET_KEY"),
				List.of("run", "daily-dump"), 3,
				"drbatch.targets[0].encryption.key-env: environment variable DRBATCH_TEST_UNSET_KEY"));
		cases.add(new Case("encryption key of the wrong length",
				Map.of("DRBATCH_TARGETS_0_ENCRYPTION_ENABLED", "true", "DRBATCH_TARGETS_0_ENCRYPTION_KEY_ENV",
						"DRBATCH_TEST_SHORT_KEY", "DRBATCH_TEST_SHORT_KEY",
						java.util.Base64.getEncoder().encodeToString(new byte[16])),
				List.of("run", "daily-dump"), 3, "32 bytes"));
		cases.add(new Case("drill target equal to the source", Map.of("DRBATCH_DRILL_DATABASE", SOURCE),
				List.of("run", "restore-drill", "drill.date=1999-01-01"), 3, "is the source database itself"));
		cases.add(new Case("pg_dump older than the server",
				Map.of("DRBATCH_DUMP_PG_DUMP_PATH", WORK.resolve("old-pg_dump").toString()),
				List.of("run", "daily-dump", "backup.date=1999-01-02"), 8, "is version 9 but the server is version"));
		cases.add(new Case("unreachable source database", Map.of("DRBATCH_SOURCES_0_PORT", unusedPort),
				List.of("run", "daily-dump", "backup.date=1999-01-03"), 4, "cannot connect to database"));
		cases.add(new Case("missing source database", Map.of("DRBATCH_SOURCES_0_DATABASE", SOURCE + "_missing"),
				List.of("run", "daily-dump", "backup.date=1999-01-04"), 4, SOURCE + "_missing"));
		cases.add(new Case("login refused (unknown role)", Map.of("DRBATCH_SOURCES_0_USERNAME", "nobody_" + unusedPort),
				List.of("run", "daily-dump", "backup.date=1999-01-06"), 4, "role \"nobody_"));
		String scram = TestPostgres.SCRAM_USER;
		cases.add(new Case("wrong source password",
				Map.of("DRBATCH_SOURCES_0_USERNAME", scram, "DRBATCH_SOURCES_0_PASSWORD", "not-the-password"),
				List.of("run", "daily-dump", "backup.date=1999-01-07"), 4, "database '" + SOURCE + "' (" + scram
						+ "@127.0.0.1:5432/" + SOURCE + ") refused the login of user '" + scram + "'"));
		cases.add(new Case("missing source password", Map.of("DRBATCH_SOURCES_0_USERNAME", scram),
				List.of("run", "daily-dump", "backup.date=1999-01-08"), 4,
				"refused the login of user '" + scram + "'"));
		cases.add(new Case("wrong drill server password",
				Map.of("DRBATCH_DRILL_USERNAME", scram, "DRBATCH_DRILL_PASSWORD", "not-the-password"),
				List.of("run", "restore-drill", "drill.date=1999-01-10"), 4,
				"drill server 127.0.0.1:5432: database 'postgres' (" + scram
						+ "@127.0.0.1:5432/postgres) refused the login of user '" + scram + "'"));
		cases.add(new Case("wrong job repository password",
				Map.of("SPRING_DATASOURCE_USERNAME", scram, "SPRING_DATASOURCE_PASSWORD", "not-the-password"),
				List.of("run", "daily-dump", "backup.date=1999-01-09"), 4,
				"the job repository database (" + scram + " at jdbc:postgresql://"));
		cases.add(new Case("WAL archive of a source without point-in-time recovery", Map.of(),
				List.of("run", "wal-archive", "database=" + SOURCE), 2, "has no point-in-time recovery"));
		cases.add(new Case("WAL archive with a role that lacks REPLICATION",
				Map.of("DRBATCH_SOURCES_0_PITR_ENABLED", "true", "DRBATCH_SOURCES_0_USERNAME", NO_REPLICATION),
				List.of("run", "wal-archive"), 3, "the login role lacks REPLICATION"));
		cases.add(new Case("point-in-time restore with two targets", Map.of(),
				List.of("restore", SOURCE, "--to-time", "2026-12-01T10:00:00Z", "--latest"), 2, "give one of them"));
		cases.add(new Case("point-in-time restore to a time that is not a time",
				Map.of("DRBATCH_SOURCES_0_PITR_ENABLED", "true"), List.of("restore", SOURCE, "--to-time", "yesterday"),
				2, "'yesterday' is not a time"));
		cases.add(new Case("point-in-time restore options without a target", Map.of(),
				List.of("restore", SOURCE, "--data-dir", WORK.resolve("recovered").toString()), 2,
				"add --to-time, --to-lsn or --latest"));
		cases.add(new Case("point-in-time restore of a source without point-in-time recovery", Map.of(),
				List.of("restore", SOURCE, "--latest", "--data-dir", WORK.resolve("recovered").toString()), 2,
				"has no point-in-time recovery"));
		cases
			.add(new Case("point-in-time restore with no base backup", Map.of("DRBATCH_SOURCES_0_PITR_ENABLED", "true"),
					List.of("restore", SOURCE, "--latest", "--data-dir", WORK.resolve("recovered").toString()), 2,
					"no base backup of '" + SOURCE + "'"));
		cases.add(new Case("PITR drill to a target that is neither a dump nor a time",
				Map.of("DRBATCH_SOURCES_0_PITR_ENABLED", "true"),
				List.of("run", "pitr-drill", "drill.date=1999-01-11", "recovery.target=yesterday"), 2,
				"parameter recovery.target='yesterday' is not 'dump' or time:<ISO-8601 time>"));
		cases.add(new Case("PITR drill to a time that is not a time", Map.of("DRBATCH_SOURCES_0_PITR_ENABLED", "true"),
				List.of("run", "pitr-drill", "drill.date=1999-01-12", "recovery.target=time:noon"), 2,
				"parameter recovery.target='noon' is not a time"));
		cases.add(new Case("PITR drill of a source without point-in-time recovery", Map.of(),
				List.of("run", "pitr-drill", "database=" + SOURCE, "drill.date=1999-01-13"), 2,
				"has no point-in-time recovery"));
		cases.add(new Case("missing bucket", Map.of("DRBATCH_TARGETS_0_BUCKET", "no-such-bucket-" + unusedPort),
				List.of("run", "daily-dump", "backup.date=1999-01-05"), 6, "does not exist"));
		return cases;
	}

	@BeforeAll
	void prepare() throws IOException {
		TestPostgres.execute("postgres", "DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '"
				+ NO_REPLICATION + "') THEN CREATE ROLE " + NO_REPLICATION + " LOGIN; END IF; END $$");
		Files.deleteIfExists(Path.of("target", "bad-inputs.tsv"));
		TestPostgres.execute(SOURCE, "CREATE TABLE t (id int); INSERT INTO t VALUES (1), (2)");
		Path oldPgDump = WORK.resolve("old-pg_dump");
		Files.writeString(oldPgDump, "#!/bin/sh\necho 'pg_dump (PostgreSQL) 9.6.24'\n");
		Files.setPosixFilePermissions(oldPgDump, PosixFilePermissions.fromString("rwxr-xr-x"));
	}

	@AfterAll
	void cleanUp() throws IOException {
		TestPostgres.dropDatabase(SOURCE);
		TestS3.deleteBucket(BUCKET);
		try (Stream<Path> files = Files.walk(WORK)) {
			files.sorted(java.util.Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
		}
	}

	/**
	 * Two cases at a time (each a JVM start that mostly waits): no two cases share a job
	 * instance, and each is refused before it writes anything but a drill's report.
	 */
	@ParameterizedTest(name = "{0}")
	@MethodSource("cases")
	@Execution(ExecutionMode.CONCURRENT)
	void eachBadInputGetsOneClearErrorLineAndItsExitCode(Case bad) throws IOException {
		CliProcess cli = new CliProcess(WORK).source(SOURCE, SOURCE).bucket(BUCKET);
		bad.env().forEach(cli::env);
		List<String> keysBefore = TestS3.keys(BUCKET);
		CliProcess.Result result = cli.run(bad.args().toArray(String[]::new));

		assertThat(result.exitCode()).as("exit code; stderr: %s", result.stderr()).isEqualTo(bad.exit());
		assertThat(result.errorLines()).as(result.stderr()).hasSize(1);
		assertThat(result.errorLines().get(0)).contains(bad.message()).endsWith("[exit " + bad.exit() + "]");
		assertThat(result.stderr()).doesNotContain("\tat ").doesNotContain("Exception");
		if (bad.input().contains("password")) {
			assertThat(result.errorLines().get(0)).as("no relaunch hint: relaunching cannot help a refused login")
				.doesNotContain("drbatch restart")
				.doesNotContain("not-the-password");
		}
		List<String> written = new ArrayList<>(TestS3.keys(BUCKET));
		written.removeAll(keysBefore);
		// a drill or restore refused inside the job leaves its FAILED report (so that a
		// refused weekly drill is
		// visible in 'drbatch drills'); nothing else may be written
		assertThat(written).as("written to the bucket")
			.allMatch(key -> key.startsWith("cli/drills/") || key.startsWith("cli/restores/"));
		assertThat(TestS3.keys(BUCKET)).noneMatch(key -> key.startsWith("cli/daily/"));
		assertThat(TestPostgres.queryLong(SOURCE, "SELECT count(*) FROM t")).isEqualTo(2);
		// what each input got, for the table in docs/RELIABILITY.md
		synchronized (this) {
			Files.writeString(Path.of("target", "bad-inputs.tsv"),
					bad.input() + "\t" + bad.exit() + "\t" + result.errorLines().get(0) + "\n",
					java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
		}
	}

	@Test
	void theReliabilityDocsListEveryCaseWithItsExitCode() throws IOException {
		String docs = Files.readString(Path.of("..", "docs", "RELIABILITY.md"));
		for (Case bad : cases()) {
			assertThat(docs).as("docs/RELIABILITY.md lists '" + bad.input() + "'")
				.containsPattern(
						"\\| " + java.util.regex.Pattern.quote(bad.input()) + " \\|.*\\| " + bad.exit() + " \\|");
		}
		assertThat(cases()).hasSizeGreaterThanOrEqualTo(25);
		// the other bad configuration values are proven in process by
		// ConfigurationValidationTests, listed in the
		// docs' table of bad configuration
	}

	private static int unusedPort() {
		try (ServerSocket socket = new ServerSocket(0)) {
			return socket.getLocalPort();
		}
		catch (IOException ex) {
			throw new java.io.UncheckedIOException(ex);
		}
	}

}
