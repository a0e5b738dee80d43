package io.drbatch.scheduler.cli;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.drbatch.codec.Sha256;
import io.drbatch.manifest.BackupLayout;
import io.drbatch.manifest.BackupManifest;
import io.drbatch.manifest.ManifestJson;
import io.drbatch.store.MultipartUpload;
import io.drbatch.store.ObjectInfo;
import io.drbatch.store.S3ObjectStore;
import io.drbatch.testing.TestS3;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * archive-tiering killed with SIGKILL while its part-by-part copy is open, then relaunched with
 * {@code drbatch restart}: each promotion ends in its tier exactly once, verified, manifest last, and no
 * multipart copy is left open.
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
	 * The day the promotions are due: a random day in the past (the job repository outlives test runs, and the
	 * date identifies the job instance), the 5th to the 20th of its month, so its Sunday is in the same month.
	 */
	private static final java.time.LocalDate DUE = java.time.LocalDate.of(1900 + new Random().nextInt(120),
			1 + new Random().nextInt(12), 12 + new Random().nextInt(9));

	private static final java.time.LocalDate SUNDAY = DUE
		.with(java.time.temporal.TemporalAdjusters.previousOrSame(java.time.DayOfWeek.SUNDAY));

	/** A daily backup on {@link #SUNDAY} of 40 parts of 5 MiB, as daily-dump would have written it. */
	private static String seedDaily() {
		Instant time = SUNDAY.atTime(2, 0).toInstant(java.time.ZoneOffset.UTC);
		String id = BackupLayout.newBackupId(time);
		String key = BackupLayout.folder("daily", SOURCE, id) + "dump.pgdump.zst";
		Random random = new Random(7);
		byte[] part = new byte[PART];
		java.security.MessageDigest whole = Sha256.newDigest();
		try (S3ObjectStore store = TestS3.store(BUCKET, "cli")) {
			MultipartUpload upload = store.startMultipart(key, "application/octet-stream");
			List<MultipartUpload.CompletedPart> parts = new ArrayList<>();
			for (int i = 1; i <= 40; i++) {
				random.nextBytes(part);
				whole.update(part);
				parts.add(upload.uploadPart(i, part, PART, Sha256.of(part, 0, PART)));
			}
			ObjectInfo info = upload.complete(parts);
			BackupManifest manifest = new BackupManifest(1, id, SOURCE, "daily", time,
					new BackupManifest.Source(SOURCE, "db", 5432, "15", 150000, time, "s"),
					new BackupManifest.Dump("custom", "pg_dump 15", "zstd", 1, null, 40L * PART, 1),
					List.of(new BackupManifest.StoredObject("dump", key, 40L * PART, Sha256.hex(whole.digest()),
							info.checksumSha256(), 40, PART)),
					List.of(), null);
			store.put(BackupLayout.manifestKey("daily", SOURCE, id), ManifestJson.write(manifest), "application/json");
		}
		return id;
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

		long killed = JobRepositoryQueries.executionsOfJob("archive-tiering").stream().mapToLong(Long::longValue).max()
			.orElseThrow();
		CliProcess.Result restart = cli.run("restart", String.valueOf(killed));

		assertThat(restart.exitCode()).as(restart.stdout() + restart.stderr()).isZero();
		List<String> keys = TestS3.keys(BUCKET);
		for (String tier : List.of("weekly", "monthly")) {
			assertThat(keys).as(tier).containsOnlyOnce("cli/" + BackupLayout.manifestKey(tier, SOURCE, id),
					"cli/" + BackupLayout.folder(tier, SOURCE, id) + "dump.pgdump.zst");
			assertThat(keys.stream().filter(key -> key.startsWith("cli/" + tier + "/"))).hasSize(2);
		}
		try (var s3 = TestS3.client()) {
			assertThat(s3.listMultipartUploads(r -> r.bucket(BUCKET)).uploads())
				.as("no multipart copy left open; restart said: " + restart.stdout())
				.isEmpty();
		}
	}

}
