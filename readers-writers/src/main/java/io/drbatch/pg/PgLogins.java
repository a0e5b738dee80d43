package io.drbatch.pg;

import java.sql.SQLException;
import java.util.Set;

/**
 * Tells a refused login from an unreachable or failing server, in any failure that
 * carries a PostgreSQL error: SQLSTATE 28P01 (wrong password) and 28000 (unknown role, no
 * pg_hba entry, a required password missing), and the driver's own refusal when the
 * server asks for a password none was given for. Stateless.
 */
public final class PgLogins {

	private static final Set<String> REFUSED = Set.of("28P01", "28000");

	private PgLogins() {
	}

	/** Whether {@code failure} or one of its causes is the server refusing the login. */
	public static boolean refused(Throwable failure) {
		for (Throwable cause = failure; cause != null; cause = cause.getCause() == cause ? null : cause.getCause()) {
			if (cause instanceof SQLException sql) {
				if (REFUSED.contains(sql.getSQLState())) {
					return true;
				}
				String message = sql.getMessage();
				if ("08004".equals(sql.getSQLState()) && message != null
						&& message.contains("no password was provided")) {
					return true;
				}
			}
		}
		return false;
	}

}
