package io.drbatch.scheduler.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.drbatch.testing.TestPostgres;
import io.drbatch.testing.TestS3;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code drbatch scheduler} as replicas run it: two processes on the same job repository
 * database fire each scheduled time once between them, and every fire of one day lands on
 * the same job instance (one backup); a trigger missed while no scheduler ran fires once
 * when one comes back; one fire runs a fleet's sources side by side. SIGTERM ends a
 * scheduler with exit 0.
 */
class SchedulerCliIT {

	private static final String SOURCE = TestPostgres.newDatabase("cli_sched");

	private static final String BUCKET = TestS3.newBucket("cli-sched");

	private static final String FLEET_A = TestPostgres.newDatabase("cli_sched_fa");

	private static final String FLEET_B = TestPostgres.newDatabase("cli_sched_fb");

	private static final String FLEET_BUCKET = TestS3.newBucket("cli-sched-fleet");

	private static final Pattern FIRE = Pattern.compile("Fire of daily-dump due at (\\S+) ");

	@TempDir
	Path workDir;

	@AfterAll
	static void cleanUp() {
		TestPostgres.dropDatabase(SOURCE);
		TestPostgres.dropDatabase(FLEET_A);
		TestPostgres.dropDatabase(FLEET_B);
		TestS3.deleteBucket(BUCKET);
		TestS3.deleteBucket(FLEET_BUCKET);
	}

	private CliProcess cli;

	/**
	 * Starts a scheduler process; one {@link CliProcess} per test, so that each process
	 * logs to its own files.
	 */
	private CliProcess.Running scheduler(String cron) {
		if (this.cli == null) {
			TestPostgres.execute(SOURCE, "CREATE TABLE IF NOT EXISTS orders (id int); INSERT INTO orders VALUES (1)");
			this.cli = new CliProcess(this.workDir).source(SOURCE, SOURCE).bucket(BUCKET);
		}
		return this.cli.start("--set", "drbatch.schedule.cron.daily-dump=" + cron, "--set",
				"drbatch.schedule.cron.restore-drill=", "--set", "drbatch.schedule.misfire-threshold=1s", "--set",
				"drbatch.schedule.cluster-checkin=2s",
				// replicas on one host: each its own metrics port
				"--set", "server.port=0", "scheduler");
	}

	@Test
	void twoReplicasFireEachTimeOnceAndOneDayMakesOneBackup() throws Exception {
		CliProcess.Running first = scheduler("0/2 * * * * ?");
		CliProcess.Running second = scheduler("0/2 * * * * ?");
		awaitLogLine(first, "Scheduler instance");
		awaitLogLine(second, "Scheduler instance");
		Instant deadline = Instant.now().plus(Duration.ofSeconds(60));
		while (fireTimes(log(first) + log(second)).size() < 4) {
			assertThat(Instant.now()).as("four fires within 60 s").isBefore(deadline);
			Thread.sleep(200);
		}
		first.process().destroy();
		second.process().destroy();
		CliProcess.Result one = first.await();
		CliProcess.Result two = second.await();

		assertThat(one.exitCode()).as(one.stderr()).isZero();
		assertThat(two.exitCode()).as(two.stderr()).isZero();
		List<String> fires = new ArrayList<>(fireTimes(one.stdout() + one.stderr()));
		fires.addAll(fireTimes(two.stdout() + two.stderr()));
		assertThat(fires).as("scheduled times fired").hasSizeGreaterThanOrEqualTo(4).doesNotHaveDuplicates();
		assertThat(TestS3.keys(BUCKET).stream().filter(key -> key.endsWith("/manifest.json")))
			.as("every fire of the day lands on one job instance")
			.hasSize(1);
		assertThat(JobRepositoryQueries.executions("daily-dump", SOURCE)).hasSize(1).containsValue("COMPLETED");
	}

	@Test
	void aTriggerMissedWhileNoSchedulerRanFiresOnceWhenOneComesBack() throws Exception {
		CliProcess.Running before = scheduler("0/3 * * * * ?");
		awaitLogLine(before, "Fire of daily-dump");
		before.process().destroy();
		assertThat(before.await().exitCode()).isZero();

		Thread.sleep(8_000);
		CliProcess.Running after = scheduler("0/3 * * * * ?");
		awaitLogLine(after, "Fire of daily-dump");
		Thread.sleep(2_000);
		after.process().destroy();
		CliProcess.Result result = after.await();

		String log = result.stdout() + result.stderr();
		assertThat(log.lines().filter(line -> line.contains("Trigger daily-dump misfired"))).hasSize(1);
		assertThat(TestS3.keys(BUCKET).stream().filter(key -> key.endsWith("/manifest.json"))).hasSize(1);
	}

	/**
	 * Two sources and {@code drbatch.fleet.parallelism=2}: one fire backs both up, side
	 * by side (their executions overlap in the job repository), and logs a line for the
	 * fire's sources.
	 */
	@Test
	void aFireRunsTheFleetsSourcesSideBySide() throws Exception {
		for (String database : List.of(FLEET_A, FLEET_B)) {
			TestPostgres.execute(database, "CREATE TABLE items (id int PRIMARY KEY, note text); "
					+ "INSERT INTO items SELECT g, md5(g::text) FROM generate_series(1, 200000) g");
		}
		CliProcess fleet = new CliProcess(this.workDir).source(FLEET_A, FLEET_A)
			.bucket(FLEET_BUCKET)
			.env("DRBATCH_SOURCES_1_NAME", FLEET_B)
			.env("DRBATCH_SOURCES_1_DATABASE", FLEET_B)
			.env("DRBATCH_SOURCES_1_HOST", TestPostgres.HOST)
			.env("DRBATCH_SOURCES_1_PORT", String.valueOf(TestPostgres.PORT))
			.env("DRBATCH_SOURCES_1_USERNAME", TestPostgres.USER)
			.env("DRBATCH_FLEET_PARALLELISM", "2");
		CliProcess.Running scheduler = fleet.start("--set", "drbatch.schedule.cron.daily-dump=0/2 * * * * ?", "--set",
				"drbatch.schedule.cron.restore-drill=", "--set", "server.port=0", "scheduler");
		awaitLogLine(scheduler, "2 of 2 sources completed");
		scheduler.process().destroy();
		CliProcess.Result result = scheduler.await();

		assertThat(result.exitCode()).as(result.stderr()).isZero();
		assertThat(result.stdout() + result.stderr())
			.contains("sources (" + FLEET_A + ", " + FLEET_B + "), 2 at a time");
		List<JobRepositoryQueries.Span> a = JobRepositoryQueries.spans("daily-dump", FLEET_A);
		List<JobRepositoryQueries.Span> b = JobRepositoryQueries.spans("daily-dump", FLEET_B);
		assertThat(a).hasSize(1);
		assertThat(b).hasSize(1);
		assertThat(a.get(0).overlaps(b.get(0))).as("%s and %s ran side by side", a, b).isTrue();
		assertThat(TestS3.keys(FLEET_BUCKET).stream().filter(key -> key.endsWith("/manifest.json"))).hasSize(2);
	}

	private static List<String> fireTimes(String log) {
		List<String> times = new ArrayList<>();
		Matcher matcher = FIRE.matcher(log);
		while (matcher.find()) {
			times.add(matcher.group(1));
		}
		return times;
	}

	private static String log(CliProcess.Running running) throws java.io.IOException {
		return Files.readString(running.stdout()) + Files.readString(running.stderr());
	}

	private static void awaitLogLine(CliProcess.Running running, String text) throws Exception {
		Instant deadline = Instant.now().plus(Duration.ofSeconds(60));
		while (!(Files.readString(running.stdout()) + Files.readString(running.stderr())).contains(text)) {
			assertThat(running.process().isAlive()).as("scheduler ended early: " + Files.readString(running.stderr()))
				.isTrue();
			assertThat(Instant.now()).as("waiting for '" + text + "' in: " + Files.readString(running.stdout()))
				.isBefore(deadline);
			Thread.sleep(200);
		}
	}

}
