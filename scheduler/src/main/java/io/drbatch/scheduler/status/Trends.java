package io.drbatch.scheduler.status;

import java.time.Instant;
import java.util.List;

/**
 * What the status page plots over a window of days: each backup's stored size and
 * duration, each drill's RTO against its target, each secondary target's replication lag
 * as each replicate run measured it, and for each source with point-in-time recovery the
 * age of its newest restorable point over time. Served as {@code /api/trends} (schema:
 * docs/STATUS-API.md). Durations are milliseconds, times ISO-8601 UTC, every list oldest
 * first. Holds no secret. Immutable.
 *
 * @param from, to the window
 */
public record Trends(Instant from, Instant to, int days, List<BackupRun> backups, List<DrillRun> drills,
		List<ReplicationSample> replication, List<RestorePointAge> walArchive) {

	/**
	 * A completed daily-dump ({@code kind} {@code dump}) or base-backup ({@code base}).
	 *
	 * @param at when it ended
	 * @param storedBytes what it wrote to the primary target, {@code null} when not
	 * recorded
	 */
	public record BackupRun(String database, String kind, Instant at, long durationMillis, Long storedBytes,
			long executionId) {
	}

	/**
	 * A drill as its report states it.
	 *
	 * @param kind {@code dump} or {@code pitr}
	 * @param reportId the report's folder under {@code drills/<database>/}
	 */
	public record DrillRun(String database, String kind, Instant started, long rtoMillis, long rtoTargetMillis,
			String result, String reportId) {
	}

	/**
	 * How far a secondary target was behind the primary when a replicate run ended.
	 *
	 * @param lagMillis the largest per-database lag between the primary's newest backup
	 * and the target's newest copy; {@code null} when some database had no copy there or
	 * the target was down
	 * @param status {@code UP-TO-DATE}, {@code BEHIND} or {@code DOWN}
	 */
	public record ReplicationSample(String target, Instant at, Long lagMillis, int backupsBehind, String status,
			long executionId) {
	}

	/**
	 * The age of a source's newest point-in-time restore point at one instant: it grows
	 * between wal-archive runs and drops when a run has archived through its segment
	 * switch, so the points trace a saw-tooth whose peaks are the worst data loss a
	 * failure at that moment would have caused.
	 */
	public record RestorePointAge(String database, Instant at, long ageMillis, long rpoTargetMillis) {
	}

}
