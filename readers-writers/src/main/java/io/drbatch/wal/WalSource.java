package io.drbatch.wal;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import io.drbatch.failure.DrbatchException;
import io.drbatch.failure.FailureKind;
import io.drbatch.pg.PgConnectionSpec;

/**
 * What a source server must have for a WAL archive, read over a normal connection, and
 * its replication slot. {@link #check} names everything missing at once. Holds one
 * connection; not thread-safe.
 */
public final class WalSource implements AutoCloseable {

	/**
	 * The server as the archive needs it.
	 *
	 * @param segmentSize {@code wal_segment_size} in bytes
	 */
	public record Facts(String systemIdentifier, long segmentSize, String walLevel, int maxWalSenders,
			boolean replicationRole, boolean inRecovery, List<String> extraTablespaces, int serverVersionNum,
			String serverVersion) {
	}

	/**
	 * A physical replication slot as {@code pg_replication_slots} shows it.
	 *
	 * @param restartLsn the oldest WAL the slot keeps, {@code null} before it reserved
	 * any
	 * @param walStatus {@code reserved}, {@code extended}, {@code unreserved} or
	 * {@code lost}
	 * @param safeWalSize bytes that can still be written before the slot is at risk,
	 * {@code null} when unlimited
	 */
	public record Slot(String name, Lsn restartLsn, String walStatus, Long safeWalSize, boolean active) {
	}

	private final PgConnectionSpec spec;

	private final Connection connection;

	public WalSource(PgConnectionSpec spec) {
		this.spec = spec;
		this.connection = spec.open("drbatch-wal-archive");
	}

	public Facts facts() {
		try (Statement statement = this.connection.createStatement();
				ResultSet rs = statement.executeQuery(
						"""
								SELECT (SELECT system_identifier::text FROM pg_control_system()),
								       (SELECT setting::bigint FROM pg_settings WHERE name = 'wal_segment_size'),
								       current_setting('wal_level'), current_setting('max_wal_senders')::int,
								       (SELECT rolreplication OR rolsuper FROM pg_roles WHERE rolname = current_user),
								       pg_is_in_recovery(), current_setting('server_version_num')::int, current_setting('server_version')
								""")) {
			rs.next();
			return new Facts(rs.getString(1), rs.getLong(2), rs.getString(3), rs.getInt(4), rs.getBoolean(5),
					rs.getBoolean(6), extraTablespaces(), rs.getInt(7), rs.getString(8));
		}
		catch (SQLException ex) {
			throw failure("read the server's WAL settings", ex);
		}
	}

	private List<String> extraTablespaces() throws SQLException {
		List<String> names = new ArrayList<>();
		try (Statement statement = this.connection.createStatement();
				ResultSet rs = statement.executeQuery(
						"SELECT spcname FROM pg_tablespace WHERE spcname NOT IN ('pg_default', 'pg_global') ORDER BY 1")) {
			while (rs.next()) {
				names.add(rs.getString(1));
			}
		}
		return names;
	}

	/**
	 * Fails with {@link FailureKind#BAD_CONFIGURATION} naming every setting the archive
	 * needs and the server lacks.
	 */
	public static void check(Facts facts, String source) {
		List<String> missing = new ArrayList<>();
		if (!facts.walLevel().equals("replica") && !facts.walLevel().equals("logical")) {
			missing.add("wal_level is " + facts.walLevel() + " (needs replica or logical; a restart applies it)");
		}
		if (facts.maxWalSenders() < 1) {
			missing.add("max_wal_senders is 0 (needs at least 1 per concurrent archive or base backup)");
		}
		if (!facts.replicationRole()) {
			missing.add("the login role lacks REPLICATION (ALTER ROLE ... REPLICATION)");
		}
		if (facts.inRecovery()) {
			missing.add("the server is a standby (archive from the primary: drbatch switches WAL segments there)");
		}
		if (!facts.extraTablespaces().isEmpty()) {
			missing.add("it has tablespaces besides pg_default (" + String.join(", ", facts.extraTablespaces())
					+ "), which base backups do not handle yet");
		}
		if (!missing.isEmpty()) {
			throw new DrbatchException(FailureKind.BAD_CONFIGURATION,
					"source '" + source + "' cannot be archived: " + String.join("; ", missing));
		}
	}

	public Optional<Slot> slot(String name) {
		try (PreparedStatement statement = this.connection.prepareStatement(
				"SELECT restart_lsn::text, wal_status, safe_wal_size, active FROM pg_replication_slots WHERE slot_name = ?")) {
			statement.setString(1, name);
			try (ResultSet rs = statement.executeQuery()) {
				if (!rs.next()) {
					return Optional.empty();
				}
				String restart = rs.getString(1);
				String walStatus = rs.getString(2);
				long safe = rs.getLong(3);
				Long safeWalSize = rs.wasNull() ? null : safe;
				return Optional.of(new Slot(name, restart == null ? null : Lsn.parse(restart), walStatus, safeWalSize,
						rs.getBoolean(4)));
			}
		}
		catch (SQLException ex) {
			throw failure("read replication slot " + name, ex);
		}
	}

	/**
	 * Creates a physical slot that reserves WAL at once (from the current redo position).
	 */
	public Slot createSlot(String name) {
		try (PreparedStatement statement = this.connection
			.prepareStatement("SELECT pg_create_physical_replication_slot(?, true)")) {
			statement.setString(1, name);
			statement.execute();
		}
		catch (SQLException ex) {
			throw failure("create replication slot " + name, ex);
		}
		return slot(name).orElseThrow(() -> new DrbatchException(FailureKind.DATABASE_UNAVAILABLE,
				"replication slot " + name + " is missing right after it was created"));
	}

	public void dropSlot(String name) {
		try (PreparedStatement statement = this.connection.prepareStatement("SELECT pg_drop_replication_slot(?)")) {
			statement.setString(1, name);
			statement.execute();
		}
		catch (SQLException ex) {
			throw failure("drop replication slot " + name, ex);
		}
	}

	/**
	 * Forces a switch to a new segment when WAL was written since the last one (else
	 * nothing happens), and returns the segment boundary up to which the archive must
	 * hold WAL for everything written before this moment.
	 */
	/**
	 * A segment switch: the server's clock just before it, and the segment boundary it
	 * switched to. Everything committed before {@code serverTime} lies before
	 * {@code boundary}; the server's clock, not drbatch's, so that a recovery target in
	 * the server's commit times maps to WAL whatever the skew between the two hosts.
	 */
	public record Switch(Instant serverTime, Lsn boundary) {
	}

	public Switch switchSegment(long segmentSize) {
		try (Statement statement = this.connection.createStatement();
				ResultSet rs = statement.executeQuery("SELECT clock_timestamp(), pg_switch_wal()::text")) {
			rs.next();
			return new Switch(rs.getObject(1, java.time.OffsetDateTime.class).toInstant(),
					Lsn.parse(rs.getString(2)).nextSegmentBoundary(segmentSize));
		}
		catch (SQLException ex) {
			throw failure(
					"switch to a new WAL segment (pg_switch_wal(); grant EXECUTE on it to a role that is not superuser)",
					ex);
		}
	}

	public Lsn currentLsn() {
		try (Statement statement = this.connection.createStatement();
				ResultSet rs = statement.executeQuery("SELECT pg_current_wal_lsn()::text")) {
			rs.next();
			return Lsn.parse(rs.getString(1));
		}
		catch (SQLException ex) {
			throw failure("read the current WAL position", ex);
		}
	}

	private DrbatchException failure(String what, SQLException ex) {
		return new DrbatchException(FailureKind.DATABASE_UNAVAILABLE,
				"database '" + this.spec.name() + "' (" + this.spec.describe() + ") cannot " + what + ": "
						+ (ex.getMessage() == null ? "" : ex.getMessage().lines().findFirst().orElse("")),
				ex);
	}

	@Override
	public void close() {
		try {
			this.connection.close();
		}
		catch (SQLException ex) {
			// nothing to release
		}
	}

}
