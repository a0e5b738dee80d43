package io.drbatch.jobs.restore;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * The outcome of one restore drill or restore, stored as {@code report.json} (for
 * machines) and {@code report.md} (for people) under {@code drills/<database>/<time>/} (a
 * drill) or {@code restores/<database>/<time>/} (a recovery) in the bucket, and kept in
 * the job repository.
 *
 * @param scratchDatabase the database restored into: the drill's scratch database or the
 * recovery's target
 * @param coldWaitMillis time spent waiting for a backup in cold storage to be restored by
 * the store (in the RTO); {@code null} in reports written before it was recorded
 * @param rtoMillis measured recovery time: from the start of the drill to the end of the
 * row-count check
 * @param rpoMillis the backup's age when the drill started (drill start minus snapshot
 * time); for a PITR drill, the age of the newest archived WAL when it started; -1 when
 * the drill failed before it was known
 * @param pitr what a PITR drill recovered and how it compared ({@code null} for the other
 * kinds)
 */
public record DrillReport(String result, String database, String backupId, String target, String scratchDatabase,
		Instant snapshotTime, Instant drillStarted, Instant drillFinished, long downloadMillis, long restoreMillis,
		long verifyMillis, long rtoMillis, long rtoTargetMillis, long rpoMillis, long rpoTargetMillis,
		List<TableCheck> tables, List<String> extraTables, List<CheckResult> checks, List<String> failures,
		long executionId, String kind, Long coldWaitMillis, PitrDetails pitr) {

	/** A report of a dump drill or restore, without PITR details. */
	public DrillReport(String result, String database, String backupId, String target, String scratchDatabase,
			Instant snapshotTime, Instant drillStarted, Instant drillFinished, long downloadMillis, long restoreMillis,
			long verifyMillis, long rtoMillis, long rtoTargetMillis, long rpoMillis, long rpoTargetMillis,
			List<TableCheck> tables, List<String> extraTables, List<CheckResult> checks, List<String> failures,
			long executionId, String kind, Long coldWaitMillis) {
		this(result, database, backupId, target, scratchDatabase, snapshotTime, drillStarted, drillFinished,
				downloadMillis, restoreMillis, verifyMillis, rtoMillis, rtoTargetMillis, rpoMillis, rpoTargetMillis,
				tables, extraTables, checks, failures, executionId, kind, coldWaitMillis, null);
	}

	/**
	 * What a PITR drill recovered, and how its row counts were compared with the dump.
	 *
	 * @param recoveryTarget where recovery was asked to stop, as the report says it
	 * @param comparison {@code exact} (to a logical slot's consistent point: every count
	 * must match), {@code approximate} (to the WAL position read after the dump's
	 * snapshot: a table may differ by rows written in between) or {@code none} (a time
	 * not matching any dump)
	 * @param dumpBackupId the dump whose manifest the counts were compared with
	 * @param baseBackupId the base backup recovery started from
	 * @param lastReplayedCommit commit time of the last transaction replayed, or
	 * {@code null}
	 * @param explained tables that differ only by rows the dump's snapshot did not see
	 * (approximate comparison)
	 * @param amcheck {@code ok}, {@code skipped: why} or the corruption pg_amcheck
	 * reported
	 * @param window the recoverable window when the drill started
	 */
	public record PitrDetails(String recoveryTarget, String comparison, String dumpBackupId, String baseBackupId,
			String recoveredLsn, int timeline, Instant lastReplayedCommit, long walSegments, long walBytes,
			long replayMillis, List<TableDifference> explained, String amcheck, String window) {
	}

	/**
	 * A table whose recovered count differs from the dump's by rows written by
	 * transactions the dump's snapshot did not see.
	 */
	public record TableDifference(String table, long dumpRows, long recoveredRows, long rowsUnseenByDump) {
	}

	/** {@link #kind()} of a point-in-time recovery drill. */
	public static final String PITR_DRILL = "pitr-drill";

	public boolean describesPitrDrill() {
		return PITR_DRILL.equals(this.kind);
	}

	/** A restore drill of a daily dump (reports without a kind are). */
	public boolean describesDumpDrill() {
		return describesDrill() && !describesPitrDrill();
	}

	/**
	 * {@link #kind()} of a drill; reports written before kinds were recorded have none
	 * and are drills too.
	 */
	public static final String DRILL = "drill";

	/** {@link #kind()} of a real restore ({@code drbatch restore}). */
	public static final String RESTORE = "restore";

	public static final String PASSED = "PASSED";

	public static final String FAILED = "FAILED";

	public boolean describesDrill() {
		return !RESTORE.equals(this.kind);
	}

	/**
	 * Stores this report as {@code drills/<database>/<start>/report.json} (or
	 * {@code restores/...}) and {@code report.md}.
	 * @return the key of {@code report.json}
	 */
	public String store(io.drbatch.store.ObjectStore store) {
		String folder = (describesDrill() ? "drills/" : "restores/") + this.database + "/"
				+ io.drbatch.manifest.BackupLayout.newBackupId(this.drillStarted) + "/";
		store.put(folder + "report.json", io.drbatch.manifest.ManifestJson.write(this), "application/json");
		store.put(folder + "report.md", markdown().getBytes(java.nio.charset.StandardCharsets.UTF_8), "text/markdown");
		return folder + "report.json";
	}

	/**
	 * Every drill report of {@code database} (every database when {@code null}) in
	 * {@code store}, in no particular order.
	 */
	public static java.util.List<DrillReport> readDrills(io.drbatch.store.ObjectStore store, String database) {
		java.util.List<DrillReport> reports = new java.util.ArrayList<>();
		for (io.drbatch.store.ObjectInfo object : store.list("drills/" + (database != null ? database + "/" : ""))) {
			if (object.key().endsWith("/report.json")) {
				try (java.io.InputStream in = store.get(object.key())) {
					reports
						.add(io.drbatch.manifest.ManifestJson.read(in.readAllBytes(), DrillReport.class, object.key()));
				}
				catch (java.io.IOException ex) {
					throw new java.io.UncheckedIOException("cannot read " + object.key(), ex);
				}
			}
		}
		return reports;
	}

	public boolean passed() {
		return PASSED.equals(this.result);
	}

	public String markdown() {
		StringBuilder md = new StringBuilder();
		md.append(describesPitrDrill() ? "# PITR drill " : describesDrill() ? "# Restore drill " : "# Restore ")
			.append(this.result)
			.append(": ")
			.append(this.database)
			.append("\n\n");
		md.append("| | |\n|---|---|\n");
		if (this.pitr != null) {
			md.append("| recovery | ")
				.append(this.pitr.recoveryTarget())
				.append(" from base backup ")
				.append(this.pitr.baseBackupId() != null ? this.pitr.baseBackupId() : "none selected")
				.append(" |\n");
			if (this.pitr.recoveredLsn() != null) {
				md.append("| recovered | ")
					.append(this.pitr.recoveredLsn())
					.append(" on timeline ")
					.append(this.pitr.timeline())
					.append(", last replayed commit ")
					.append(this.pitr.lastReplayedCommit() != null ? this.pitr.lastReplayedCommit() : "none")
					.append("; ")
					.append(this.pitr.walSegments())
					.append(" WAL segment(s), replay ")
					.append(human(this.pitr.replayMillis()))
					.append(" |\n");
			}
			md.append("| row counts | ").append(comparisonText()).append(" |\n");
			md.append("| amcheck | ")
				.append(this.pitr.amcheck() != null ? this.pitr.amcheck() : "not run")
				.append(" |\n");
			md.append("| recoverable window | ").append(this.pitr.window()).append(" |\n");
		}
		md.append(this.pitr != null ? "| compared with dump | " : "| backup | ")
			.append(this.backupId != null ? this.backupId : "none selected")
			.append(this.snapshotTime != null ? " (snapshot " + this.snapshotTime + ")" : "")
			.append(" on target ")
			.append(this.target)
			.append(" |\n");
		md.append(this.pitr != null ? "| scratch data directory | "
				: describesDrill() ? "| scratch database | " : "| restored into | ")
			.append(this.scratchDatabase)
			.append(" |\n");
		md.append(describesDrill() ? "| drill | " : "| restore | ")
			.append(this.drillStarted)
			.append(" to ")
			.append(this.drillFinished)
			.append(" |\n");
		md.append("| RTO | ")
			.append(human(this.rtoMillis))
			.append(" (target ")
			.append(human(this.rtoTargetMillis))
			.append(this.rtoMillis <= this.rtoTargetMillis ? ", met" : ", MISSED")
			.append(") |\n");
		if (this.rpoMillis >= 0) {
			md.append(this.pitr != null ? "| RPO (age of the newest archived WAL) | " : "| RPO | ")
				.append(human(this.rpoMillis))
				.append(" (target ")
				.append(human(this.rpoTargetMillis))
				.append(this.rpoMillis <= this.rpoTargetMillis ? ", met" : ", MISSED")
				.append(") |\n");
		}
		if (this.pitr != null) {
			md.append("| phases | recovery (base backup and WAL downloaded, verified, replayed) ")
				.append(human(this.restoreMillis))
				.append(", row counts and checks ")
				.append(human(this.verifyMillis))
				.append(" |\n\n");
		}
		else {
			md.append("| phases | ")
				.append(this.coldWaitMillis != null && this.coldWaitMillis > 0
						? "cold-storage wait " + human(this.coldWaitMillis) + ", " : "")
				.append("restore ")
				.append(human(this.restoreMillis))
				.append(" (download + verify ")
				.append(human(this.downloadMillis))
				.append(" of it)")
				.append(", row counts ")
				.append(human(this.verifyMillis))
				.append(" |\n\n");
		}
		md.append("| table | manifest rows | restored rows | |\n|---|---:|---:|---|\n");
		for (TableCheck check : this.tables) {
			md.append("| ")
				.append(check.schema())
				.append('.')
				.append(check.table())
				.append(" | ")
				.append(check.expected())
				.append(" | ")
				.append(check.restored() < 0 ? "missing" : String.valueOf(check.restored()))
				.append(" | ")
				.append(check.passed() ? "ok" : "DIFFERS")
				.append(" |\n");
		}
		if (this.pitr != null && !this.pitr.explained().isEmpty()) {
			md.append("\nDiffering by rows the dump's snapshot did not see (written between its snapshot and the WAL"
					+ " position it recorded):\n\n| table | dump rows | recovered rows | rows unseen by the dump |\n"
					+ "|---|---:|---:|---:|\n");
			for (TableDifference difference : this.pitr.explained()) {
				md.append("| ")
					.append(difference.table())
					.append(" | ")
					.append(difference.dumpRows())
					.append(" | ")
					.append(difference.recoveredRows())
					.append(" | ")
					.append(difference.rowsUnseenByDump())
					.append(" |\n");
			}
		}
		for (String extra : this.extraTables) {
			md.append("| ").append(extra).append(" | not in manifest | present | EXTRA |\n");
		}
		if (!this.checks.isEmpty()) {
			md.append("\n| check | expected | returned | |\n|---|---|---|---|\n");
			for (CheckResult check : this.checks) {
				md.append("| ")
					.append(check.name())
					.append(" | ")
					.append(check.expected())
					.append(" | ")
					.append(check.error() != null ? "error: " + check.error() : check.actual())
					.append(" | ")
					.append(check.passed() ? "ok" : "FAILED")
					.append(" |\n");
			}
		}
		if (!this.failures.isEmpty()) {
			md.append("\nFailures:\n\n");
			this.failures.forEach(failure -> md.append("- ").append(failure).append('\n'));
		}
		return md.toString();
	}

	private String comparisonText() {
		return switch (this.pitr.comparison()) {
			case "exact" -> "exact: recovered to the consistent point of the dump's snapshot, every count must match";
			case "approximate" -> "approximate: recovered to the WAL position read after the dump's snapshot; a"
					+ " table may differ only by rows the snapshot did not see";
			default -> "not compared: the target is not a dump's snapshot";
		};
	}

	public static String human(long millis) {
		Duration d = Duration.ofMillis(millis);
		if (d.toHours() > 0) {
			return String.format("%dh%02dm", d.toHours(), d.toMinutesPart());
		}
		if (d.toMinutes() > 0) {
			return String.format("%dm%02ds", d.toMinutes(), d.toSecondsPart());
		}
		return String.format("%.1fs", millis / 1000.0);
	}

}
