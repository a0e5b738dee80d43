package io.drbatch.jobs.walarchive;

import org.springframework.batch.infrastructure.item.ExecutionContext;

import io.drbatch.jobs.backup.WalArchiveRun;

/**
 * Keys wal-archive keeps in its job execution context: what the run stored and how far
 * the archive reaches, read by {@code drbatch history}, status and metrics.
 */
public final class WalArchiveContext {

	public static final String DATABASE = "drbatch.wal.database";

	public static final String SYSTEM_IDENTIFIER = "drbatch.wal.system-identifier";

	public static final String SEGMENTS_STORED = "drbatch.wal.segments-stored";

	public static final String ARCHIVED_THROUGH = "drbatch.wal.archived-through";

	public static final String SERVER_AT = "drbatch.wal.server-at";

	/**
	 * When the run switched segments: everything written on the server before it is in
	 * the archive.
	 */
	public static final String CURRENT_AT_MILLIS = "drbatch.wal.current-at-millis";

	public static final String SLOT_RETAINED_BYTES = "drbatch.wal.slot-retained-bytes";

	private WalArchiveContext() {
	}

	static void record(ExecutionContext context, WalArchiveRun.Report report) {
		context.putString(DATABASE, report.database());
		context.putString(SYSTEM_IDENTIFIER, report.systemIdentifier());
		context.putInt(SEGMENTS_STORED, report.segmentsStored());
		if (report.archivedThrough() != null) {
			context.putString(ARCHIVED_THROUGH, report.archivedThrough().toString());
		}
		context.putString(SERVER_AT, report.serverAt().toString());
		context.putLong(CURRENT_AT_MILLIS, report.switchedAt().toEpochMilli());
		context.putLong(SLOT_RETAINED_BYTES, report.slotRetainedBytes());
		context.putLong("drbatch.bytes.in", report.bytesReceived());
		context.putLong("drbatch.bytes.out", report.bytesStored());
	}

}
