package io.drbatch.jobs.runcontrol;

import java.sql.SQLException;
import java.util.concurrent.Callable;
import java.util.concurrent.ThreadLocalRandom;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.dao.ConcurrencyFailureException;

/**
 * Launches a job again when creating its execution lost a serialization conflict in the
 * job repository. Spring Batch creates a job execution in a SERIALIZABLE transaction (so
 * that two processes cannot both start one job instance); on PostgreSQL, two launches of
 * different instances at the same moment (sources run side by side, scheduler fires of
 * the same minute) can fail that transaction with "could not serialize access" (SQLSTATE
 * 40001) or a deadlock (40P01). The transaction rolled back whole, so nothing was created
 * and the launch is safely tried again, after a short random pause, up to
 * {@link #ATTEMPTS} times. Stateless; thread-safe.
 */
public final class LaunchRetry {

	private static final Logger log = LoggerFactory.getLogger(LaunchRetry.class);

	static final int ATTEMPTS = 8;

	private LaunchRetry() {
	}

	public static <T> T launch(String what, Callable<T> launch) throws Exception {
		for (int attempt = 1;; attempt++) {
			try {
				return launch.call();
			}
			catch (Exception ex) {
				if (attempt >= ATTEMPTS || !lostSerializationConflict(ex)) {
					throw ex;
				}
				long pause = 50L * attempt + ThreadLocalRandom.current().nextLong(100);
				log.info("Launch of {} lost a serialization conflict in the job repository (attempt {} of {});"
						+ " trying again in {} ms", what, attempt, ATTEMPTS, pause);
				Thread.sleep(pause);
			}
		}
	}

	/**
	 * Whether {@code failure} is, or was caused by, a serialization failure or deadlock.
	 */
	static boolean lostSerializationConflict(Throwable failure) {
		for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
			if (cause instanceof ConcurrencyFailureException) {
				return true;
			}
			if (cause instanceof SQLException sql
					&& ("40001".equals(sql.getSQLState()) || "40P01".equals(sql.getSQLState()))) {
				return true;
			}
		}
		return false;
	}

}
