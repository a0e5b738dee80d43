package io.drbatch.jobs.pitrdrill;

/**
 * Keys pitr-drill keeps in its job execution context, carried over to a relaunch: the
 * storage target, the dump compared with, the recovery target and the scratch data
 * directory stay the same across attempts of one drill. The RTO, RPO, result and report
 * keys are {@link io.drbatch.jobs.restore.DrillContext}'s, so that the drill
 * notifications and listings read every kind of drill alike.
 */
public final class PitrDrillContext {

	public static final String STORE_TARGET = "drbatch.pitr-drill.store.target";

	public static final String STARTED_MILLIS = "drbatch.pitr-drill.started";

	/** The recovery target in {@code RecoveryTarget.format}'s form. */
	public static final String RECOVERY_TARGET = "drbatch.pitr-drill.recovery.target";

	/**
	 * {@code exact}, {@code approximate} or {@code none}: see
	 * {@code DrillReport.PitrDetails}.
	 */
	public static final String COMPARISON = "drbatch.pitr-drill.comparison";

	/**
	 * The manifest key of the dump the counts are compared with (absent for
	 * {@code none}).
	 */
	public static final String DUMP_MANIFEST = "drbatch.pitr-drill.dump.manifest";

	public static final String BASE_BACKUP = "drbatch.pitr-drill.base-backup";

	public static final String WINDOW = "drbatch.pitr-drill.window";

	/**
	 * When the newest archived WAL was written (epoch millis), for the RPO; absent when
	 * unknown.
	 */
	public static final String ARCHIVED_UNTIL_MILLIS = "drbatch.pitr-drill.archived-until";

	public static final String DATA_DIR = "drbatch.pitr-drill.data-dir";

	public static final String PORT = "drbatch.pitr-drill.port";

	public static final String SERVER_VERSION_NUM = "drbatch.pitr-drill.server-version-num";

	public static final String RECOVERED_LSN = "drbatch.pitr-drill.recovered-lsn";

	public static final String LAST_COMMIT = "drbatch.pitr-drill.last-commit";

	public static final String TIMELINE = "drbatch.pitr-drill.timeline";

	public static final String WAL_SEGMENTS = "drbatch.pitr-drill.wal-segments";

	public static final String WAL_BYTES = "drbatch.pitr-drill.wal-bytes";

	public static final String RECOVER_MILLIS = "drbatch.pitr-drill.recover.ms";

	public static final String REPLAY_MILLIS = "drbatch.pitr-drill.replay.ms";

	/** JSON of {@link PitrDrillFindings}, written by the verify step. */
	public static final String FINDINGS = "drbatch.pitr-drill.findings";

	/** When the row counts were done (epoch millis): the end of the RTO. */
	public static final String COUNTED_MILLIS = "drbatch.pitr-drill.counted";

	public static final String VERIFY_MILLIS = "drbatch.pitr-drill.verify.ms";

	/**
	 * The report step's verdict, saved with its report before the cleanup: a relaunch
	 * finishes with it.
	 */
	public static final String VERDICT = "drbatch.pitr-drill.verdict";

	private PitrDrillContext() {
	}

}
