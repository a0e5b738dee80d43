package io.drbatch.jobs.runcontrol;

import org.springframework.batch.infrastructure.item.ExecutionContext;

/**
 * A job's one-paragraph outcome for the operator, kept in its execution context and
 * printed by the CLI after the execution's status line (e.g. where a recovered server
 * runs and how to stop it).
 */
public final class JobOutcome {

	public static final String KEY = "drbatch.outcome";

	private JobOutcome() {
	}

	public static void record(ExecutionContext context, String outcome) {
		context.putString(KEY, outcome);
	}

}
