package io.drbatch.jobs.dailydump;

import io.drbatch.manifest.Tier;

/**
 * Keys daily-dump keeps in its job execution context. Spring Batch carries the job
 * execution context over to a relaunch, so the backup id chosen by the first attempt is
 * reused by every later one: one job instance (database + date) makes exactly one backup
 * folder.
 */
final class DailyDumpContext {

	static final String BACKUP_ID = "drbatch.backup.id";

	/**
	 * The manifest as it will be written, minus creation time and job reference (JSON).
	 */
	static final String MANIFEST_DRAFT = "drbatch.manifest.draft";

	static final String MANIFEST_KEY = "drbatch.manifest.key";

	static final String BYTES_IN = "drbatch.bytes.in";

	static final String BYTES_OUT = "drbatch.bytes.out";

	static final String COMPRESSION_RATIO = "drbatch.compression.ratio";

	static final String DUMP_MILLIS = "drbatch.dump.duration.ms";

	static final String TABLES = "drbatch.tables";

	static final Tier TIER = Tier.DAILY;

	private DailyDumpContext() {
	}

}
