package io.drbatch.scheduler.cli;

import java.nio.file.Path;
import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

import io.drbatch.testing.TestCluster;
import io.drbatch.testing.TestPostgres;
import io.drbatch.testing.TestS3;
import io.drbatch.wal.WalArchive;
import io.drbatch.wal.WalChain;
import io.drbatch.wal.WalSegment;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The PITR jobs over a fleet, as a CronJob runs them: two clusters of the test's own with
 * {@code pitr.enabled} and a logical-only source beside them. {@code drbatch run
 * wal-archive} and {@code drbatch run base-backup} without a database run the two PITR
 * sources, two at a time, each its own job instance with its own archive, and leave the
 * logical source alone; each archive's chain is whole, each cluster's base backup is
 * listed, and {@code drbatch status} shows a point-in-time recovery row for each of the
 * two, chain ok, and none for the logical source.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PitrFleetCliIT {

	private static final String SUFFIX = UUID.randomUUID().toString().substring(0, 8);

	private static final String FIRST = "pfleet_a_" + SUFFIX;

	private static final String SECOND = "pfleet_b_" + SUFFIX;

	private static final String LOGICAL = TestPostgres.newDatabase("cli_pfleet_logical");

	private static final String BUCKET = TestS3.newBucket("cli-pitr-fleet");

	private final TestCluster first = TestCluster.create("pfleet-a");

	private final TestCluster second = TestCluster.create("pfleet-b");

	@TempDir
	Path workDir;

	@AfterAll
	void cleanUp() {
		this.first.close();
		this.second.close();
		TestPostgres.dropDatabase(LOGICAL);
		TestS3.deleteBucket(BUCKET);
	}

	@Test
	void walArchiveAndBaseBackupRunEveryPitrSourceAndLeaveTheLogicalOneAlone() {
		for (TestCluster cluster : List.of(this.first, this.second)) {
			cluster.execute("postgres",
					"CREATE TABLE events AS SELECT g, md5(g::text) AS m FROM generate_series(1, 50000) g");
		}
		TestPostgres.execute(LOGICAL, "CREATE TABLE items (id int)");
		CliProcess cli = new CliProcess(this.workDir).source(LOGICAL, LOGICAL)
			.bucket(BUCKET)
			.env("DRBATCH_FLEET_PARALLELISM", "2");
		pitrSource(cli, 1, FIRST, this.first);
		pitrSource(cli, 2, SECOND, this.second);

		CliProcess.Result archived = cli.run("run", "wal-archive");
		CliProcess.Result backedUp = cli.run("run", "base-backup", "backup.date=2026-12-01");

		assertThat(archived.exitCode()).as(archived.stdout() + archived.stderr()).isZero();
		assertThat(archived.stdout()).contains("wal-archive: 2 sources (" + FIRST + ", " + SECOND + "), 2 at a time",
				"wal-archive: 2 of 2 sources succeeded");
		assertThat(backedUp.exitCode()).as(backedUp.stdout() + backedUp.stderr()).isZero();
		assertThat(backedUp.stdout()).contains("base-backup: 2 sources (" + FIRST + ", " + SECOND + "), 2 at a time",
				"base-backup: 2 of 2 sources succeeded");
		for (String job : List.of("wal-archive", "base-backup")) {
			assertThat(JobRepositoryQueries.executions(job, FIRST).values()).containsExactly("COMPLETED");
			assertThat(JobRepositoryQueries.executions(job, SECOND).values()).containsExactly("COMPLETED");
			assertThat(JobRepositoryQueries.executions(job, LOGICAL)).as("the logical source is not a PITR source")
				.isEmpty();
		}
		assertThat(TestS3.keys(BUCKET)).noneMatch(key -> key.contains("/" + LOGICAL + "/"));
		for (String source : List.of(FIRST, SECOND)) {
			TestCluster cluster = source.equals(FIRST) ? this.first : this.second;
			WalArchive archive = archive(source, cluster);
			List<WalSegment> segments = archive.segments();
			assertThat(segments).as("%s's archive", source).isNotEmpty();
			assertThat(WalChain.gaps(segments, archive.histories(), segments.get(0).number())).isEmpty();
			CliProcess.Result listed = cli.run("backups", source, "--base", "--format", "tsv");
			assertThat(listed.exitCode()).as(listed.stdout() + listed.stderr()).isZero();
			assertThat(listed.stdout().lines().skip(1)).as("%s's base backups", source)
				.singleElement()
				.asString()
				.startsWith(source + "\t");
		}

		CliProcess.Result status = cli.run("status", "--json");
		JsonNode pitr = JsonMapper.builder().build().readTree(status.stdout()).get("pitr");
		List<String> shown = new java.util.ArrayList<>();
		pitr.forEach(entry -> {
			shown.add(entry.get("database").asString());
			assertThat(entry.get("chain").asString()).as(entry.toString()).isEqualTo("ok");
			assertThat(entry.get("newestBaseBackup").isNull()).as(entry.toString()).isFalse();
		});
		assertThat(shown).as("the status's point-in-time recovery rows").containsExactly(FIRST, SECOND);
	}

	/**
	 * Configures source {@code index} as {@code cluster}, archived as {@code name}, with
	 * every key (a list element set from the environment replaces the whole element).
	 */
	private static void pitrSource(CliProcess cli, int index, String name, TestCluster cluster) {
		String prefix = "DRBATCH_SOURCES_" + index + "_";
		cli.env(prefix + "NAME", name)
			.env(prefix + "DATABASE", "postgres")
			.env(prefix + "HOST", cluster.host())
			.env(prefix + "PORT", String.valueOf(cluster.port()))
			.env(prefix + "USERNAME", TestPostgres.SCRAM_USER)
			.env(prefix + "PASSWORD", TestPostgres.SCRAM_PASSWORD)
			.env(prefix + "PITR_ENABLED", "true");
	}

	private static WalArchive archive(String source, TestCluster cluster) {
		String systemIdentifier = cluster.queryString("postgres",
				"SELECT system_identifier::text FROM pg_control_system()");
		return new WalArchive(TestS3.store(BUCKET, "cli"), source, systemIdentifier, 16L * 1024 * 1024, 1, null);
	}

}
