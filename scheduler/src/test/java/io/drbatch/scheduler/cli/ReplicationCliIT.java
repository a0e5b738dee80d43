package io.drbatch.scheduler.cli;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.s3.S3Client;

import io.drbatch.manifest.BackupLayout;
import io.drbatch.manifest.BackupManifest;
import io.drbatch.manifest.Tier;
import io.drbatch.store.S3ObjectStore;
import io.drbatch.testing.FaultProxy;
import io.drbatch.testing.TestBackups;
import io.drbatch.testing.TestS3;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code drbatch run replication} to two secondaries on their own S3 servers (9091,
 * through a proxy that makes each part upload slow, and 9092), killed with SIGKILL while
 * the copy to the first is mid-object, then relaunched with {@code drbatch restart}: the
 * copy resumes from the parts already uploaded (fewer bytes sent than the object), ends
 * verified on both, and {@code drbatch backups --targets} shows the matrix before
 * (missing, BEHIND) and after (ok, UP-TO-DATE).
 */
class ReplicationCliIT {

	private static final String SOURCE = "cli_repl_" + java.util.UUID.randomUUID().toString().substring(0, 8);

	private static final String PRIMARY_BUCKET = TestS3.newBucket("cli-repl");

	private static final URI SECOND_SERVER = TestS3.SECONDARY_ENDPOINTS.get(0);

	private static final URI THIRD_SERVER = TestS3.SECONDARY_ENDPOINTS.get(1);

	private static final String SECOND_BUCKET = TestS3.newBucket(SECOND_SERVER, "cli-repl-2");

	private static final String THIRD_BUCKET = TestS3.newBucket(THIRD_SERVER, "cli-repl-3");

	private static final int PART = 5 * 1024 * 1024;

	private static final int PARTS = 12;

	private static final FaultProxy SLOW_SECOND = new FaultProxy(SECOND_SERVER).delay(
			request -> request.method().equals("PUT") && request.query().contains("partNumber="),
			Duration.ofMillis(400));

	@TempDir
	Path workDir;

	@AfterAll
	static void cleanUp() {
		SLOW_SECOND.close();
		TestS3.deleteBucket(PRIMARY_BUCKET);
		TestS3.deleteBucket(SECOND_SERVER, SECOND_BUCKET);
		TestS3.deleteBucket(THIRD_SERVER, THIRD_BUCKET);
	}

	/**
	 * A daily backup of {@link #PARTS} parts of 5 MiB, as daily-dump would have written
	 * it.
	 */
	private static BackupManifest seedDaily() {
		try (S3ObjectStore store = TestS3.store(PRIMARY_BUCKET, "cli")) {
			return TestBackups.daily(store, SOURCE, Instant.parse("2026-11-20T02:00:00Z"), (long) PARTS * PART, PART,
					11);
		}
	}

	private CliProcess cli() {
		CliProcess cli = new CliProcess(this.workDir).source(SOURCE, "postgres").bucket(PRIMARY_BUCKET);
		cli.secondary(1, "second", SLOW_SECOND.endpoint(), SECOND_BUCKET, "cli-test-secret");
		cli.secondary(2, "third", THIRD_SERVER, THIRD_BUCKET, "cli-test-secret");
		return cli;
	}

	@Test
	void killedMidObjectAndRestartedTheCopyResumesFromItsPartsAndEndsVerifiedOnBoth() throws Exception {
		BackupManifest backup = seedDaily();
		BackupManifest.StoredObject object = backup.objects().get(0);
		CliProcess cli = cli();

		CliProcess.Result before = cli.run("backups", SOURCE, "--targets");
		assertThat(before.exitCode()).as(before.stderr()).isZero();
		assertThat(before.stdout()).containsPattern(backup.backupId() + ".*primary +missing +missing")
			.contains("replication to 'second': BEHIND: 1 backup(s), " + object.size() + " bytes behind")
			.contains("replication to 'third': BEHIND");

		CliProcess.Running running = cli.start("run", "replication");
		Instant deadline = Instant.now().plus(Duration.ofMinutes(2));
		while (uploadedParts() < 3) {
			assertThat(running.process().isAlive()).as("replication ended before 3 parts of the copy were uploaded")
				.isTrue();
			assertThat(Instant.now()).isBefore(deadline);
			Thread.sleep(20);
		}
		running.process().destroyForcibly().waitFor();
		int partsAtKill = uploadedParts();
		assertThat(partsAtKill).as("the kill came mid-object").isLessThan(PARTS);

		long killed = JobRepositoryQueries.executionsOfJob("replication")
			.stream()
			.mapToLong(Long::longValue)
			.max()
			.orElseThrow();
		CliProcess.Result restart = cli.run("restart", String.valueOf(killed));

		assertThat(restart.exitCode()).as(restart.stdout() + restart.stderr()).isZero();
		Matcher resumed = Pattern
			.compile("on target 'second' resumed from (\\d+) part\\(s\\); (\\d+) of (\\d+) bytes sent")
			.matcher(restart.stdout() + restart.stderr());
		assertThat(resumed.find()).as(restart.stdout()).isTrue();
		assertThat(Integer.parseInt(resumed.group(1))).isGreaterThanOrEqualTo(3);
		assertThat(Long.parseLong(resumed.group(2))).as("bytes re-sent").isLessThan(object.size());
		for (URI server : List.of(SECOND_SERVER, THIRD_SERVER)) {
			String bucket = server.equals(SECOND_SERVER) ? SECOND_BUCKET : THIRD_BUCKET;
			assertThat(TestS3.openUploads(server, bucket)).isZero();
			try (S3ObjectStore copy = new S3ObjectStore(TestS3.target("copy", server, bucket, "cli"))) {
				assertThat(TestS3.sha256(copy, object.key())).isEqualTo(object.sha256());
				assertThat(copy.head(BackupLayout.manifestKey(Tier.DAILY, SOURCE, backup.backupId()))).isPresent();
			}
		}

		CliProcess.Result after = cli.run("backups", SOURCE, "--targets");
		assertThat(after.stdout()).containsPattern(backup.backupId() + ".*primary +ok +ok")
			.contains("replication to 'second': UP-TO-DATE")
			.contains("replication to 'third': UP-TO-DATE");
	}

	/** Parts of the open copy on the second server (0 when none is open). */
	private static int uploadedParts() {
		try (S3Client s3 = TestS3.client(SECOND_SERVER)) {
			var uploads = s3.listMultipartUploads(r -> r.bucket(SECOND_BUCKET)).uploads();
			if (uploads.isEmpty()) {
				return 0;
			}
			var upload = uploads.get(0);
			return s3.listParts(r -> r.bucket(SECOND_BUCKET).key(upload.key()).uploadId(upload.uploadId()))
				.parts()
				.size();
		}
	}

}
