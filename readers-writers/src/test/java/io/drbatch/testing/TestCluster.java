package io.drbatch.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A PostgreSQL server of the tests' own, started on a data directory (a restored base
 * backup, say) on a free port, with the server binaries of {@code pg_config --bindir},
 * trusting local connections. As root (CI), the directory is handed to the
 * {@code postgres} user and the server runs as it, since PostgreSQL refuses to run as
 * root. Stop it with {@link #close()}. Not thread-safe.
 */
public final class TestCluster implements AutoCloseable {

	private final Path dataDirectory;

	private final int port;

	private final Path socketDirectory;

	private TestCluster(Path dataDirectory, int port, Path socketDirectory) {
		this.dataDirectory = dataDirectory;
		this.port = port;
		this.socketDirectory = socketDirectory;
	}

	/**
	 * A new, empty folder for a data directory that the {@code postgres} user can reach
	 * (its parents are traversable), removed when the JVM exits.
	 */
	public static Path newDataDirectory(String name) {
		try {
			Path base = Path.of(System.getProperty("java.io.tmpdir"), "drbatch-clusters");
			Files.createDirectories(base);
			base.toFile().setExecutable(true, false);
			Path directory = Files.createTempDirectory(base, name);
			directory.toFile().setExecutable(true, false);
			Path data = Files.createDirectory(directory.resolve("data"));
			Runtime.getRuntime().addShutdownHook(new Thread(() -> run(List.of("rm", "-rf", directory.toString()))));
			return data;
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	/**
	 * Creates a new cluster with initdb and starts it: WAL for replication, a login that
	 * must authenticate with scram-sha-256 for databases and replication
	 * ({@link TestPostgres#SCRAM_USER}, as on the local server), trust for everyone else
	 * on the socket and 127.0.0.1. A source of its own for tests that switch WAL
	 * segments, drop slots or count every segment, apart from the job repository's
	 * server.
	 */
	public static TestCluster create(String name) {
		return create(name, "replica");
	}

	/** {@link #create(String)} with {@code wal_level} set to {@code walLevel}. */
	public static TestCluster create(String name, String walLevel) {
		Path data = newDataDirectory(name);
		if (isRoot()) {
			run(List.of("chown", "postgres:postgres", data.toString()));
		}
		run(asPostgres(List.of(binary("initdb"), "-D", data.toString(), "-U", "postgres", "--auth=trust", "--no-sync",
				"-E", "UTF8", "--locale=C")));
		try {
			Files.writeString(data.resolve("postgresql.conf"), """
					wal_level = %s
					max_wal_senders = 10
					max_replication_slots = 10
					fsync = off
					synchronous_commit = off
					full_page_writes = on
					password_encryption = 'scram-sha-256'
					""".formatted(walLevel), java.nio.file.StandardOpenOption.APPEND);
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
		TestCluster cluster = start(data, """
				host all %1$s 127.0.0.1/32 scram-sha-256
				host replication %1$s 127.0.0.1/32 scram-sha-256
				local all all trust
				host all all 127.0.0.1/32 trust
				""".formatted(TestPostgres.SCRAM_USER));
		cluster.execute("postgres", "CREATE ROLE " + TestPostgres.SCRAM_USER + " LOGIN SUPERUSER REPLICATION PASSWORD '"
				+ TestPostgres.SCRAM_PASSWORD + "'");
		return cluster;
	}

	/** Runs {@code sql} in {@code database} as postgres. */
	public void execute(String database, String sql) {
		try (Connection connection = connect(database); java.sql.Statement statement = connection.createStatement()) {
			statement.execute(sql);
		}
		catch (SQLException ex) {
			throw new IllegalStateException("cannot run on " + database + " of the test cluster: " + sql, ex);
		}
	}

	/** The one text value {@code sql} returns in {@code database}. */
	public String queryString(String database, String sql) {
		try (Connection connection = connect(database);
				java.sql.Statement statement = connection.createStatement();
				java.sql.ResultSet rs = statement.executeQuery(sql)) {
			rs.next();
			return rs.getString(1);
		}
		catch (SQLException ex) {
			throw new IllegalStateException("cannot query " + database + " of the test cluster: " + sql, ex);
		}
	}

	/**
	 * Starts a server on {@code dataDirectory}, writing the configuration files a
	 * Debian-style base backup lacks (postgresql.conf, pg_hba.conf: trust) when they are
	 * missing; waits until it accepts connections.
	 */
	public static TestCluster start(Path dataDirectory) {
		return start(dataDirectory, "local all all trust\nhost all all 127.0.0.1/32 trust\n");
	}

	private static TestCluster start(Path dataDirectory, String hba) {
		try {
			if (!Files.exists(dataDirectory.resolve("postgresql.conf"))) {
				Files.writeString(dataDirectory.resolve("postgresql.conf"), "");
			}
			Files.writeString(dataDirectory.resolve("pg_hba.conf"), hba);
			Path socket = Files.createTempDirectory("drbatch-cluster-socket");
			int port = freePort();
			if (isRoot()) {
				run(List.of("chown", "-R", "postgres:postgres", dataDirectory.toString(), socket.toString()));
				run(List.of("chown", "postgres:postgres", dataDirectory.getParent().toString()));
			}
			run(List.of("chmod", "700", dataDirectory.toString()));
			run(asPostgres(List.of(binary("pg_ctl"), "-D", dataDirectory.toString(), "-l",
					dataDirectory.resolveSibling("server.log").toString(), "-w", "-t", "120", "-o",
					"-p " + port + " -k " + socket + " -c listen_addresses=127.0.0.1 -c archive_mode=off", "start")));
			return new TestCluster(dataDirectory, port, socket);
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	public String host() {
		return "127.0.0.1";
	}

	public int port() {
		return this.port;
	}

	public Connection connect(String database) throws SQLException {
		return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + this.port + "/" + database, "postgres", "");
	}

	public String log() {
		try {
			return Files.readString(this.dataDirectory.resolveSibling("server.log"));
		}
		catch (IOException ex) {
			return "(no server log: " + ex.getMessage() + ")";
		}
	}

	/** Stops the server at once (no shutdown checkpoint); nothing when it is stopped. */
	@Override
	public void close() {
		if (!Files.exists(this.dataDirectory.resolve("postmaster.pid"))) {
			return;
		}
		run(asPostgres(
				List.of(binary("pg_ctl"), "-D", this.dataDirectory.toString(), "-m", "immediate", "-w", "stop")));
	}

	/**
	 * Stops, with a shutdown checkpoint, a server that something else started on
	 * {@code dataDirectory} (a recovery, say); nothing when none runs there.
	 */
	public static void stopServerOf(Path dataDirectory) {
		if (Files.exists(dataDirectory.resolve("postmaster.pid"))) {
			run(asPostgres(List.of(binary("pg_ctl"), "-D", dataDirectory.toString(), "-m", "fast", "-w", "stop")));
		}
	}

	/** A server binary of the local installation, e.g. {@code pg_ctl}. */
	public static String binary(String name) {
		String bindir = run(List.of("pg_config", "--bindir")).strip();
		return Path.of(bindir, name).toString();
	}

	private static boolean isRoot() {
		return "root".equals(System.getProperty("user.name"));
	}

	private static List<String> asPostgres(List<String> command) {
		if (!isRoot()) {
			return command;
		}
		List<String> wrapped = new ArrayList<>(List.of("runuser", "-u", "postgres", "--"));
		wrapped.addAll(command);
		return wrapped;
	}

	private static String run(List<String> command) {
		try {
			Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
			String output = new String(process.getInputStream().readAllBytes());
			if (!process.waitFor(3, TimeUnit.MINUTES) || process.exitValue() != 0) {
				throw new IllegalStateException(command + " failed: " + output);
			}
			return output;
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException(ex);
		}
	}

	private static int freePort() throws IOException {
		try (ServerSocket socket = new ServerSocket(0)) {
			return socket.getLocalPort();
		}
	}

}
