package io.drbatch.scheduler.cli;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
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

import io.drbatch.manifest.BackupCatalog;
import io.drbatch.manifest.BackupLayout;
import io.drbatch.manifest.BackupManifest;
import io.drbatch.manifest.BaseBackupCatalog;
import io.drbatch.manifest.BaseBackupManifest;
import io.drbatch.manifest.Tier;
import io.drbatch.store.ObjectInfo;
import io.drbatch.store.S3ObjectStore;
import io.drbatch.testing.TestCluster;
import io.drbatch.testing.TestPostgres;
import io.drbatch.wal.Lsn;
import io.drbatch.wal.WalArchive;
import io.drbatch.wal.WalSegment;
import io.drbatch.testing.TestBackups;
import io.drbatch.testing.TestS3;
import io.drbatch.testing.TestWal;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The crash suite: each job is run through the real CLI and killed with SIGKILL at a
 * random moment of its run (seeded, so a failure is reproduced with the same seed), then
 * relaunched with {@code drbatch restart}, and the invariants are checked after every
 * relaunch:
 * <ul>
 * <li>every manifest's objects exist with the manifest's size and SHA-256 (read back), on
 * every target;</li>
 * <li>nothing without a manifest is left in a backup folder once the job completed, so
 * nothing unfinished could be taken for a backup;</li>
 * <li>no multipart upload is left open once the job completed;</li>
 * <li>exactly one backup per database and date;</li>
 * <li>the job repository shows the killed execution FAILED and the relaunch COMPLETED, in
 * one job instance;</li>
 * <li>drills: the relaunch PASSES and no scratch database and no spool file is left
 * behind;</li>
 * <li>archive-tiering: the weekly and the monthly copy exist exactly once, verified;</li>
 * <li>retention: every expired backup is gone whole (manifest and objects), every other
 * one intact;</li>
 * <li>object-lock-setup: the bucket exists with Object Lock, versioning and the
 * configured default retention;</li>
 * <li>wal-archive (on a cluster of its own, written to before every run): no hole in the
 * chain, every segment decodes to the WAL of its own position, everything written before
 * the killed run began is archived, and the slot stays within the archive;</li>
 * <li>base-backup: one base backup per date, each read back with its manifest's SHA-256
 * and its WAL in the archive, no object of a base backup without a manifest, no upload
 * open.</li>
 * </ul>
 * A run that had already finished when the kill came does not count: each job is run
 * until it was killed mid-run {@code -Ddrbatch.crash.kills=N} times (CI: 1; the figures
 * in docs/RELIABILITY.md: 20), or four times as many runs; a job none of whose kills
 * landed mid-run fails the suite. {@code -Ddrbatch.crash.kills=N} sets that number,
 * {@code -Ddrbatch.crash.seed=S} the seed, {@code -Ddrbatch.crash.jobs=a,b} runs only
 * those jobs, {@code -Ddrbatch.crash.keep=true} keeps every run's output. The figures of
 * a run go to {@code target/crash-suite.tsv}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class CrashSuiteIT {

	private static final Logger log = LoggerFactory.getLogger(CrashSuiteIT.class);

	private static final int KILLS = Integer.getInteger("drbatch.crash.kills", 1);

	private static final long SEED = Long.getLong("drbatch.crash.seed", 20261127L);

	/**
	 * The jobs to run ({@code -Ddrbatch.crash.jobs=wal-archive,base-backup}), all if
	 * unset.
	 */
	private static final Set<String> JOBS = Set.of(System.getProperty("drbatch.crash.jobs", "").split(","))
		.stream()
		.map(String::trim)
		.filter(job -> !job.isEmpty())
		.collect(Collectors.toSet());

	private static final String SOURCE = TestPostgres.newDatabase("crash");

	private static final String BUCKET = TestS3.newBucket("crash");

	/**
	 * Point-in-time recovery's jobs back up a cluster of their own: a base backup copies
	 * a whole cluster.
	 */
	private static final TestCluster PITR_CLUSTER = TestCluster.create("crashpitr");

	private static final String PITR_SOURCE = TestPostgres.newDatabase("crashpitr");

	private static final URI SECOND_SERVER = TestS3.SECONDARY_ENDPOINTS.get(0);

	private static final URI THIRD_SERVER = TestS3.SECONDARY_ENDPOINTS.get(1);

	private static final String SECOND_BUCKET = TestS3.newBucket(SECOND_SERVER, "crash-2");

	private static final String THIRD_BUCKET = TestS3.newBucket(THIRD_SERVER, "crash-3");

	/**
	 * Dates of this run's backups: far in the past, different on every run of the suite
	 * (the job repository persists).
	 */
	private static final LocalDate FIRST_DATE = LocalDate.of(1700, 1, 1).plusDays(new Random().nextInt(60_000));

	/**
	 * The 15th of a month of this run's tiering dates: random, so that runs of the suite
	 * do not share job instances.
	 */
	private static final LocalDate FIRST_DUE = LocalDate.of(1000, 1, 15).plusMonths(new Random().nextInt(11_000));

	private final Map<String, int[]> figures = new LinkedHashMap<>();

	private final Map<String, Double> shrink = new java.util.HashMap<>();

	private Path workDir;

	private Path spoolDir;

	private int dates;

	@BeforeAll
	void createSource() throws IOException {
		this.workDir = Files.createTempDirectory("drbatch-crash");
		this.spoolDir = Files.createDirectories(this.workDir.resolve("spool"));
		// about 20 MB of poorly compressible rows: a dump of a few 5 MiB parts that takes
		// a couple of seconds
		TestPostgres.execute(SOURCE, "CREATE TABLE events (id bigint PRIMARY KEY, body text);"
				+ "INSERT INTO events SELECT g, md5(random()::text) || md5(random()::text) || md5(random()::text) "
				+ "FROM generate_series(1, 200000) g;" + "CREATE TABLE accounts (id int PRIMARY KEY, balance numeric);"
				+ "INSERT INTO accounts SELECT g, g * 1.5 FROM generate_series(1, 50000) g");
	}

	@AfterAll
	void cleanUp() throws IOException {
		StringBuilder tsv = new StringBuilder("job\tkills tried\tkilled mid-run\tfinished before the kill\tsurvived\n");
		this.figures.forEach((job, f) -> tsv.append(job)
			.append('\t')
			.append(f[0])
			.append('\t')
			.append(f[1])
			.append('\t')
			.append(f[2])
			.append('\t')
			.append(f[3])
			.append('\n'));
		Files.writeString(Path.of("target", "crash-suite.tsv"), tsv);
		log.info("Crash suite (seed {}, {} kills per job):\n{}", SEED, KILLS, tsv);
		TestPostgres.dropDatabase(SOURCE);
		PITR_CLUSTER.close();
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
		CliProcess cli = new CliProcess(this.workDir).source(SOURCE, SOURCE)
			.bucket(BUCKET)
			.env("DRBATCH_DRILL_SPOOL_DIR", this.spoolDir.toString());
		cli.secondary(1, "second", SECOND_SERVER, SECOND_BUCKET, "cli-test-secret");
		cli.secondary(2, "third", THIRD_SERVER, THIRD_BUCKET, "cli-test-secret");
		return cli;
	}

	private String nextDate() {
		return FIRST_DATE.plusDays(this.dates++).toString();
	}

	@Test
	@Order(1)
	void dailyDumpSurvivesKillsAtRandomMoments() throws Exception {
		assumeSelected("daily-dump");
		CliProcess cli = cli();
		long window = baseline(cli, "daily-dump", "backup.date=" + nextDate());
		Random random = new Random(SEED);
		for (int i = 0; midRunKills("daily-dump") < KILLS && i < 4 * KILLS; i++) {
			String date = nextDate();
			Kill kill = killAndRelaunch(cli, "daily-dump", random, window, "backup.date=" + date);
			assertThat(JobRepositoryQueries.executionsOfDate("daily-dump", SOURCE, date))
				.as("one job instance for " + date)
				.isNotEmpty();
			assertBackupsIntact(this.dates);
			count("daily-dump", kill);
		}
		assertKilledMidRun("daily-dump");
	}

	@Test
	@Order(2)
	void restoreDrillSurvivesKillsAtRandomMoments() throws Exception {
		assumeSelected("restore-drill");
		CliProcess cli = cli();
		long window = baseline(cli, "restore-drill", "drill.date=" + nextDate());
		Random random = new Random(SEED + 1);
		for (int i = 0; midRunKills("restore-drill") < KILLS && i < 4 * KILLS; i++) {
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
		assertKilledMidRun("restore-drill");
	}

	@Test
	@Order(3)
	void replicationSurvivesKillsAtRandomMoments() throws Exception {
		assumeSelected("replication");
		CliProcess cli = cli();
		long window = baseline(cli, "replication", "replication.date=" + Instant.now());
		Random random = new Random(SEED + 2);
		List<BackupManifest> backups = catalog(TestS3.ENDPOINT, BUCKET);
		for (int i = 0; midRunKills("replication") < KILLS && i < 4 * KILLS; i++) {
			// take the copies away from the secondaries, so that every run copies as much
			// as the baseline did
			for (BackupManifest backup : backups) {
				removeCopy(SECOND_SERVER, SECOND_BUCKET, backup);
				removeCopy(THIRD_SERVER, THIRD_BUCKET, backup);
			}
			Kill kill = killAndRelaunch(cli, "replication", random, window, "replication.date=" + Instant.now());
			for (URI server : List.of(SECOND_SERVER, THIRD_SERVER)) {
				String bucket = server.equals(SECOND_SERVER) ? SECOND_BUCKET : THIRD_BUCKET;
				assertThat(openUploads(server, bucket))
					.as("open uploads on " + server + " after relaunch " + kill.relaunch().stdout()
							+ kill.relaunch().stderr())
					.isEmpty();
				List<BackupManifest> copies = catalog(server, bucket);
				assertThat(copies).extracting(BackupManifest::backupId)
					.containsExactlyInAnyOrderElementsOf(backups.stream().map(BackupManifest::backupId).toList());
				assertObjectsIntact(server, bucket, copies);
			}
			count("replication", kill);
		}
		assertKilledMidRun("replication");
	}

	@Test
	@Order(4)
	void archiveTieringSurvivesKillsAtRandomMoments() throws Exception {
		assumeSelected("archive-tiering");
		CliProcess cli = cli();
		long window = baseline(cli, "archive-tiering", "tier.date=" + seedPromotion(0));
		Random random = new Random(SEED + 3);
		for (int i = 0; midRunKills("archive-tiering") < KILLS && i < 4 * KILLS; i++) {
			LocalDate due = seedPromotion(1 + i);
			Kill kill = killAndRelaunch(cli, "archive-tiering", random, window, "tier.date=" + due);
			LocalDate sunday = due
				.with(java.time.temporal.TemporalAdjusters.previousOrSame(java.time.DayOfWeek.SUNDAY));
			String id = BackupLayout.newBackupId(sunday.atTime(2, 0).toInstant(java.time.ZoneOffset.UTC));
			List<BackupManifest> all = catalog(TestS3.ENDPOINT, BUCKET);
			for (Tier tier : List.of(Tier.WEEKLY, Tier.MONTHLY)) {
				assertThat(all.stream().filter(b -> b.tier().equals(tier) && b.backupId().equals(id)))
					.as(tier + " copy of " + id + " after execution " + kill.executionId())
					.hasSize(1);
			}
			assertTiersIntact();
			count("archive-tiering", kill);
		}
		assertKilledMidRun("archive-tiering");
	}

	@Test
	@Order(5)
	void retentionSurvivesKillsAtRandomMoments() throws Exception {
		assumeSelected("retention");
		// the newest daily is never deleted: one recent backup, and a minimum of one,
		// make every seeded one expired
		seedDaily(Instant.now().minusSeconds(60), 1);
		CliProcess cli = cli().env("DRBATCH_RETENTION_DAILY_MIN_COUNT", "1");
		// a first run removes what earlier tests left that this date expires, so that the
		// baseline, like every
		// later run, deletes three backups
		assertThat(cli.run("run", "retention", "retention.date=" + nextDate()).exitCode()).isZero();
		List<String> expired = seedExpired(2000, 3);
		long window = baseline(cli, "retention", "retention.date=" + nextDate());
		assertGone(expired);
		Random random = new Random(SEED + 4);
		for (int i = 0; midRunKills("retention") < KILLS && i < 4 * KILLS; i++) {
			expired = seedExpired(2100 + 10 * i, 3);
			Kill kill = killAndRelaunch(cli, "retention", random, window, "retention.date=" + nextDate());
			assertGone(expired);
			assertTiersIntact();
			count("retention", kill);
		}
		assertKilledMidRun("retention");
	}

	@Test
	@Order(6)
	void objectLockSetupSurvivesKillsAtRandomMoments() throws Exception {
		assumeSelected("object-lock-setup");
		long window = baseline(lockedCli(TestS3.unusedBucketName("crash-lock")), "object-lock-setup");
		Random random = new Random(SEED + 5);
		for (int i = 0; midRunKills("object-lock-setup") < KILLS && i < 4 * KILLS; i++) {
			String bucket = TestS3.unusedBucketName("crash-lock");
			Kill kill = killAndRelaunch(lockedCli(bucket), "object-lock-setup", random, window);
			try (S3Client s3 = TestS3.client(THIRD_SERVER)) {
				var lock = s3.getObjectLockConfiguration(r -> r.bucket(bucket)).objectLockConfiguration();
				assertThat(lock.objectLockEnabledAsString()).as(bucket + " after execution " + kill.executionId())
					.isEqualTo("Enabled");
				assertThat(lock.rule().defaultRetention().modeAsString()).isEqualTo("GOVERNANCE");
				assertThat(lock.rule().defaultRetention().days()).isEqualTo(3);
				assertThat(s3.getBucketVersioning(r -> r.bucket(bucket)).statusAsString()).isEqualTo("Enabled");
			}
			finally {
				TestS3.deleteVersionedBucket(THIRD_SERVER, bucket);
			}
			count("object-lock-setup", kill);
		}
		assertKilledMidRun("object-lock-setup");
	}

	@Test
	@Order(7)
	void walArchiveSurvivesKillsAtRandomMoments() throws Exception {
		assumeSelected("wal-archive");
		createPitrSource();
		CliProcess cli = pitrCli();
		assertThat(cli.run("run", "wal-archive").exitCode()).as("a first run creates the slot").isZero();
		writeWal();
		long window = baseline(cli, "wal-archive", "archive.date=" + Instant.now());
		Random random = new Random(SEED + 6);
		for (int i = 0; midRunKills("wal-archive") < KILLS && i < 4 * KILLS; i++) {
			writeWal();
			Lsn written = Lsn.parse(PITR_CLUSTER.queryString("postgres", "SELECT pg_current_wal_lsn()::text"));
			Kill kill = killAndRelaunch(cli, "wal-archive", random, window, "archive.date=" + Instant.now());
			List<WalSegment> segments = TestWal.assertChainHoldsItsOwnWal(pitrArchive());
			WalSegment newest = segments.get(segments.size() - 1);
			assertThat(newest.end())
				.as("everything written before the killed run began is archived after " + kill.executionId())
				.isGreaterThan(written);
			assertThat(
					Lsn.parse(PITR_CLUSTER.queryString("postgres",
							"SELECT restart_lsn::text FROM pg_replication_slots WHERE slot_name = 'drbatch_"
									+ PITR_SOURCE + "'")))
				.as("the slot stays within the archive")
				.isLessThanOrEqualTo(newest.end());
			count("wal-archive", kill);
		}
		assertKilledMidRun("wal-archive");
	}

	@Test
	@Order(8)
	void baseBackupSurvivesKillsAtRandomMoments() throws Exception {
		assumeSelected("base-backup");
		createPitrSource();
		PITR_CLUSTER.execute(PITR_SOURCE,
				"CREATE TABLE IF NOT EXISTS payload AS SELECT g, md5(random()::text) || md5(random()::text) AS body"
						+ " FROM generate_series(1, 300000) g");
		CliProcess cli = pitrCli();
		List<String> dates = new ArrayList<>(List.of(nextDate()));
		long window = baseline(cli, "base-backup", "backup.date=" + dates.get(0));
		Random random = new Random(SEED + 7);
		for (int i = 0; midRunKills("base-backup") < KILLS && i < 4 * KILLS; i++) {
			dates.add(nextDate());
			Kill kill = killAndRelaunch(cli, "base-backup", random, window,
					"backup.date=" + dates.get(dates.size() - 1));
			List<BaseBackupManifest> bases;
			try (S3ObjectStore store = store(TestS3.ENDPOINT, BUCKET)) {
				bases = new BaseBackupCatalog(store).list(PITR_SOURCE);
			}
			assertThat(bases).as("one base backup per date after " + kill.executionId()).hasSize(dates.size());
			List<String> archived = pitrArchive().segments().stream().map(WalSegment::name).toList();
			Set<String> folders = new java.util.HashSet<>();
			try (S3ObjectStore store = store(TestS3.ENDPOINT, BUCKET)) {
				for (BaseBackupManifest base : bases) {
					assertThat(archived).as("the archive holds the WAL of " + base.backupId())
						.contains(base.startSegment(), base.stopSegment());
					for (BackupManifest.StoredObject object : base.objects()) {
						assertThat(TestS3.sha256(store, object.key())).as(object.key()).isEqualTo(object.sha256());
						folders.add(object.key().substring(0, object.key().lastIndexOf('/') + 1));
					}
				}
			}
			String baseFolder = "cli/" + BaseBackupCatalog.BASE + "/" + PITR_SOURCE + "/";
			assertThat(TestS3.keys(BUCKET).stream().filter(key -> key.startsWith(baseFolder)))
				.as("every object of a base backup belongs to one with a manifest")
				.allMatch(key -> folders.contains(key.substring("cli/".length(), key.lastIndexOf('/') + 1)));
			assertThat(TestS3.openUploads(BUCKET)).as("open multipart uploads").isZero();
			count("base-backup", kill);
		}
		assertKilledMidRun("base-backup");
	}

	@Test
	@Order(9)
	void pitrDrillSurvivesKillsAtRandomMomentsAndLeavesNoServerBehind() throws Exception {
		assumeSelected("pitr-drill");
		createPitrSource();
		Path scratch = TestCluster.newDataDirectory("crash-pitr-drill");
		CliProcess cli = pitrCli().env("DRBATCH_DRILL_SPOOL_DIR", scratch.toString());
		assertThat(cli.run("run", "wal-archive").exitCode()).as("a first run creates the slot").isZero();
		CliProcess.Result base = cli.run("run", "base-backup", "backup.date=" + nextDate());
		assertThat(base.exitCode()).as(base.stderr()).isZero();
		writeWal();
		CliProcess.Result dump = cli.run("run", "daily-dump", "backup.date=" + nextDate());
		assertThat(dump.exitCode()).as(dump.stderr()).isZero();
		assertThat(cli.run("run", "wal-archive", "archive.date=" + Instant.now()).exitCode()).isZero();
		long window = baseline(cli, "pitr-drill", "drill.date=" + nextDate());
		Random random = new Random(SEED + 8);
		for (int i = 0; midRunKills("pitr-drill") < KILLS && i < 4 * KILLS; i++) {
			Kill kill = killAndRelaunch(cli, "pitr-drill", random, window, "drill.date=" + nextDate());
			if (kill.killedMidRun()) {
				assertThat(kill.relaunch().stdout() + kill.relaunch().stderr()).contains("pitr-drill PASSED");
			}
			try (var left = Files.list(scratch)) {
				assertThat(left.toList()).as("scratch directories left after drill " + kill.executionId()).isEmpty();
			}
			assertThat(ProcessHandle.allProcesses()
				.map(process -> process.info().commandLine().orElse(""))
				.filter(command -> command.contains(scratch.toString()))
				.toList()).as("servers left running after drill " + kill.executionId()).isEmpty();
			count("pitr-drill", kill);
		}
		assertKilledMidRun("pitr-drill");
	}

	private static void assumeSelected(String job) {
		org.junit.jupiter.api.Assumptions.assumeTrue(JOBS.isEmpty() || JOBS.contains(job),
				job + " is not among -Ddrbatch.crash.jobs");
	}

	/** The CLI on the cluster of point-in-time recovery's jobs. */
	private CliProcess pitrCli() {
		return new CliProcess(this.workDir).source(PITR_SOURCE, PITR_SOURCE)
			.bucket(BUCKET)
			.env("DRBATCH_SOURCES_0_PORT", String.valueOf(PITR_CLUSTER.port()))
			.env("DRBATCH_SOURCES_0_USERNAME", TestPostgres.SCRAM_USER)
			.env("DRBATCH_SOURCES_0_PASSWORD", TestPostgres.SCRAM_PASSWORD)
			.env("DRBATCH_SOURCES_0_PITR_ENABLED", "true");
	}

	private static void createPitrSource() {
		if (PITR_CLUSTER
			.queryString("postgres", "SELECT count(*) FROM pg_database WHERE datname = '" + PITR_SOURCE + "'")
			.equals("0")) {
			PITR_CLUSTER.execute("postgres", "CREATE DATABASE " + PITR_SOURCE);
			PITR_CLUSTER.execute(PITR_SOURCE, "CREATE TABLE events (id bigserial PRIMARY KEY, body text)");
		}
	}

	private static WalArchive pitrArchive() {
		String systemIdentifier = PITR_CLUSTER.queryString("postgres",
				"SELECT system_identifier::text FROM pg_control_system()");
		return new WalArchive(store(TestS3.ENDPOINT, BUCKET), PITR_SOURCE, systemIdentifier, 16L * 1024 * 1024, 1,
				null);
	}

	/** About four segments of WAL for the next run to archive. */
	private static void writeWal() {
		PITR_CLUSTER.execute(PITR_SOURCE,
				"INSERT INTO events (body) SELECT md5(random()::text) || md5(random()::text) FROM generate_series(1, 300000)");
	}

	/**
	 * The CLI with a locked third target whose bucket {@code bucket} does not exist yet.
	 */
	private CliProcess lockedCli(String bucket) {
		return cli().secondary(2, "third", THIRD_SERVER, bucket, "cli-test-secret")
			.env("DRBATCH_TARGETS_2_LOCK_ENABLED", "true")
			.env("DRBATCH_TARGETS_2_LOCK_MODE", "GOVERNANCE")
			.env("DRBATCH_TARGETS_2_LOCK_DAYS", "3");
	}

	/**
	 * A daily backup (six 5 MiB parts) on the Sunday before a due date far in the past,
	 * alone in its month: the weekly and the monthly promotion of that date both copy it.
	 * Returns the due date.
	 */
	private static LocalDate seedPromotion(int n) {
		LocalDate due = FIRST_DUE.plusMonths(n);
		LocalDate sunday = due.with(java.time.temporal.TemporalAdjusters.previousOrSame(java.time.DayOfWeek.SUNDAY));
		seedDaily(sunday.atTime(2, 0).toInstant(java.time.ZoneOffset.UTC), 6);
		return due;
	}

	/**
	 * {@code count} daily backups (one part each) from centuries ago, which every
	 * retention run deletes.
	 */
	private static List<String> seedExpired(int n, int count) {
		List<String> ids = new ArrayList<>();
		for (int i = 0; i < count; i++) {
			ids.add(seedDaily(LocalDate.of(1500, 1, 1).plusDays(n + i).atTime(3, 0).toInstant(java.time.ZoneOffset.UTC),
					1));
		}
		return ids;
	}

	private static String seedDaily(Instant time, int parts) {
		int part = 5 * 1024 * 1024;
		try (S3ObjectStore store = store(TestS3.ENDPOINT, BUCKET)) {
			return TestBackups.daily(store, SOURCE, time, (long) parts * part, part, time.getEpochSecond()).backupId();
		}
	}

	/**
	 * Every backup of every tier intact, every object in a folder with a manifest, no
	 * upload open.
	 */
	private static void assertTiersIntact() throws IOException {
		List<BackupManifest> backups = catalog(TestS3.ENDPOINT, BUCKET);
		assertObjectsIntact(TestS3.ENDPOINT, BUCKET, backups);
		Set<String> folders = backups.stream()
			.map(b -> "cli/" + BackupLayout.folder(b.tier(), b.database(), b.backupId()))
			.collect(Collectors.toSet());
		assertThat(TestS3.keys(BUCKET)
			.stream()
			.filter(key -> key.startsWith("cli/daily/") || key.startsWith("cli/weekly/")
					|| key.startsWith("cli/monthly/")))
			.as("every object of a tier belongs to a backup with a manifest")
			.allMatch(key -> folders.contains(key.substring(0, key.lastIndexOf('/') + 1)));
		assertThat(TestS3.openUploads(BUCKET)).as("open multipart uploads").isZero();
	}

	private static void assertGone(List<String> ids) {
		List<String> keys = TestS3.keys(BUCKET);
		for (String id : ids) {
			assertThat(keys).as("expired backup " + id).noneMatch(key -> key.contains("/" + id + "/"));
		}
	}

	/** A kill at a random moment of one run, and what the relaunch gave. */
	private record Kill(long executionId, boolean killedMidRun, CliProcess.Result relaunch) {
	}

	/**
	 * Runs the job once to completion and returns how long its execution ran (from being
	 * recorded to being recorded as ended, not counting the process's exit): the window
	 * the kills are drawn from.
	 */
	private long baseline(CliProcess cli, String job, String... parameters) throws Exception {
		long before = lastExecution(job);
		List<String> args = new ArrayList<>(List.of("run", job));
		args.addAll(List.of(parameters));
		CliProcess.Running running = cli.start(args.toArray(String[]::new));
		long executionId = awaitExecution(job, before, running);
		long started = System.nanoTime();
		long ended = 0;
		while (running.process().isAlive() && ended == 0) {
			String status = JobRepositoryQueries.executionsOfInstanceOf(executionId).get(executionId);
			if (!"STARTED".equals(status) && !"STARTING".equals(status)) {
				ended = System.nanoTime();
			}
			Thread.sleep(10);
		}
		CliProcess.Result result = running.await();
		assertThat(result.exitCode()).as(job + " baseline: " + result.stdout() + result.stderr()).isZero();
		return Math.max(100, ((ended != 0 ? ended : System.nanoTime()) - started) / 1_000_000);
	}

	private Kill killAndRelaunch(CliProcess cli, String job, Random random, long windowMillis, String... parameters)
			throws Exception {
		// the window shrinks by a quarter each time a run had finished before its kill (a
		// baseline that ran long)
		double shrink = this.shrink.getOrDefault(job, 1.0);
		long delay = (long) (random.nextDouble() * windowMillis * shrink);
		long before = lastExecution(job);
		List<String> args = new ArrayList<>(List.of("run", job));
		args.addAll(List.of(parameters));
		CliProcess.Running running = cli.start(args.toArray(String[]::new));
		long executionId = awaitExecution(job, before, running);
		Thread.sleep(delay);
		boolean alive = running.process().isAlive();
		running.process().destroyForcibly().waitFor();
		// a process still alive may have been past its job already, exiting: that is no
		// kill mid-run
		boolean killedMidRun = alive
				&& !"COMPLETED".equals(JobRepositoryQueries.executionsOfInstanceOf(executionId).get(executionId));
		log.info("{}: execution {} {} after {} ms", job, executionId, killedMidRun ? "killed" : "had finished", delay);
		if (!killedMidRun) {
			this.shrink.put(job, shrink * 0.75);
		}
		CliProcess.Result relaunch = cli.run("restart", String.valueOf(executionId));
		assertThat(relaunch.exitCode())
			.as(job + " relaunch of " + executionId + " (killed after " + delay + " ms, seed " + SEED + "): "
					+ relaunch.stdout() + relaunch.stderr())
			.isZero();
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

	private static long awaitExecution(String job, long before, CliProcess.Running running)
			throws InterruptedException {
		Instant deadline = Instant.now().plus(Duration.ofMinutes(2));
		while (true) {
			long last = lastExecution(job);
			if (last > before) {
				return last;
			}
			assertThat(running.process().isAlive() || lastExecution(job) > before)
				.as(job + " ended before its execution was recorded")
				.isTrue();
			assertThat(Instant.now()).as(job + " execution recorded within 2 minutes").isBefore(deadline);
			Thread.sleep(10);
		}
	}

	private static long lastExecution(String job) {
		return JobRepositoryQueries.executionsOfJob(job).stream().mapToLong(Long::longValue).max().orElse(0);
	}

	/**
	 * Fails unless at least one kill hit {@code job} while it ran: a suite whose kills
	 * all came after the job had finished would prove nothing.
	 */
	private void assertKilledMidRun(String job) {
		assertThat(midRunKills(job)).as(job + ": kills that landed mid-run (of " + this.figures.get(job)[0] + " tried)")
			.isGreaterThanOrEqualTo(1);
	}

	/**
	 * Kills that hit {@code job} mid-run so far: each test goes on until it has
	 * {@link #KILLS} of them.
	 */
	private int midRunKills(String job) {
		return this.figures.containsKey(job) ? this.figures.get(job)[1] : 0;
	}

	private void count(String job, Kill kill) {
		int[] f = this.figures.computeIfAbsent(job, j -> new int[4]);
		f[0]++;
		f[kill.killedMidRun() ? 1 : 2]++;
		f[3]++;
	}

	/**
	 * Exactly {@code expected} backups (one per date so far), each intact, and nothing
	 * else under daily/ or open.
	 */
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

	private static void assertObjectsIntact(URI server, String bucket, List<BackupManifest> backups)
			throws IOException {
		try (S3ObjectStore store = store(server, bucket)) {
			for (BackupManifest backup : backups) {
				for (BackupManifest.StoredObject object : backup.objects()) {
					ObjectInfo info = store.head(object.key())
						.orElseThrow(() -> new AssertionError(object.key() + " of a manifest is missing on " + server));
					assertThat(info.size()).as(object.key()).isEqualTo(object.size());
					assertThat(TestS3.sha256(store, object.key())).as(object.key() + " on " + server)
						.isEqualTo(object.sha256());
				}
			}
		}
	}

	private static List<String> openUploads(URI server, String bucket) {
		try (S3Client s3 = TestS3.client(server)) {
			return s3.listMultipartUploads(r -> r.bucket(bucket))
				.uploads()
				.stream()
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
		return TestPostgres.databasesLike("drill\\_" + SOURCE + "\\_%");
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
