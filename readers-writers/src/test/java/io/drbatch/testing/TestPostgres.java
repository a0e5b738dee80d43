package io.drbatch.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;

import io.drbatch.pg.PgConnectionSpec;

/**
 * The local PostgreSQL server (127.0.0.1:5432, trust authentication, user postgres;
 * override with {@code PGHOST}/{@code PGPORT}/{@code PGUSER}). Tests create their own
 * databases with unique names and drop them afterwards.
 */
public final class TestPostgres {

	public static final String HOST = System.getenv().getOrDefault("PGHOST", "127.0.0.1");

	public static final int PORT = Integer.parseInt(System.getenv().getOrDefault("PGPORT", "5432"));

	public static final String USER = System.getenv().getOrDefault("PGUSER", "postgres");

	/**
	 * A login that must authenticate with its password (scram-sha-256), made by
	 * {@code scripts/local-env.sh up}: a superuser like {@link #USER}, so it can dump,
	 * restore and create databases.
	 */
	public static final String SCRAM_USER = System.getenv().getOrDefault("DRBATCH_SCRAM_ROLE", "drbatch_scram");

	/** {@link #SCRAM_USER}'s password. */
	public static final String SCRAM_PASSWORD = System.getenv()
		.getOrDefault("DRBATCH_SCRAM_PASSWORD", "drbatch-Scram-7c41e9");

	private TestPostgres() {
	}

	public static String url(String database) {
		return "jdbc:postgresql://" + HOST + ":" + PORT + "/" + database;
	}

	public static Connection connect(String database) throws SQLException {
		return DriverManager.getConnection(url(database), USER, "");
	}

	public static PgConnectionSpec spec(String name, String database) {
		return new PgConnectionSpec(name, HOST, PORT, database, USER, null, null);
	}

	/**
	 * {@code database} as {@code pg_dump -Fc -Z0} writes it to a pipe (the way drbatch
	 * runs it: no data block positions in the table of contents).
	 */
	public static byte[] dumpCustomFormat(String database) throws IOException, InterruptedException {
		Process dump = new ProcessBuilder("pg_dump", "-Fc", "-Z0", "-h", HOST, "-p", String.valueOf(PORT), "-U", USER,
				"-d", database)
			.redirectError(ProcessBuilder.Redirect.INHERIT)
			.start();
		byte[] archive = dump.getInputStream().readAllBytes();
		if (dump.waitFor() != 0) {
			throw new IOException("pg_dump of " + database + " exited with status " + dump.exitValue());
		}
		return archive;
	}

	/** Creates an empty database with a unique name starting with {@code prefix}. */
	public static String newDatabase(String prefix) {
		String name = (prefix + "_" + UUID.randomUUID().toString().substring(0, 8)).toLowerCase(Locale.ROOT);
		execute("postgres", "CREATE DATABASE " + name);
		return name;
	}

	/** Creates {@code name} when it does not exist. */
	public static void ensureDatabase(String name) {
		if (queryLong("postgres", "SELECT count(*) FROM pg_database WHERE datname = '" + name + "'") == 0) {
			execute("postgres", "CREATE DATABASE " + name);
		}
	}

	public static void dropDatabase(String name) {
		execute("postgres", "DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
	}

	public static void execute(String database, String sql) {
		try (Connection connection = connect(database); Statement statement = connection.createStatement()) {
			statement.execute(sql);
		}
		catch (SQLException ex) {
			throw new IllegalStateException("cannot run on " + database + ": " + sql, ex);
		}
	}

	/**
	 * Runs a SQL script from the test class path (statements separated the way psql
	 * would: whole file).
	 */
	public static void executeResource(String database, String resource) {
		try (var in = TestPostgres.class.getResourceAsStream(resource)) {
			if (in == null) {
				throw new IllegalArgumentException("no resource " + resource);
			}
			execute(database, new String(in.readAllBytes(), StandardCharsets.UTF_8));
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	/** Names of the databases whose name matches the SQL LIKE {@code pattern}. */
	public static java.util.List<String> databasesLike(String pattern) {
		java.util.List<String> names = new java.util.ArrayList<>();
		try (Connection connection = connect("postgres");
				java.sql.PreparedStatement statement = connection
					.prepareStatement("SELECT datname FROM pg_database WHERE datname LIKE ? ORDER BY 1")) {
			statement.setString(1, pattern);
			try (java.sql.ResultSet rs = statement.executeQuery()) {
				while (rs.next()) {
					names.add(rs.getString(1));
				}
			}
		}
		catch (SQLException ex) {
			throw new IllegalStateException(ex);
		}
		return names;
	}

	/** The one text value {@code sql} returns in {@code database}. */
	public static String queryString(String database, String sql) {
		try (Connection connection = connect(database);
				Statement statement = connection.createStatement();
				ResultSet rs = statement.executeQuery(sql)) {
			rs.next();
			return rs.getString(1);
		}
		catch (SQLException ex) {
			throw new IllegalStateException("cannot query " + database + ": " + sql, ex);
		}
	}

	public static long queryLong(String database, String sql) {
		try (Connection connection = connect(database);
				Statement statement = connection.createStatement();
				ResultSet rs = statement.executeQuery(sql)) {
			rs.next();
			return rs.getLong(1);
		}
		catch (SQLException ex) {
			throw new IllegalStateException("cannot query " + database + ": " + sql, ex);
		}
	}

	/**
	 * {@code count(*)} of every given table ({@code schema.table} unquoted names), in one
	 * snapshot.
	 */
	public static Map<String, Long> countAll(String database, List<String[]> tables) {
		Map<String, Long> counts = new LinkedHashMap<>();
		try (Connection connection = connect(database)) {
			connection.setAutoCommit(false);
			connection.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
			try (Statement statement = connection.createStatement()) {
				for (String[] table : tables) {
					try (ResultSet rs = statement.executeQuery("SELECT count(*) FROM ONLY \""
							+ table[0].replace("\"", "\"\"") + "\".\"" + table[1].replace("\"", "\"\"") + "\"")) {
						rs.next();
						counts.put(table[0] + "." + table[1], rs.getLong(1));
					}
				}
			}
			connection.rollback();
		}
		catch (SQLException ex) {
			throw new IllegalStateException("cannot count rows in " + database, ex);
		}
		return counts;
	}

}
