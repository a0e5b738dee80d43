package io.drbatch.scheduler.status;

import java.time.Instant;
import java.util.List;

/**
 * "Can we recover right now?" as data: what {@code drbatch status} prints, what
 * {@code drbatch status --json} and the web page's {@code /api/status} return, and what
 * the page draws. Durations are milliseconds, times ISO-8601 UTC; a {@code null} means
 * unknown or none. Holds no secret: no connection string, credential or key. Immutable.
 *
 * @param verdict {@link #RECOVERABLE} or {@link #AT_RISK}
 * @param risks why it is at risk, one sentence each naming the database
 * @param walArchiveTarget the storage target the WAL archives are read from
 */
public record StatusReport(Instant at, long rpoTargetMillis, long rtoTargetMillis, String verdict, List<String> risks,
		List<DatabaseStatus> databases, String walArchiveTarget, List<PitrStatus> pitr, Schedule schedule,
		List<AwaitingRelaunch> awaitingRelaunch) {

	public static final String RECOVERABLE = "RECOVERABLE";

	public static final String AT_RISK = "AT RISK";

	/** A source database: its newest dump on each target and its last dump drill. */
	public record DatabaseStatus(String database, List<TargetCopy> targets, Drill lastDrill) {
	}

	/**
	 * The newest dump of a database on one target.
	 *
	 * @param copies how many dumps of the database the target holds (every tier)
	 * @param lag {@code primary}, {@code in step}, {@code <human> behind},
	 * {@code no copy} or {@code -}
	 * @param lagMillis how far this copy's newest snapshot is behind the primary's
	 * ({@code null} on the primary or when either is missing)
	 * @param problem why the target could not be read, or {@code null}
	 */
	public record TargetCopy(String target, String newestBackup, int copies, Instant snapshotTime, Long ageMillis,
			boolean fresh, String lag, Long lagMillis, String problem) {
	}

	/**
	 * A drill's outcome as its report states it.
	 *
	 * @param kind {@code dump} or {@code pitr}
	 * @param reportId the report's folder name under {@code drills/<database>/}
	 * @param recoveredLsn, comparison a PITR drill's recovered WAL position and how its
	 * counts were compared ({@code null} for a dump drill)
	 */
	public record Drill(String kind, String result, Instant started, long rtoMillis, long rtoTargetMillis,
			long rpoMillis, long rpoTargetMillis, String backupId, String target, String reportId,
			List<String> failures, String recoveredLsn, String comparison) {
	}

	/**
	 * Point-in-time recovery of a source.
	 *
	 * @param restorableTo the newest moment the archive holds everything up to
	 * @param windowFrom, windowTo the recoverable window (oldest base backup's end to
	 * {@code restorableTo})
	 * @param chain {@code ok}, {@code BROKEN} or {@code UNREADABLE}
	 */
	public record PitrStatus(String database, Instant restorableTo, Long ageMillis, long rpoTargetMillis,
			boolean current, String archivedThrough, Long slotRetainedBytes, String newestBaseBackup, String chain,
			Instant windowFrom, Instant windowTo, Drill lastDrill, String problem) {
	}

	/**
	 * The Quartz schedule in the job repository.
	 *
	 * @param registered whether any scheduler ever registered its tables there
	 */
	public record Schedule(boolean registered, int liveSchedulers, List<Fire> fires) {
	}

	public record Fire(String trigger, Instant next, String cron, String state) {
	}

	/**
	 * The last execution of a job instance that failed, stopped or died, and the command
	 * that relaunches it.
	 *
	 * @param database the source it ran for, {@code null} for a job without one
	 */
	public record AwaitingRelaunch(long executionId, String job, String database, String status, Instant started,
			String parameters, String relaunch) {
	}

	public boolean recoverable() {
		return RECOVERABLE.equals(this.verdict);
	}

}
