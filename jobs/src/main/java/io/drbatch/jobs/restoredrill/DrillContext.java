package io.drbatch.jobs.restoredrill;

/**
 * Keys restore-drill keeps in its job execution context, carried over to a relaunch: the backup chosen and the
 * scratch database name stay the same across attempts of one drill.
 */
final class DrillContext {

	static final String MANIFEST_KEY = "drbatch.drill.manifest";

	static final String SCRATCH_DATABASE = "drbatch.drill.scratch";

	static final String SCRATCH_CREATED = "drbatch.drill.scratch.created";

	static final String STARTED_MILLIS = "drbatch.drill.started";

	static final String DOWNLOAD_MILLIS = "drbatch.drill.download.ms";

	static final String RESTORE_MILLIS = "drbatch.drill.restore.ms";

	/** JSON list of {@link TableCheck}, written chunk by chunk by the verify step and promoted to the job. */
	static final String TABLE_CHECKS = "drbatch.drill.checks";

	/** JSON list of {@link CheckResult}. */
	static final String CHECKS = "drbatch.drill.checks.custom";

	static final String VERIFY_MILLIS = "drbatch.drill.verify.ms";

	static final String RESULT = "drbatch.drill.result";

	static final String RTO_MILLIS = "drbatch.drill.rto.ms";

	static final String RPO_MILLIS = "drbatch.drill.rpo.ms";

	static final String REPORT_KEY = "drbatch.drill.report";

	private DrillContext() {
	}

}
