package io.drbatch.pg;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import io.drbatch.failure.DrbatchException;
import io.drbatch.failure.FailureKind;

/**
 * A REPEATABLE READ, READ ONLY transaction whose snapshot is exported with
 * {@code pg_export_snapshot()}, so that {@code pg_dump --snapshot} and the row counts
 * here see exactly the same data. The transaction stays open, and the snapshot
 * importable, until {@link #close()}; keep it open until pg_dump has finished.
 *
 * <p>
 * The snapshot's WAL position lets a point-in-time recovery reach the same data. On a
 * primary with {@code wal_level=logical} and a role that may replicate, the snapshot is
 * the one a temporary logical replication slot exports when it is created, and the
 * position is the slot's consistent point: a recovery that stops just before it shows
 * exactly the transactions the snapshot sees ({@link #walPositionExact()}). The slot
 * lives only until the transaction has imported its snapshot; it retains no WAL.
 * Elsewhere (or when the slot cannot be created, which is logged) the position is the one
 * read just after the snapshot was taken.
 *
 * <p>
 * Counts cover every table whose data pg_dump writes, as {@link PgTables#withData} lists
 * them. Not thread-safe.
 */
public final class ExportedSnapshot implements AutoCloseable {

	private final PgConnectionSpec spec;

	private final Connection connection;

	private final String snapshotId;

	private final Instant snapshotTime;

	private final String serverVersion;

	private final int serverVersionNum;

	private final String walPosition;

	private final String transactions;

	private final boolean walPositionExact;

	private ExportedSnapshot(PgConnectionSpec spec, Connection connection, String snapshotId, Instant snapshotTime,
			String serverVersion, int serverVersionNum, String walPosition, String transactions,
			boolean walPositionExact) {
		this.walPositionExact = walPositionExact;
		this.spec = spec;
		this.connection = connection;
		this.snapshotId = snapshotId;
		this.snapshotTime = snapshotTime;
		this.serverVersion = serverVersion;
		this.serverVersionNum = serverVersionNum;
		this.walPosition = walPosition;
		this.transactions = transactions;
	}

	public static ExportedSnapshot export(PgConnectionSpec spec) {
		Connection connection = spec.open("drbatch-snapshot");
		try {
			LogicalSlotSnapshot slot = canUseLogicalSlot(connection) ? LogicalSlotSnapshot.create(spec) : null;
			try {
				connection.setAutoCommit(false);
				connection.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
				connection.setReadOnly(true);
				if (slot != null) {
					try (Statement statement = connection.createStatement()) {
						statement.execute("SET TRANSACTION SNAPSHOT '" + slot.snapshotName() + "'");
					}
				}
				try (Statement statement = connection.createStatement();
						ResultSet rs = statement.executeQuery("SELECT pg_export_snapshot(), transaction_timestamp(), "
								+ "current_setting('server_version'), current_setting('server_version_num')::int, "
								+ "(CASE WHEN pg_is_in_recovery() THEN pg_last_wal_replay_lsn() "
								+ "ELSE pg_current_wal_insert_lsn() END)::text, txid_current_snapshot()::text")) {
					rs.next();
					return new ExportedSnapshot(spec, connection, rs.getString(1),
							rs.getObject(2, java.time.OffsetDateTime.class).toInstant(), rs.getString(3), rs.getInt(4),
							slot != null ? slot.consistentPoint() : rs.getString(5), rs.getString(6), slot != null);
				}
			}
			finally {
				if (slot != null) {
					slot.close();
				}
			}
		}
		catch (SQLException ex) {
			closeQuietly(connection);
			throw new DrbatchException(FailureKind.DATABASE_UNAVAILABLE, "cannot export a snapshot of database '"
					+ spec.name() + "': " + PgConnectionSpec.firstLine(ex.getMessage()), ex);
		}
	}

	public String snapshotId() {
		return this.snapshotId;
	}

	/** Start time of the exporting transaction: the point in time the backup shows. */
	public Instant snapshotTime() {
		return this.snapshotTime;
	}

	/**
	 * The server's WAL position read in the statement that exported the snapshot, just
	 * after the snapshot was taken: every transaction the snapshot sees committed before
	 * it; a transaction that committed in the few microseconds between the two may lie
	 * before it too, though the snapshot does not see it ({@link #transactions} tells
	 * which ones it does not see). On a standby, the position replayed.
	 */
	public String walPosition() {
		return this.walPosition;
	}

	/**
	 * Whether {@link #walPosition()} is a logical slot's consistent point: the snapshot
	 * sees exactly the transactions that committed before it.
	 */
	public boolean walPositionExact() {
		return this.walPositionExact;
	}

	/**
	 * The snapshot's view of transactions, as {@code txid_current_snapshot()} spells it
	 * ({@code xmin:xmax:xip,...}): which transaction ids it sees as committed.
	 */
	public String transactions() {
		return this.transactions;
	}

	public String serverVersion() {
		return this.serverVersion;
	}

	public int serverVersionNum() {
		return this.serverVersionNum;
	}

	/**
	 * The database's size on disk (tables, TOAST and indexes): an upper bound for what a
	 * compressed dump stores.
	 */
	public long databaseSize() {
		try (Statement statement = this.connection.createStatement();
				java.sql.ResultSet size = statement.executeQuery("SELECT pg_database_size(current_database())")) {
			size.next();
			return size.getLong(1);
		}
		catch (SQLException ex) {
			throw new DrbatchException(FailureKind.DATABASE_UNAVAILABLE, "cannot read the size of database '"
					+ this.spec.name() + "': " + PgConnectionSpec.firstLine(ex.getMessage()), ex);
		}
	}

	/**
	 * Counts the rows of every dumped table in this snapshot, in schema and table name
	 * order. Parallel query is switched off for the counts: they run beside pg_dump, and
	 * extra workers would take CPU from the dump.
	 */
	public List<TableRowCount> countRows() {
		List<TableRowCount> counts = new ArrayList<>();
		try (Statement setting = this.connection.createStatement()) {
			setting.execute("SET LOCAL max_parallel_workers_per_gather = 0");
		}
		catch (SQLException ex) {
			throw new DrbatchException(FailureKind.DATABASE_UNAVAILABLE, "cannot prepare row counts in database '"
					+ this.spec.name() + "': " + PgConnectionSpec.firstLine(ex.getMessage()), ex);
		}
		try {
			for (PgTables.Table table : PgTables.withData(this.connection)) {
				counts.add(new TableRowCount(table.schema(), table.name(),
						PgTables.count(this.connection, table.quoted())));
			}
			return counts;
		}
		catch (SQLException ex) {
			throw new DrbatchException(FailureKind.DATABASE_UNAVAILABLE, "cannot count rows in database '"
					+ this.spec.name() + "': " + PgConnectionSpec.firstLine(ex.getMessage()), ex);
		}
	}

	@Override
	public void close() {
		try {
			this.connection.rollback();
		}
		catch (SQLException ex) {
			// the connection may already be gone; closing it ends the transaction either
			// way
		}
		closeQuietly(this.connection);
	}

	/**
	 * Whether a temporary logical slot can give the snapshot an exact WAL position: a
	 * primary at {@code wal_level=logical}, and a role that may open a replication
	 * connection.
	 */
	private static boolean canUseLogicalSlot(Connection connection) throws SQLException {
		try (Statement statement = connection.createStatement();
				ResultSet rs = statement.executeQuery("SELECT current_setting('wal_level') = 'logical'"
						+ " AND NOT pg_is_in_recovery() AND (SELECT rolreplication OR rolsuper FROM pg_roles"
						+ " WHERE rolname = current_user)")) {
			return rs.next() && rs.getBoolean(1);
		}
	}

	private static void closeQuietly(Connection connection) {
		try {
			connection.close();
		}
		catch (SQLException ex) {
			// nothing left to release
		}
	}

}
