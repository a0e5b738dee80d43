package io.drbatch.jobs.restore;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Supplier;

import io.drbatch.failure.DrbatchException;
import io.drbatch.failure.FailureKind;
import io.drbatch.jobs.config.DrbatchProperties;
import io.drbatch.pg.PgConnectionSpec;
import io.drbatch.pg.PgLogins;

/**
 * A PostgreSQL server that backups are restored into (the drill server, or a source's own
 * server for a real recovery): creates, inspects and drops databases through its
 * {@code postgres} maintenance database. The password is read each time a connection spec
 * is made, so a rotated secret is picked up. Thread-safe.
 */
public class PgServer {

	private final String label;

	private final String host;

	private final int port;

	private final String username;

	private final Supplier<String> password;

	private final String sslMode;

	private PgServer(String label, String host, int port, String username, Supplier<String> password, String sslMode) {
		this.label = label;
		this.host = host;
		this.port = port;
		this.username = username;
		this.password = password;
		this.sslMode = sslMode;
	}

	/** The server restore drills create their scratch databases on. */
	public static PgServer drill(DrbatchProperties.Drill drill) {
		return new PgServer("drill server", drill.host(), drill.port(), drill.username(),
				() -> io.drbatch.jobs.config.Secrets.password(drill.passwordEnv(), drill.passwordFile(),
						drill.password(), "drbatch.drill"),
				null);
	}

	/** The server {@code source} lives on, reached with the source's own login. */
	public static PgServer of(PgConnectionSpec source) {
		return new PgServer("server of '" + source.name() + "'", source.host(), source.port(), source.username(),
				source::password, source.sslMode());
	}

	public PgConnectionSpec spec(String database) {
		return new PgConnectionSpec(database, this.host, this.port, database, this.username, this.password.get(),
				this.sslMode);
	}

	/** {@code host:port}, for messages. */
	public String describe() {
		return this.host + ":" + this.port;
	}

	/**
	 * Whether {@code source} is on this server: same port and the same host, loopback
	 * names taken as one.
	 */
	public boolean hosts(PgConnectionSpec source) {
		return source.port() == this.port && normalise(source.host()).equals(normalise(this.host));
	}

	private static String normalise(String host) {
		String lower = host.toLowerCase(Locale.ROOT);
		return lower.equals("localhost") || lower.equals("::1") || lower.startsWith("127.") ? "loopback" : lower;
	}

	public boolean exists(String database) {
		try (Connection connection = open("postgres");
				PreparedStatement statement = connection
					.prepareStatement("SELECT 1 FROM pg_database WHERE datname = ?")) {
			statement.setString(1, database);
			try (ResultSet rs = statement.executeQuery()) {
				return rs.next();
			}
		}
		catch (SQLException ex) {
			throw unavailable(ex);
		}
	}

	/**
	 * What {@code database} holds besides what every new database has: relations (tables,
	 * views, sequences, ...) and schemas other than {@code public}, user functions and
	 * large objects, as counts for a message; empty when the database holds none of them.
	 */
	public List<String> contents(String database) {
		String sql = """
				SELECT 'relations', count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
				 WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_toast%'
				   AND n.nspname NOT LIKE 'pg\\_temp\\_%'
				UNION ALL
				SELECT 'schemas', count(*) FROM pg_namespace
				 WHERE nspname NOT IN ('pg_catalog', 'information_schema', 'public') AND nspname NOT LIKE 'pg\\_toast%'
				   AND nspname NOT LIKE 'pg\\_temp\\_%'
				UNION ALL
				SELECT 'functions', count(*) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
				 WHERE n.nspname NOT IN ('pg_catalog', 'information_schema')
				   AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = p.oid AND d.deptype = 'e')
				UNION ALL
				SELECT 'large objects', count(*) FROM pg_largeobject_metadata
				""";
		List<String> contents = new ArrayList<>();
		try (Connection connection = open(database);
				Statement statement = connection.createStatement();
				ResultSet rs = statement.executeQuery(sql)) {
			while (rs.next()) {
				if (rs.getLong(2) > 0) {
					contents.add(rs.getLong(2) + " " + rs.getString(1));
				}
			}
		}
		catch (SQLException ex) {
			throw unavailable(ex);
		}
		return contents;
	}

	/**
	 * Databases whose name starts with {@code prefix} and that nobody is connected to.
	 */
	public List<String> idleDatabasesStartingWith(String prefix) {
		String sql = "SELECT d.datname FROM pg_database d WHERE starts_with(d.datname, ?) "
				+ "AND NOT EXISTS (SELECT 1 FROM pg_stat_activity a WHERE a.datname = d.datname) ORDER BY 1";
		List<String> names = new ArrayList<>();
		try (Connection connection = open("postgres"); PreparedStatement statement = connection.prepareStatement(sql)) {
			statement.setString(1, prefix);
			try (ResultSet rs = statement.executeQuery()) {
				while (rs.next()) {
					names.add(rs.getString(1));
				}
			}
		}
		catch (SQLException ex) {
			throw unavailable(ex);
		}
		return names;
	}

	public void create(String database) {
		execute("CREATE DATABASE " + quote(database));
	}

	/** Drops {@code database}, disconnecting whoever is connected to it. */
	public void drop(String database) {
		execute("DROP DATABASE IF EXISTS " + quote(database) + " WITH (FORCE)");
	}

	private void execute(String sql) {
		try (Connection connection = open("postgres"); Statement statement = connection.createStatement()) {
			statement.execute(sql);
		}
		catch (SQLException ex) {
			throw unavailable(ex);
		}
	}

	/**
	 * A connection to {@code database} on this server; a refused login names this
	 * server's role (drill server).
	 */
	private Connection open(String database) {
		try {
			return spec(database).open("drbatch-restore");
		}
		catch (DrbatchException ex) {
			if (ex.kind() == FailureKind.DATABASE_LOGIN_REFUSED) {
				throw new DrbatchException(ex.kind(), "the " + this.label + " " + describe() + ": " + ex.getMessage(),
						ex);
			}
			throw ex;
		}
	}

	private DrbatchException unavailable(SQLException ex) {
		if (PgLogins.refused(ex)) {
			return new DrbatchException(FailureKind.DATABASE_LOGIN_REFUSED,
					this.label + " " + describe() + " refused the login of user '" + this.username + "': "
							+ ex.getMessage().lines().findFirst().orElse(""),
					ex);
		}
		return new DrbatchException(FailureKind.DATABASE_UNAVAILABLE,
				this.label + " " + describe() + " refused: " + ex.getMessage().lines().findFirst().orElse(""), ex);
	}

	private static String quote(String identifier) {
		return "\"" + identifier.replace("\"", "\"\"") + "\"";
	}

}
