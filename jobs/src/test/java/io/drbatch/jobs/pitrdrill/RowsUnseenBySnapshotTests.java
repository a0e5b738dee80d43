package io.drbatch.jobs.pitrdrill;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;

import org.junit.jupiter.api.Test;

import io.drbatch.manifest.BackupManifest;
import io.drbatch.testing.TestPostgres;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * How an approximate PITR drill tells rows written after a dump's snapshot from the rows
 * it saw, on the local server: rows committed before the snapshot was taken, and rows
 * frozen by VACUUM FREEZE, are seen; rows of a transaction in progress when it was taken
 * and of transactions that began after it are not.
 */
class RowsUnseenBySnapshotTests {

	@Test
	void countsExactlyTheRowVersionsOfTransactionsTheSnapshotDidNotSee() throws Exception {
		String database = TestPostgres.newDatabase("unseen");
		TestPostgres.execute(database, "CREATE TABLE t (id int)");
		TestPostgres.execute(database, "INSERT INTO t SELECT generate_series(1, 10)");
		TestPostgres.execute(database, "VACUUM FREEZE t");
		TestPostgres.execute(database, "INSERT INTO t SELECT generate_series(11, 15)");
		try (Connection inFlight = TestPostgres.connect(database);
				Connection snapshotTaker = TestPostgres.connect(database);
				Connection later = TestPostgres.connect(database)) {
			inFlight.setAutoCommit(false);
			try (Statement statement = inFlight.createStatement()) {
				statement.execute("INSERT INTO t VALUES (100), (101)");
			}
			String snapshot;
			try (Statement statement = snapshotTaker.createStatement();
					ResultSet rs = statement.executeQuery("SELECT txid_current_snapshot()::text")) {
				rs.next();
				snapshot = rs.getString(1);
			}
			inFlight.commit();
			try (Statement statement = later.createStatement()) {
				statement.execute("INSERT INTO t VALUES (200), (201), (202)");
			}
			long unseen = PitrDrillVerifyTasklet.rowsUnseenBy(later, new BackupManifest.TableRows("public", "t", 15),
					snapshot);

			assertThat(unseen).as("2 rows in flight at the snapshot + 3 written after it").isEqualTo(5);
		}
	}

}
