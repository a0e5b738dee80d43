package io.drbatch.wal;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

import org.postgresql.PGConnection;
import org.postgresql.PGProperty;
import org.postgresql.replication.LogSequenceNumber;
import org.postgresql.replication.PGReplicationStream;

import io.drbatch.failure.DrbatchException;
import io.drbatch.failure.FailureKind;
import io.drbatch.pg.PgConnectionSpec;
import io.drbatch.pg.PgLogins;

/**
 * A physical replication connection to a source server, with pgjdbc's replication API: in
 * the JVM, so the password goes to the driver and never to a child process's argv or
 * environment, and so that drbatch alone decides which position it reports as flushed
 * (pg_receivewal reports what it has written to its local disk, which would let the slot
 * move past WAL not yet in the bucket). Needs a role with REPLICATION and a
 * {@code replication} line in pg_hba.conf; a refused login says so. Not thread-safe; one
 * session per run.
 */
public final class ReplicationSession implements AutoCloseable {

	/** What IDENTIFY_SYSTEM says about the server. */
	public record SystemIdentity(String systemIdentifier, int timeline, Lsn flushed) {
	}

	private final PgConnectionSpec spec;

	private final Connection connection;

	private ReplicationSession(PgConnectionSpec spec, Connection connection) {
		this.spec = spec;
		this.connection = connection;
	}

	/** Opens a physical replication connection as {@code spec}'s user. */
	public static ReplicationSession open(PgConnectionSpec spec) {
		Properties props = new Properties();
		PGProperty.USER.set(props, spec.username());
		if (spec.password() != null) {
			PGProperty.PASSWORD.set(props, spec.password());
		}
		PGProperty.REPLICATION.set(props, "true");
		PGProperty.ASSUME_MIN_SERVER_VERSION.set(props, "10");
		PGProperty.PREFER_QUERY_MODE.set(props, "simple");
		PGProperty.APPLICATION_NAME.set(props, "drbatch-wal-archive");
		PGProperty.CONNECT_TIMEOUT.set(props, 10);
		if (spec.sslMode() != null) {
			PGProperty.SSL_MODE.set(props, spec.sslMode());
		}
		try {
			return new ReplicationSession(spec, DriverManager.getConnection(spec.jdbcUrl(), props));
		}
		catch (SQLException ex) {
			String first = ex.getMessage() == null ? "" : ex.getMessage().lines().findFirst().orElse("");
			if (PgLogins.refused(ex)) {
				throw new DrbatchException(FailureKind.DATABASE_LOGIN_REFUSED,
						"database '" + spec.name() + "' (" + spec.describe()
								+ ") refused the replication login of user '" + spec.username() + "': " + first
								+ (first.contains("pg_hba.conf") ? "; add a line 'host replication " + spec.username()
										+ " <client address> scram-sha-256' to pg_hba.conf and reload" : ""),
						ex);
			}
			throw new DrbatchException(FailureKind.DATABASE_UNAVAILABLE,
					"cannot open a replication connection to database '" + spec.name() + "' (" + spec.describe() + "): "
							+ first,
					ex);
		}
	}

	public SystemIdentity identifySystem() {
		try (Statement statement = this.connection.createStatement();
				ResultSet rs = statement.executeQuery("IDENTIFY_SYSTEM")) {
			rs.next();
			return new SystemIdentity(rs.getString("systemid"), rs.getInt("timeline"),
					Lsn.parse(rs.getString("xlogpos")));
		}
		catch (SQLException ex) {
			throw failure("IDENTIFY_SYSTEM", ex);
		}
	}

	/** The history file of {@code timeline} (2 and up): its file name and its text. */
	public TimelineHistory timelineHistory(int timeline) {
		try (Statement statement = this.connection.createStatement();
				ResultSet rs = statement.executeQuery("TIMELINE_HISTORY " + timeline)) {
			rs.next();
			return TimelineHistory.parse(timeline, new String(rs.getBytes("content"), StandardCharsets.UTF_8));
		}
		catch (SQLException ex) {
			throw failure("TIMELINE_HISTORY " + timeline, ex);
		}
	}

	/**
	 * Starts streaming the slot's WAL from {@code start}. The stream reports as flushed
	 * only what the caller sets ({@code setFlushedLSN}), never what it merely received:
	 * that position is what the slot keeps WAL from.
	 */
	public PGReplicationStream stream(String slot, Lsn start) {
		try {
			return this.connection.unwrap(PGConnection.class)
				.getReplicationAPI()
				.replicationStream()
				.physical()
				.withSlotName(slot)
				.withStartPosition(LogSequenceNumber.valueOf(start.value()))
				.withStatusInterval(5, TimeUnit.SECONDS)
				.withAutomaticFlush(false)
				.start();
		}
		catch (SQLException ex) {
			throw failure("START_REPLICATION SLOT " + slot + " PHYSICAL " + start, ex);
		}
	}

	DrbatchException failure(String command, SQLException ex) {
		return new DrbatchException(FailureKind.DATABASE_UNAVAILABLE,
				"database '" + this.spec.name() + "' (" + this.spec.describe() + ") failed " + command + ": "
						+ (ex.getMessage() == null ? "" : ex.getMessage().lines().findFirst().orElse("")),
				ex);
	}

	@Override
	public void close() {
		try {
			this.connection.close();
		}
		catch (SQLException ex) {
			// the server ends the session when the connection goes; nothing is left to
			// release
		}
	}

}
