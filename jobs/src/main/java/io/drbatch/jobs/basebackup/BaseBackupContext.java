package io.drbatch.jobs.basebackup;

/**
 * Keys base-backup keeps in its job execution context. Spring Batch carries it over to a
 * relaunch: the backup id chosen by the first attempt is kept, so one database and date
 * never yield two base backups.
 */
final class BaseBackupContext {

	static final String BACKUP_ID = "drbatch.base.backup-id";

	/** The manifest as the backup step left it, for the publish step (JSON). */
	static final String DRAFT = "drbatch.base.draft";

	private BaseBackupContext() {
	}

}
