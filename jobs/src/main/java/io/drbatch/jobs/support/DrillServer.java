package io.drbatch.jobs.support;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

import io.drbatch.failure.DrbatchException;
import io.drbatch.failure.FailureKind;
import io.drbatch.jobs.config.DrbatchProperties;
import io.drbatch.pg.PgConnectionSpec;

/**
 * The PostgreSQL server that restore drills restore into: creates and drops scratch databases through its
 * {@code postgres} maintenance database. Thread-safe.
 */
public class DrillServer {

	private final DrbatchProperties.Drill drill;

	public DrillServer(DrbatchProperties.Drill drill) {
		this.drill = drill;
	}

	public PgConnectionSpec spec(String database) {
		return new PgConnectionSpec("drill", this.drill.host(), this.drill.port(), database, this.drill.username(),
				SourceDatabases.readPassword(this.drill.password(), this.drill.passwordFile(), "the drill server"), null);
	}

	/** Whether {@code source} is on this server: same port and the same host, loopback names taken as one. */
	public boolean hosts(PgConnectionSpec source) {
		return source.port() == this.drill.port() && normalise(source.host()).equals(normalise(this.drill.host()));
	}

	private static String normalise(String host) {
		String lower = host.toLowerCase(java.util.Locale.ROOT);
		return lower.equals("localhost") || lower.equals("::1") || lower.startsWith("127.") ? "loopback" : lower;
	}

	public boolean exists(String database) {
		try (Connection connection = spec("postgres").open("drbatch-drill");
				PreparedStatement statement = connection.prepareStatement("SELECT 1 FROM pg_database WHERE datname = ?")) {
			statement.setString(1, database);
			try (ResultSet rs = statement.executeQuery()) {
				return rs.next();
			}
		}
		catch (SQLException ex) {
			throw unavailable(ex);
		}
	}

	/** Databases whose name starts with {@code prefix} and that nobody is connected to. */
	public java.util.List<String> idleDatabasesStartingWith(String prefix) {
		String sql = "SELECT d.datname FROM pg_database d WHERE starts_with(d.datname, ?) "
				+ "AND NOT EXISTS (SELECT 1 FROM pg_stat_activity a WHERE a.datname = d.datname) ORDER BY 1";
		java.util.List<String> names = new java.util.ArrayList<>();
		try (Connection connection = spec("postgres").open("drbatch-drill");
				PreparedStatement statement = connection.prepareStatement(sql)) {
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

	public void drop(String database) {
		execute("DROP DATABASE IF EXISTS " + quote(database) + " WITH (FORCE)");
	}

	private void execute(String sql) {
		try (Connection connection = spec("postgres").open("drbatch-drill");
				Statement statement = connection.createStatement()) {
			statement.execute(sql);
		}
		catch (SQLException ex) {
			throw unavailable(ex);
		}
	}

	private DrbatchException unavailable(SQLException ex) {
		return new DrbatchException(FailureKind.DATABASE_UNAVAILABLE, "drill server " + this.drill.host() + ":"
				+ this.drill.port() + " refused: " + ex.getMessage().lines().findFirst().orElse(""), ex);
	}

	private static String quote(String identifier) {
		return "\"" + identifier.replace("\"", "\"\"") + "\"";
	}

}
