package io.drbatch.jobs.runcontrol;

/**
 * The command that relaunches a job execution, as every message, listing, page and JSON
 * document shows it (tests and runbooks look for this exact text).
 */
public final class Relaunch {

	private Relaunch() {
	}

	/** {@code drbatch restart <executionId>}. */
	public static String command(Object executionId) {
		return "drbatch restart " + executionId;
	}

}
