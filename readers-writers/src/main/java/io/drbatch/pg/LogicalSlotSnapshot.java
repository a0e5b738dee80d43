package io.drbatch.pg;

import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HexFormat;
import java.util.Properties;

import org.postgresql.PGProperty;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A temporary logical replication slot created only for the snapshot it exports: its
 * consistent point is the WAL position that separates the transactions the snapshot sees
 * (committed before it) from those it does not. The slot lives on its own logical
 * replication connection and is dropped by the server when {@link #close()} ends that
 * connection (or when the process dies), so it never retains WAL; the exported snapshot
 * stays importable until the connection runs another command or closes, so import it
 * first. Not thread-safe.
 */
final class LogicalSlotSnapshot implements AutoCloseable {

	private static final Logger log = LoggerFactory.getLogger(LogicalSlotSnapshot.class);

	private static final SecureRandom RANDOM = new SecureRandom();

	private final Connection connection;

	private final String consistentPoint;

	private final String snapshotName;

	private LogicalSlotSnapshot(Connection connection, String consistentPoint, String snapshotName) {
		this.connection = connection;
		this.consistentPoint = consistentPoint;
		this.snapshotName = snapshotName;
	}

	/**
	 * Creates the slot, or returns {@code null} (with a warning saying why, and that the
	 * position will be approximate) when the server refuses: no free slot, no logical
	 * replication login in pg_hba.conf.
	 */
	static LogicalSlotSnapshot create(PgConnectionSpec spec) {
		Properties props = new Properties();
		PGProperty.USER.set(props, spec.username());
		if (spec.password() != null) {
			PGProperty.PASSWORD.set(props, spec.password());
		}
		PGProperty.REPLICATION.set(props, "database");
		PGProperty.ASSUME_MIN_SERVER_VERSION.set(props, "10");
		PGProperty.PREFER_QUERY_MODE.set(props, "simple");
		PGProperty.APPLICATION_NAME.set(props, "drbatch-snapshot-slot");
		PGProperty.CONNECT_TIMEOUT.set(props, 10);
		if (spec.sslMode() != null) {
			PGProperty.SSL_MODE.set(props, spec.sslMode());
		}
		byte[] suffix = new byte[4];
		RANDOM.nextBytes(suffix);
		String slot = "drbatch_snapshot_" + HexFormat.of().formatHex(suffix);
		Connection connection = null;
		try {
			connection = DriverManager.getConnection(spec.jdbcUrl(), props);
			try (Statement statement = connection.createStatement();
					ResultSet rs = statement.executeQuery(
							"CREATE_REPLICATION_SLOT " + slot + " TEMPORARY LOGICAL pgoutput EXPORT_SNAPSHOT")) {
				rs.next();
				return new LogicalSlotSnapshot(connection, rs.getString("consistent_point"),
						rs.getString("snapshot_name"));
			}
		}
		catch (SQLException ex) {
			log.warn("Database '{}' runs wal_level=logical, but a temporary logical slot for the dump's snapshot could"
					+ " not be created ({}): the manifest records the WAL position read after the snapshot instead,"
					+ " and a PITR drill compares row counts approximately", spec.name(),
					PgConnectionSpec.firstLine(ex.getMessage()));
			if (connection != null) {
				try {
					connection.close();
				}
				catch (SQLException closing) {
					// the failure above is what matters
				}
			}
			return null;
		}
	}

	String consistentPoint() {
		return this.consistentPoint;
	}

	String snapshotName() {
		return this.snapshotName;
	}

	@Override
	public void close() {
		try {
			this.connection.close();
		}
		catch (SQLException ex) {
			// the server drops a temporary slot with its connection either way
		}
	}

}
