package io.drbatch.scheduler.cli;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.stream.Collectors;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.s3.S3Client;

import io.drbatch.codec.Sha256;
import io.drbatch.manifest.BackupCatalog;
import io.drbatch.manifest.BackupLayout;
import io.drbatch.manifest.BackupManifest;
import io.drbatch.store.ObjectInfo;
import io.drbatch.store.S3ObjectStore;
import io.drbatch.testing.FaultProxy;
import io.drbatch.testing.TestPostgres;
import io.drbatch.testing.TestS3;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The crash suite: each job is run through the real CLI and killed with SIGKILL at a random moment of its run
 * (seeded, so a failure is reproduced with the same seed), then relaunched with {@code drbatch restart}, and the
 * invariants are checked after every relaunch:
 * <ul>
 * <li>every manifest's objects exist with the manifest's size and SHA-256 (read back), on every target;</li>
 * <li>nothing without a manifest is left in a backup folder once the job completed, so nothing unfinished
 * could be taken for a backup;</li>
 * <li>no multipart upload is left open once the job completed;</li>
 * <li>exactly one backup per database and date;</li>
 * <li>the job repository shows the killed execution FAILED and the relaunch COMPLETED, in one job instance;</li>
 * <li>drills: the relaunch PASSES and no scratch database and no spool file is left behind.</li>
 * </ul>
 * {@code -Ddrbatch.crash.kills=N} sets the kills per job (CI: 3; the figures in docs/RELIABILITY.md: 20),
 * {@code -Ddrbatch.crash.seed=S} the seed, {@code -Ddrbatch.crash.keep=true} keeps every run's output. The figures
 * of a run go to {@code target/crash-suite.tsv}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class CrashSuiteIT {

	private static final Logger log = LoggerFactory.getLogger(CrashSuiteIT.class);

	private static final int KILLS = Integer.getInteger("drbatch.crash.kills", 3);

	private static final long SEED = Long.getLong("drbatch.crash.seed", 20261127L);

	private static final String SOURCE = TestPostgres.newDatabase("crash");

	private static final String BUCKET = TestS3.newBucket("crash");

	private static final URI SECOND_SERVER = TestS3.SECONDARY_ENDPOINTS.get(0);

	private static final URI THIRD_SERVER = TestS3.SECONDARY_ENDPOINTS.get(1);

	private static final String SECOND_BUCKET = TestS3.newBucket(SECOND_SERVER, "crash-2");

	private static final String THIRD_BUCKET = TestS3.newBucket(THIRD_SERVER, "crash-3");

	/** Slows each part upload to the second server a little, so that a copy lasts long enough to be killed mid-object. */
	private static final FaultProxy SLOW_SECOND = new FaultProxy(SECOND_SERVER)
		.delay(request -> request.method().equals("PUT") && request.query().contains("partNumber="), Duration.ofMillis(150));

	/** Dates of this run's backups: far in the past, different on every run of the suite (the job repository persists). */
	private static final LocalDate FIRST_DATE = LocalDate.of(1700, 1, 1).plusDays(new Random().nextInt(60_000));

	private final Map<String, int[]> figures = new LinkedHashMap<>();

	private Path workDir;

	private Path spoolDir;

	private int dates;

	@BeforeAll
	void createSource() throws IOException {
		this.workDir = Files.createTempDirectory("drbatch-crash");
		this.spoolDir = Files.createDirectories(this.workDir.resolve("spool"));
		// about 20 MB of poorly compressible rows: a dump of a few 5 MiB parts that takes a couple of seconds
		TestPostgres.execute(SOURCE, "CREATE TABLE events (id bigint PRIMARY KEY, body text);"
				+ "INSERT INTO events SELECT g, md5(random()::text) || md5(random()::text) || md5(random()::text) "
				+ "FROM generate_series(1, 200000) g;"
				+ "CREATE TABLE accounts (id int PRIMARY KEY, balance numeric);"
				+ "INSERT INTO accounts SELECT g, g * 1.5 FROM generate_series(1, 50000) g");
	}

	@AfterAll
	void cleanUp() throws IOException {
		StringBuilder tsv = new StringBuilder("job\tkills tried\tkilled mid-run\tfinished before the kill\tsurvived\n");
		this.figures.forEach((job, f) -> tsv.append(job).append('\t').append(f[0]).append('\t').append(f[1]).append('\t')
			.append(f[2]).append('\t').append(f[3]).append('\n'));
		Files.writeString(Path.of("target", "crash-suite.tsv"), tsv);
		log.info("Crash suite (seed {}, {} kills per job):\n{}", SEED, KILLS, tsv);
		SLOW_SECOND.close();
		TestPostgres.dropDatabase(SOURCE);
		TestS3.deleteBucket(BUCKET);
		TestS3.deleteBucket(SECOND_SERVER, SECOND_BUCKET);
		TestS3.deleteBucket(THIRD_SERVER, THIRD_BUCKET);
		if (Boolean.getBoolean("drbatch.crash.keep")) {
			log.info("Crash suite: the runs' output is kept in {}", this.workDir);
			return;
		}
		try (var files = Files.walk(this.workDir)) {
			files.sorted(java.util.Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
		}
	}

	private CliProcess cli() {
		CliProcess cli = new CliProcess(this.workDir).source(SOURCE, SOURCE).bucket(BUCKET)
			.env("DRBATCH_DRILL_SPOOL_DIR", this.spoolDir.toString());
		secondary(cli, 1, "second", SLOW_SECOND.endpoint(), SECOND_BUCKET);
		secondary(cli, 2, "third", THIRD_SERVER, THIRD_BUCKET);
		return cli;
	}

	private static void secondary(CliProcess cli, int index, String name, URI endpoint, String bucket) {
		String prefix = "DRBATCH_TARGETS_" + index + "_";
		cli.env(prefix + "NAME", name)
			.env(prefix + "ENDPOINT", endpoint.toString())
			.env(prefix + "BUCKET", bucket)
			.env(prefix + "PREFIX", "cli")
			.env(prefix + "PATH_STYLE", "true")
			.env(prefix + "ACCESS_KEY_ID", "cli-test-key")
			.env(prefix + "SECRET_ACCESS_KEY", "cli-test-secret");
	}

	private String nextDate() {
		return FIRST_DATE.plusDays(this.dates++).toString();
	}

	@Test
	@Order(1)
	void dailyDumpSurvivesKillsAtRandomMoments() throws Exception {
		CliProcess cli = cli();
		long window = baseline(cli, "daily-dump", "backup.date=" + nextDate());
		Random random = new Random(SEED);
		for (int i = 0; i < KILLS; i++) {
			String date = nextDate();
			Kill kill = killAndRelaunch(cli, "daily-dump", random, window, "backup.date=" + date);
			assertThat(JobRepositoryQueries.executionsOfDate("daily-dump", SOURCE, date)).as("one job instance for " + date)
				.isNotEmpty();
			assertBackupsIntact(this.dates);
			count("daily-dump", kill);
		}
	}

	@Test
	@Order(2)
	void restoreDrillSurvivesKillsAtRandomMoments() throws Exception {
		CliProcess cli = cli();
		long window = baseline(cli, "restore-drill", "drill.date=" + nextDate());
		Random random = new Random(SEED + 1);
		for (int i = 0; i < KILLS; i++) {
			Kill kill = killAndRelaunch(cli, "restore-drill", random, window, "drill.date=" + nextDate());
			if (kill.killedMidRun()) {
				assertThat(kill.relaunch().stdout() + kill.relaunch().stderr()).contains("PASSED");
			}
			assertThat(scratchDatabases()).as("scratch databases left after drill " + kill.executionId()).isEmpty();
			try (var spooled = Files.list(this.spoolDir)) {
				assertThat(spooled.toList()).as("spool files left").isEmpty();
			}
			count("restore-drill", kill);
		}
	}

	@Test
	@Order(3)
	void replicationSurvivesKillsAtRandomMoments() throws Exception {
		CliProcess cli = cli();
		long window = baseline(cli, "replication", "replication.date=" + Instant.now());
		Random random = new Random(SEED + 2);
		List<BackupManifest> backups = catalog(TestS3.ENDPOINT, BUCKET);
		for (int i = 0; i < KILLS; i++) {
			// take the copies away from the secondaries, so that every run copies as much as the baseline did
			for (BackupManifest backup : backups) {
				removeCopy(SECOND_SERVER, SECOND_BUCKET, backup);
				removeCopy(THIRD_SERVER, THIRD_BUCKET, backup);
			}
			Kill kill = killAndRelaunch(cli, "replication", random, window, "replication.date=" + Instant.now());
			for (URI server : List.of(SECOND_SERVER, THIRD_SERVER)) {
				String bucket = server.equals(SECOND_SERVER) ? SECOND_BUCKET : THIRD_BUCKET;
				assertThat(openUploads(server, bucket)).as("open uploads on " + server + " after relaunch " + kill.relaunch().stdout()
						+ kill.relaunch().stderr()).isEmpty();
				List<BackupManifest> copies = catalog(server, bucket);
				assertThat(copies).extracting(BackupManifest::backupId)
					.containsExactlyInAnyOrderElementsOf(backups.stream().map(BackupManifest::backupId).toList());
				assertObjectsIntact(server, bucket, copies);
			}
			count("replication", kill);
		}
	}

	/** A kill at a random moment of one run, and what the relaunch gave. */
	private record Kill(long executionId, boolean killedMidRun, CliProcess.Result relaunch) {
	}

	/**
	 * Runs the job once to completion and returns how long it ran once its execution was recorded: the window
	 * the kills are drawn from.
	 */
	private long baseline(CliProcess cli, String job, String... parameters) throws Exception {
		long before = lastExecution(job);
		List<String> args = new ArrayList<>(List.of("run", job));
		args.addAll(List.of(parameters));
		CliProcess.Running running = cli.start(args.toArray(String[]::new));
		awaitExecution(job, before, running);
		long started = System.nanoTime();
		CliProcess.Result result = running.await();
		assertThat(result.exitCode()).as(job + " baseline: " + result.stderr()).isZero();
		return Math.max(200, (System.nanoTime() - started) / 1_000_000);
	}

	private Kill killAndRelaunch(CliProcess cli, String job, Random random, long windowMillis, String... parameters)
			throws Exception {
		long delay = (long) (random.nextDouble() * windowMillis);
		long before = lastExecution(job);
		List<String> args = new ArrayList<>(List.of("run", job));
		args.addAll(List.of(parameters));
		CliProcess.Running running = cli.start(args.toArray(String[]::new));
		long executionId = awaitExecution(job, before, running);
		Thread.sleep(delay);
		boolean alive = running.process().isAlive();
		running.process().destroyForcibly().waitFor();
		// a process still alive may have been past its job already, exiting: that is no kill mid-run
		boolean killedMidRun = alive
				&& !"COMPLETED".equals(JobRepositoryQueries.executionsOfInstanceOf(executionId).get(executionId));
		log.info("{}: execution {} {} after {} ms", job, executionId, killedMidRun ? "killed" : "had finished", delay);
		CliProcess.Result relaunch = cli.run("restart", String.valueOf(executionId));
		assertThat(relaunch.exitCode()).as(job + " relaunch of " + executionId + " (killed after " + delay + " ms, seed "
				+ SEED + "): " + relaunch.stdout() + relaunch.stderr()).isZero();
		Map<Long, String> executions = JobRepositoryQueries.executionsOfInstanceOf(executionId);
		if (killedMidRun && !"COMPLETED".equals(executions.get(executionId))) {
			assertThat(executions.get(executionId)).as("the killed execution " + executionId).isEqualTo("FAILED");
			assertThat(executions.values()).as("executions of the instance").endsWith("COMPLETED");
		}
		else {
			assertThat(executions.values()).as("executions of the instance").contains("COMPLETED");
		}
		return new Kill(executionId, killedMidRun, relaunch);
	}

	private static long awaitExecution(String job, long before, CliProcess.Running running) throws InterruptedException {
		Instant deadline = Instant.now().plus(Duration.ofMinutes(2));
		while (true) {
			long last = lastExecution(job);
			if (last > before) {
				return last;
			}
			assertThat(running.process().isAlive() || lastExecution(job) > before)
				.as(job + " ended before its execution was recorded").isTrue();
			assertThat(Instant.now()).as(job + " execution recorded within 2 minutes").isBefore(deadline);
			Thread.sleep(10);
		}
	}

	private static long lastExecution(String job) {
		return JobRepositoryQueries.executionsOfJob(job).stream().mapToLong(Long::longValue).max().orElse(0);
	}

	private void count(String job, Kill kill) {
		int[] f = this.figures.computeIfAbsent(job, j -> new int[4]);
		f[0]++;
		f[kill.killedMidRun() ? 1 : 2]++;
		f[3]++;
	}

	/** Exactly {@code expected} backups (one per date so far), each intact, and nothing else under daily/ or open. */
	private static void assertBackupsIntact(int expected) throws IOException {
		List<BackupManifest> backups = catalog(TestS3.ENDPOINT, BUCKET);
		assertThat(backups).as("one backup per date").hasSize(expected);
		assertThat(backups.stream().map(b -> b.job().instanceId()).distinct()).hasSize(expected);
		assertObjectsIntact(TestS3.ENDPOINT, BUCKET, backups);
		Set<String> folders = backups.stream()
			.map(b -> "cli/" + BackupLayout.folder(b.tier(), b.database(), b.backupId()))
			.collect(Collectors.toSet());
		assertThat(TestS3.keys(BUCKET).stream().filter(key -> key.startsWith("cli/daily/")))
			.as("every object under daily/ belongs to a backup with a manifest")
			.allMatch(key -> folders.contains(key.substring(0, key.lastIndexOf('/') + 1)));
		assertThat(TestS3.openUploads(BUCKET)).as("open multipart uploads").isZero();
	}

	private static void assertObjectsIntact(URI server, String bucket, List<BackupManifest> backups) throws IOException {
		try (S3ObjectStore store = store(server, bucket)) {
			for (BackupManifest backup : backups) {
				for (BackupManifest.StoredObject object : backup.objects()) {
					ObjectInfo info = store.head(object.key()).orElseThrow(
							() -> new AssertionError(object.key() + " of a manifest is missing on " + server));
					assertThat(info.size()).as(object.key()).isEqualTo(object.size());
					MessageDigest digest = Sha256.newDigest();
					try (InputStream in = store.get(object.key())) {
						byte[] buffer = new byte[1 << 20];
						for (int n; (n = in.read(buffer)) >= 0;) {
							digest.update(buffer, 0, n);
						}
					}
					assertThat(Sha256.hex(digest.digest())).as(object.key() + " on " + server).isEqualTo(object.sha256());
				}
			}
		}
	}

	private static List<String> openUploads(URI server, String bucket) {
		try (S3Client s3 = TestS3.client(server)) {
			return s3.listMultipartUploads(r -> r.bucket(bucket)).uploads().stream()
				.map(upload -> upload.key() + " " + upload.uploadId() + " started " + upload.initiated())
				.toList();
		}
	}

	private static void removeCopy(URI server, String bucket, BackupManifest backup) {
		try (S3Client s3 = TestS3.client(server)) {
			String folder = "cli/" + BackupLayout.folder(backup.tier(), backup.database(), backup.backupId());
			s3.listObjectsV2Paginator(r -> r.bucket(bucket).prefix(folder))
				.contents()
				.forEach(object -> s3.deleteObject(r -> r.bucket(bucket).key(object.key())));
		}
	}

	private static List<String> scratchDatabases() {
		List<String> names = new ArrayList<>();
		try (var connection = TestPostgres.connect("postgres");
				var statement = connection.prepareStatement("SELECT datname FROM pg_database WHERE datname LIKE ?")) {
			statement.setString(1, "drill\\_" + SOURCE + "\\_%");
			try (var rs = statement.executeQuery()) {
				while (rs.next()) {
					names.add(rs.getString(1));
				}
			}
		}
		catch (java.sql.SQLException ex) {
			throw new IllegalStateException(ex);
		}
		return names;
	}

	private static List<BackupManifest> catalog(URI server, String bucket) {
		try (S3ObjectStore store = store(server, bucket)) {
			return new BackupCatalog(store).list(SOURCE);
		}
	}

	private static S3ObjectStore store(URI server, String bucket) {
		return new S3ObjectStore(TestS3.target("check", server, bucket, "cli"));
	}

}
