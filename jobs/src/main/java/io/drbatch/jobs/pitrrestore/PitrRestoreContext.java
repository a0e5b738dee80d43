package io.drbatch.jobs.pitrrestore;

import org.springframework.batch.infrastructure.item.ExecutionContext;

import io.drbatch.recovery.PointInTimeRecovery;
import io.drbatch.recovery.RecoveryPlanner;

/**
 * Keys pitr-restore keeps in its job execution context: the plan, and what the recovery
 * reached, read by {@code drbatch history}, the CLI's summary and the tests.
 */
public final class PitrRestoreContext {

	public static final String BASE_BACKUP = "drbatch.pitr.base-backup";

	public static final String TARGET = "drbatch.pitr.target";

	public static final String FIRST_SEGMENT = "drbatch.pitr.first-segment";

	public static final String LAST_NEEDED_SEGMENT = "drbatch.pitr.last-needed-segment";

	public static final String WINDOW = "drbatch.pitr.window";

	public static final String RECOVERED_LSN = "drbatch.pitr.recovered-lsn";

	/**
	 * The commit time of the last transaction replayed (ISO-8601), when there was one.
	 */
	public static final String LAST_COMMIT = "drbatch.pitr.last-commit";

	public static final String TIMELINE = "drbatch.pitr.timeline";

	public static final String RTO_MILLIS = "drbatch.pitr.rto-millis";

	public static final String WAL_SEGMENTS = "drbatch.pitr.wal-segments";

	private PitrRestoreContext() {
	}

	static void recordPlan(ExecutionContext context, RecoveryPlanner.Plan plan) {
		context.putString(BASE_BACKUP, plan.base().backupId());
		context.putString(TARGET, plan.target().describe());
		context.putString(FIRST_SEGMENT, plan.needed().get(0).name());
		context.putString(LAST_NEEDED_SEGMENT, plan.lastNeeded().name());
		context.putString(WINDOW, plan.window().describe());
	}

	static void recordOutcome(ExecutionContext context, PointInTimeRecovery.Outcome outcome, long rtoMillis) {
		context.putString(RECOVERED_LSN, outcome.recovered().position().toString());
		if (outcome.recovered().lastReplayedCommit() != null) {
			context.putString(LAST_COMMIT, outcome.recovered().lastReplayedCommit().toString());
		}
		context.putInt(TIMELINE, outcome.recovered().timeline());
		context.putLong(RTO_MILLIS, rtoMillis);
		context.putLong(WAL_SEGMENTS, outcome.walSegments());
		context.putLong("drbatch.bytes.in", outcome.extracted().storedBytes() + outcome.walBytes());
	}

}
