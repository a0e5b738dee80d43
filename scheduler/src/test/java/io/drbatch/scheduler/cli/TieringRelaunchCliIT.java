package io.drbatch.scheduler.cli;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.drbatch.manifest.BackupLayout;
import io.drbatch.manifest.Tier;
import io.drbatch.store.S3ObjectStore;
import io.drbatch.testing.TestBackups;
import io.drbatch.testing.TestS3;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * archive-tiering killed with SIGKILL while its part-by-part copy is open, then
 * relaunched with {@code drbatch restart}: each promotion ends in its tier exactly once,
 * verified, manifest last, and no multipart copy is left open.
 */
class TieringRelaunchCliIT {

	private static final String SOURCE = "cli_tier_" + java.util.UUID.randomUUID().toString().substring(0, 8);

	private static final String BUCKET = TestS3.newBucket("cli-tier");

	private static final int PART = 5 * 1024 * 1024;

	@TempDir
	Path workDir;

	@AfterAll
	static void cleanUp() {
		TestS3.deleteBucket(BUCKET);
	}

	/**
	 * The day the promotions are due: a random day in the past (the job repository
	 * outlives test runs, and the date identifies the job instance), the 5th to the 20th
	 * of its month, so its Sunday is in the same month.
	 */
	private static final java.time.LocalDate DUE = java.time.LocalDate.of(1900 + new Random().nextInt(120),
			1 + new Random().nextInt(12), 12 + new Random().nextInt(9));

	private static final java.time.LocalDate SUNDAY = DUE
		.with(java.time.temporal.TemporalAdjusters.previousOrSame(java.time.DayOfWeek.SUNDAY));

	/**
	 * A daily backup on {@link #SUNDAY} of 40 parts of 5 MiB, as daily-dump would have
	 * written it.
	 */
	private static String seedDaily() {
		try (S3ObjectStore store = TestS3.store(BUCKET, "cli")) {
			return TestBackups
				.daily(store, SOURCE, SUNDAY.atTime(2, 0).toInstant(java.time.ZoneOffset.UTC), 40L * PART, PART, 7)
				.backupId();
		}
	}

	@Test
	void killedMidCopyAndRelaunchedEachBackupIsTieredOnce() throws Exception {
		String id = seedDaily();
		CliProcess cli = new CliProcess(this.workDir).source(SOURCE, "postgres").bucket(BUCKET);

		CliProcess.Running running = cli.start("run", "archive-tiering", "tier.date=" + DUE);
		Instant deadline = Instant.now().plus(Duration.ofMinutes(2));
		while (TestS3.openUploads(BUCKET) == 0) {
			assertThat(running.process().isAlive()).as("archive-tiering ended before a copy was seen open").isTrue();
			assertThat(Instant.now()).isBefore(deadline);
			Thread.sleep(10);
		}
		running.process().destroyForcibly().waitFor();
		List<String> afterKill = TestS3.keys(BUCKET);
		long tieredManifestsAfterKill = afterKill.stream()
			.filter(key -> key.endsWith("manifest.json") && !key.contains("/daily/"))
			.count();
		assertThat(tieredManifestsAfterKill).as("the kill came before both tier manifests").isLessThan(2);

		long killed = JobRepositoryQueries.executionsOfJob("archive-tiering")
			.stream()
			.mapToLong(Long::longValue)
			.max()
			.orElseThrow();
		CliProcess.Result restart = cli.run("restart", String.valueOf(killed));

		assertThat(restart.exitCode()).as(restart.stdout() + restart.stderr()).isZero();
		List<String> keys = TestS3.keys(BUCKET);
		for (Tier tier : List.of(Tier.WEEKLY, Tier.MONTHLY)) {
			assertThat(keys).as(tier.id())
				.containsOnlyOnce("cli/" + BackupLayout.manifestKey(tier, SOURCE, id),
						"cli/" + BackupLayout.folder(tier, SOURCE, id) + "dump.pgdump.zst");
			assertThat(keys.stream().filter(key -> key.startsWith("cli/" + tier.id() + "/"))).hasSize(2);
		}
		try (var s3 = TestS3.client()) {
			assertThat(s3.listMultipartUploads(r -> r.bucket(BUCKET)).uploads())
				.as("no multipart copy left open; restart said: " + restart.stdout())
				.isEmpty();
		}
	}

}
