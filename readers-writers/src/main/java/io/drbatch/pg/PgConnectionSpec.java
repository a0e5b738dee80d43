package io.drbatch.pg;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Properties;

import io.drbatch.failure.DrbatchException;
import io.drbatch.failure.FailureKind;

/**
 * How to reach one PostgreSQL database. The password is held here only to hand it to the
 * JDBC driver and, through a private pgpass file, to child processes; {@link #toString()}
 * never shows it.
 *
 * @param name the configured name of this database (what job parameters and bucket keys
 * use)
 * @param database the database name on the server
 * @param password the password, or {@code null} for trust, peer or pgpass-based
 * authentication
 */
public record PgConnectionSpec(String name, String host, int port, String database, String username, String password,
		String sslMode) {

	public String jdbcUrl() {
		return "jdbc:postgresql://" + this.host + ":" + this.port + "/" + this.database;
	}

	/** Where this is, for messages: {@code user@host:port/database}. */
	public String describe() {
		return this.username + "@" + this.host + ":" + this.port + "/" + this.database;
	}

	/**
	 * Opens a connection, translating failures to reach or log in into
	 * {@link FailureKind#DATABASE_UNAVAILABLE}.
	 */
	public Connection open(String applicationName) {
		Properties props = new Properties();
		props.setProperty("user", this.username);
		if (this.password != null) {
			props.setProperty("password", this.password);
		}
		props.setProperty("ApplicationName", applicationName);
		props.setProperty("connectTimeout", "10");
		if (this.sslMode != null) {
			props.setProperty("sslmode", this.sslMode);
		}
		try {
			return DriverManager.getConnection(jdbcUrl(), props);
		}
		catch (SQLException ex) {
			throw connectionFailure(ex);
		}
	}

	/**
	 * The failure to connect, as {@link FailureKind#DATABASE_LOGIN_REFUSED} naming the
	 * database and the user (never the password) when the server refused the login, else
	 * {@link FailureKind#DATABASE_UNAVAILABLE}.
	 */
	public DrbatchException connectionFailure(SQLException ex) {
		if (PgLogins.refused(ex)) {
			return new DrbatchException(FailureKind.DATABASE_LOGIN_REFUSED, "database '" + this.name + "' ("
					+ describe() + ") refused the login of user '" + this.username + "': " + firstLine(ex.getMessage()),
					ex);
		}
		return new DrbatchException(FailureKind.DATABASE_UNAVAILABLE,
				"cannot connect to database '" + this.name + "' (" + describe() + "): " + firstLine(ex.getMessage()),
				ex);
	}

	static String firstLine(String message) {
		if (message == null) {
			return "unknown error";
		}
		int newline = message.indexOf('\n');
		return newline < 0 ? message : message.substring(0, newline);
	}

	@Override
	public String toString() {
		return "PgConnectionSpec[" + this.name + " " + describe() + (this.password != null ? " password=***" : "")
				+ "]";
	}

}
