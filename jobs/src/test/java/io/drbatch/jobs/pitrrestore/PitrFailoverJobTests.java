package io.drbatch.jobs.pitrrestore;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.batch.core.job.Job;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.launch.JobOperator;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import io.drbatch.jobs.JobTestSupport;
import io.drbatch.jobs.JobsTestApplication;
import io.drbatch.testing.TcpForwarder;
import io.drbatch.testing.TestCluster;
import io.drbatch.testing.TestPostgres;
import io.drbatch.testing.TestS3;
import io.drbatch.wal.WalArchive;
import io.drbatch.wal.WalSegment;

import static io.drbatch.jobs.pitrrestore.PitrJobRuns.assertCompleted;
import static io.drbatch.jobs.pitrrestore.PitrJobRuns.freePort;
import static io.drbatch.jobs.pitrrestore.PitrJobRuns.stop;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A failover staged on clusters of the test's own: the source is reached through an
 * address that moves (a {@link TcpForwarder}, as a service name moves in a real
 * failover); its archive and base backup are taken, then pitr-restore recovers a copy and
 * promotes it (timeline 2), the old primary stops and the address moves to the copy.
 * wal-archive goes on there: it creates its slot on the new primary, archives the history
 * file and the new timeline's segments into the same chain (same system identifier), and
 * a recovery to a time after the promotion, from the base backup taken before it, follows
 * the history file onto timeline 2 and holds exactly the rows committed before its
 * target, from both primaries.
 */
@SpringBootTest(classes = JobsTestApplication.class)
class PitrFailoverJobTests {

	private static final TestCluster OLD_PRIMARY = TestCluster.create("pitrfo");

	private static final TcpForwarder ADDRESS = new TcpForwarder(OLD_PRIMARY.port());

	private static final String SOURCE = TestPostgres.newDatabase("pitrfo");

	private static final String BUCKET = TestS3.newBucket("pitr-failover");

	@DynamicPropertySource
	static void properties(DynamicPropertyRegistry registry) {
		OLD_PRIMARY.execute("postgres", "CREATE DATABASE " + SOURCE);
		OLD_PRIMARY.execute(SOURCE, "CREATE TABLE ticks (id int PRIMARY KEY, written_on text)");
		JobTestSupport.register(registry, SOURCE, SOURCE, BUCKET);
		JobTestSupport.registerPitrSource(registry, ADDRESS::port, null);
	}

	@Autowired
	JobOperator jobOperator;

	@Autowired
	@Qualifier("walArchiveJob")
	Job walArchive;

	@Autowired
	@Qualifier("baseBackupJob")
	Job baseBackup;

	@Autowired
	@Qualifier("pitrRestoreJob")
	Job pitrRestore;

	private PitrJobRuns runs() {
		return new PitrJobRuns(this.jobOperator, this.walArchive, this.baseBackup, this.pitrRestore, SOURCE, BUCKET);
	}

	private int rows;

	@AfterAll
	static void cleanUp() {
		ADDRESS.close();
		OLD_PRIMARY.close();
		TestS3.deleteBucket(BUCKET);
	}

	@Test
	void afterAPromotionArchivingGoesOnOnTheNewTimelineAndARecoveryPastThePromotionFollowsIt() throws Exception {
		assertCompleted(runs().archive());
		assertCompleted(runs().baseBackup("2026-12-01"));
		writeRows(10, "old primary");
		assertCompleted(runs().archive());

		// failover: a copy recovered from the archive is promoted, the old primary stops,
		// the address moves to the copy
		Path newPrimaryData = TestCluster.newDataDirectory("pitrfo-new");
		int newPrimaryPort = freePort();
		JobExecution promotion = runs().restore("latest", newPrimaryData, newPrimaryPort);
		assertCompleted(promotion);
		assertThat(promotion.getExecutionContext().getInt(PitrRestoreContext.TIMELINE)).isEqualTo(2);
		try {
			OLD_PRIMARY.close();
			ADDRESS.retarget(newPrimaryPort);

			writeRows(5, "new primary");
			Instant target = Instant.now();
			Thread.sleep(100);
			writeRows(5, "new primary");
			assertCompleted(runs().archive());

			WalArchive archive = runs().walArchiveOfBucket();
			assertThat(archive.histories()).containsKey(2);
			assertThat(archive.segments()).extracting(WalSegment::timeline).contains(1, 2);

			Path recoveredData = TestCluster.newDataDirectory("pitrfo-recovered");
			int recoveredPort = freePort();
			JobExecution recovery = runs().restore("time:" + target, recoveredData, recoveredPort);

			assertCompleted(recovery);
			try (Connection connection = runs().login(recoveredPort).open("test");
					Statement statement = connection.createStatement();
					ResultSet counted = statement
						.executeQuery("SELECT count(*) FILTER (WHERE written_on = 'old primary'),"
								+ " count(*) FILTER (WHERE written_on = 'new primary'), max(id) FROM ticks")) {
				counted.next();
				assertThat(counted.getInt(1)).isEqualTo(10);
				assertThat(counted.getInt(2)).as("rows the promoted primary committed before the target").isEqualTo(5);
				assertThat(counted.getInt(3)).isEqualTo(15);
			}
			assertThat(recovery.getExecutionContext().getInt(PitrRestoreContext.TIMELINE))
				.as("the recovered copy of timeline 2 promotes onto timeline 3")
				.isEqualTo(3);
			assertThat(recovery.getExecutionContext().getString(PitrRestoreContext.BASE_BACKUP))
				.as("recovered from the base backup taken before the failover")
				.isEqualTo(promotion.getExecutionContext().getString(PitrRestoreContext.BASE_BACKUP));
			stop(recoveredData);
		}
		finally {
			stop(newPrimaryData);
		}
	}

	private void writeRows(int count, String where) throws Exception {
		try (Connection connection = runs().login(ADDRESS.port()).open("test");
				Statement statement = connection.createStatement()) {
			for (int i = 0; i < count; i++) {
				statement.execute("INSERT INTO ticks VALUES (" + (++this.rows) + ", '" + where + "')");
			}
		}
	}

}
