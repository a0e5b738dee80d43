package io.drbatch.scheduler.cli;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Path;
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
 * Three sources in one configuration, one of them unreachable: {@code drbatch run
 * daily-dump} and {@code drbatch run restore-drill} without a database run every source,
 * two at a time, each its own job instance; the two reachable ones are backed up and
 * drilled, the unreachable one fails its own instance and the run's exit code, and the
 * output has a line per source.
 */
class FleetCliIT {

	private static final String FIRST = TestPostgres.newDatabase("cli_fleet_a");

	private static final String SECOND = TestPostgres.newDatabase("cli_fleet_b");

	private static final String UNREACHABLE = FIRST + "_gone";

	private static final String BUCKET = TestS3.newBucket("cli-fleet");

	private static final String SMALL_HEAP_BUCKET = TestS3.newBucket("cli-fleet-heap");

	private static final String DATE = "2026-11-20";

	private static final int PARALLELISM = 2;

	@TempDir
	Path workDir;

	@BeforeAll
	static void createTables() {
		for (String database : List.of(FIRST, SECOND)) {
			TestPostgres.execute(database, "CREATE TABLE items (id int PRIMARY KEY); "
					+ "INSERT INTO items SELECT g FROM generate_series(1, 500) g");
		}
	}

	@AfterAll
	static void cleanUp() {
		TestPostgres.dropDatabase(FIRST);
		TestPostgres.dropDatabase(SECOND);
		TestS3.deleteBucket(BUCKET);
		TestS3.deleteBucket(SMALL_HEAP_BUCKET);
	}

	@Test
	void everySourceIsBackedUpAndDrilledAndOneUnreachableSourceFailsOnlyItself() throws IOException {
		CliProcess cli = twoSources(BUCKET).env("DRBATCH_SOURCES_2_NAME", UNREACHABLE)
			.env("DRBATCH_SOURCES_2_DATABASE", UNREACHABLE)
			.env("DRBATCH_SOURCES_2_HOST", TestPostgres.HOST)
			.env("DRBATCH_SOURCES_2_PORT", String.valueOf(unusedPort()))
			.env("DRBATCH_SOURCES_2_USERNAME", TestPostgres.USER)
			.env("DRBATCH_FLEET_PARALLELISM", String.valueOf(PARALLELISM));

		CliProcess.Result dump = cli.run("run", "daily-dump", "backup.date=" + DATE);
		CliProcess.Result drill = cli.run("run", "restore-drill", "drill.date=" + DATE);

		assertThat(dump.exitCode()).as(dump.stdout() + dump.stderr()).isEqualTo(4);
		assertThat(dump.stdout()).contains("daily-dump: 3 sources (" + FIRST + ", " + SECOND + ", " + UNREACHABLE
				+ "), " + PARALLELISM + " at a time", "daily-dump: 2 of 3 sources succeeded");
		assertThat(dump.stdout().lines().filter(line -> line.contains(UNREACHABLE) && line.contains("FAILED (exit 4)")))
			.hasSize(1);
		assertThat(dump.errorLines()).singleElement()
			.asString()
			.contains("daily-dump failed for 1 of 3 sources: " + UNREACHABLE);
		List<String> manifests = TestS3.keys(BUCKET).stream().filter(key -> key.endsWith("/manifest.json")).toList();
		assertThat(manifests).hasSize(2)
			.anyMatch(key -> key.contains("/" + FIRST + "/"))
			.anyMatch(key -> key.contains("/" + SECOND + "/"));
		for (String database : List.of(FIRST, SECOND)) {
			assertThat(JobRepositoryQueries.executionsOfDate("daily-dump", database, DATE)).hasSize(1);
			assertThat(JobRepositoryQueries.executions("daily-dump", database).values()).containsExactly("COMPLETED");
		}
		Map<Long, String> failed = JobRepositoryQueries.executions("daily-dump", UNREACHABLE);
		assertThat(failed.values()).containsExactly("FAILED");

		assertThat(drill.exitCode()).as(drill.stdout() + drill.stderr()).isNotZero();
		assertThat(drill.stdout()).as(drill.stdout()).contains("restore-drill: 2 of 3 sources succeeded");
		for (String database : List.of(FIRST, SECOND)) {
			assertThat(JobRepositoryQueries.executions("restore-drill", database).values())
				.containsExactly("COMPLETED");
			assertThat(TestS3.keys(BUCKET))
				.anyMatch(key -> key.matches("cli/drills/" + database + "/[^/]+/report.json"));
		}
		assertThat(JobRepositoryQueries.executions("restore-drill", UNREACHABLE).values()).containsExactly("FAILED");
	}

	/**
	 * With part buffers of 12 MB x 5 per dump, the tests' 192 MB heap holds one dump and
	 * the headroom, not two: the run goes one source at a time and says so, instead of
	 * running out of heap.
	 */
	@Test
	void aParallelismTheHeapCannotHoldIsLoweredNotRunOutOfMemory() {
		CliProcess cli = twoSources(SMALL_HEAP_BUCKET).env("DRBATCH_FLEET_PARALLELISM", "2")
			.env("DRBATCH_DUMP_PART_SIZE", "12MB");

		CliProcess.Result dump = cli.run("run", "daily-dump", "backup.date=2026-11-21");

		assertThat(dump.exitCode()).as(dump.stdout() + dump.stderr()).isZero();
		assertThat(dump.stdout()).contains("drbatch.fleet.parallelism 2 lowered to 1: each daily-dump holds 60 MB",
				"daily-dump: 2 sources (" + FIRST + ", " + SECOND + "), 1 at a time",
				"daily-dump: 2 of 2 sources succeeded");
		for (String database : List.of(FIRST, SECOND)) {
			assertThat(JobRepositoryQueries.executionsOfDate("daily-dump", database, "2026-11-21")).hasSize(1);
		}
	}

	/** FIRST and SECOND, both reachable, backed up into {@code bucket}. */
	private CliProcess twoSources(String bucket) {
		return new CliProcess(this.workDir).source(FIRST, FIRST)
			.bucket(bucket)
			.env("DRBATCH_SOURCES_1_NAME", SECOND)
			.env("DRBATCH_SOURCES_1_DATABASE", SECOND)
			.env("DRBATCH_SOURCES_1_HOST", TestPostgres.HOST)
			.env("DRBATCH_SOURCES_1_PORT", String.valueOf(TestPostgres.PORT))
			.env("DRBATCH_SOURCES_1_USERNAME", TestPostgres.USER);
	}

	private static int unusedPort() throws IOException {
		try (ServerSocket socket = new ServerSocket(0)) {
			return socket.getLocalPort();
		}
	}

}
