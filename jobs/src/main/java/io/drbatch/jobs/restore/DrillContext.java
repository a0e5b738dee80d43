package io.drbatch.jobs.restore;

/**
 * Keys restore-drill and restore keep in their job execution context, carried over to a
 * relaunch: the backup chosen and the database restored into stay the same across
 * attempts of one drill or restore.
 */
public final class DrillContext {

	public static final String MANIFEST_KEY = "drbatch.drill.manifest";

	/**
	 * The storage target the backup is read from (absent in executions from before
	 * targets could be chosen: the primary).
	 */
	public static final String STORE_TARGET = "drbatch.drill.store.target";

	/**
	 * The database restored into: the drill's scratch database, or the recovery's target.
	 */
	public static final String TARGET_DATABASE = "drbatch.drill.scratch";

	/**
	 * Set once this execution has created the target database: a relaunch drops and
	 * recreates it.
	 */
	public static final String TARGET_CREATED = "drbatch.drill.scratch.created";

	/**
	 * Set when the target database existed before the restore (empty, or replaced by
	 * --force): dropped first.
	 */
	public static final String TARGET_REPLACED = "drbatch.drill.target.replaced";

	public static final String STARTED_MILLIS = "drbatch.drill.started";

	public static final String DOWNLOAD_MILLIS = "drbatch.drill.download.ms";

	public static final String RESTORE_MILLIS = "drbatch.drill.restore.ms";

	/**
	 * Time spent waiting for a backup in cold storage to become readable (0 for a backup
	 * that is not).
	 */
	public static final String COLD_WAIT_MILLIS = "drbatch.drill.cold.wait.ms";

	/**
	 * JSON list of {@link TableCheck}, written chunk by chunk by the verify step and
	 * promoted to the job.
	 */
	public static final String TABLE_CHECKS = "drbatch.drill.checks";

	/** JSON list of {@link CheckResult}. */
	public static final String CHECKS = "drbatch.drill.checks.custom";

	public static final String VERIFY_MILLIS = "drbatch.drill.verify.ms";

	public static final String RESULT = "drbatch.drill.result";

	public static final String RTO_MILLIS = "drbatch.drill.rto.ms";

	public static final String RPO_MILLIS = "drbatch.drill.rpo.ms";

	public static final String REPORT_KEY = "drbatch.drill.report";

	/**
	 * Why the drill or restore failed, as its report says ("; " between reasons); absent
	 * when it passed.
	 */
	static final String FAILURES = "drbatch.drill.failures";

	private DrillContext() {
	}

	/** The target the backup of this drill or restore is read from. */
	static io.drbatch.store.ObjectStore backupStore(io.drbatch.jobs.wiring.StoreTargets targets,
			org.springframework.batch.infrastructure.item.ExecutionContext context) {
		return context.containsKey(STORE_TARGET) ? targets.get(context.getString(STORE_TARGET)) : targets.primary();
	}

}
