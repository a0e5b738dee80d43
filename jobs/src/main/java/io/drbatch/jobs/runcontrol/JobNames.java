package io.drbatch.jobs.runcontrol;

/**
 * The name of every job, as the job repository records it and the command line, the
 * schedules, the status page and the metrics name it. One place, so that code reading the
 * job repository (trends, status) cannot drift from the jobs that write it.
 */
public final class JobNames {

	public static final String DAILY_DUMP = "daily-dump";

	public static final String RESTORE_DRILL = "restore-drill";

	public static final String RESTORE = "restore";

	public static final String RETENTION = "retention";

	public static final String ARCHIVE_TIERING = "archive-tiering";

	public static final String OBJECT_LOCK_SETUP = "object-lock-setup";

	public static final String REPLICATION = "replication";

	public static final String WAL_ARCHIVE = "wal-archive";

	public static final String BASE_BACKUP = "base-backup";

	public static final String PITR_DRILL = "pitr-drill";

	public static final String PITR_RESTORE = "pitr-restore";

	private JobNames() {
	}

}
