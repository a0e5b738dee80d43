package io.drbatch.manifest;

import java.time.Instant;
import java.util.List;

/**
 * The description of one physical base backup, stored as {@code manifest.json} beside its
 * data and written last, once the WAL archive holds the backup's stop segment: its
 * presence is what makes the object next to it a base backup that point-in-time recovery
 * can start from. Everything a restore needs to choose it, check its WAL chain and verify
 * its bytes is here.
 *
 * @param systemIdentifier the cluster's system identifier: the WAL chain it belongs to
 * ({@code wal/<database>/<system identifier>/})
 * @param startLsn where recovery from this backup starts (backup_label's START WAL
 * LOCATION)
 * @param stopLsn where recovery from it first reaches consistency (the end of
 * backup_manifest's WAL range)
 * @param startSegment the WAL segment holding {@code startLsn}
 * @param stopSegment the WAL segment holding the last byte before {@code stopLsn}: the
 * archive must hold every segment from {@code startSegment} to it, and this manifest was
 * written only once it did
 * @param tarBytes bytes of the tar pg_basebackup wrote (before compression)
 */
public record BaseBackupManifest(int formatVersion, String backupId, String database, Instant createdAt,
		String systemIdentifier, String serverVersion, int serverVersionNum, int timeline, String startLsn,
		String stopLsn, String startSegment, String stopSegment, Instant startTime, Instant stopTime, long segmentSize,
		String compression, String encryptionKeyId, long tarBytes, List<BackupManifest.StoredObject> objects,
		BackupManifest.Job job, Instant retainUntil) {

	public static final int FORMAT_VERSION = 1;

	public BaseBackupManifest {
		objects = objects == null ? List.of() : List.copyOf(objects);
	}

	public long totalStoredBytes() {
		return this.objects.stream().mapToLong(BackupManifest.StoredObject::size).sum();
	}

	/**
	 * This manifest with the job that wrote it, the time it was written and the retention
	 * it was locked until.
	 */
	public BaseBackupManifest published(BackupManifest.Job job, Instant createdAt, Instant retainUntil) {
		return new BaseBackupManifest(this.formatVersion, this.backupId, this.database, createdAt,
				this.systemIdentifier, this.serverVersion, this.serverVersionNum, this.timeline, this.startLsn,
				this.stopLsn, this.startSegment, this.stopSegment, this.startTime, this.stopTime, this.segmentSize,
				this.compression, this.encryptionKeyId, this.tarBytes, this.objects, job, retainUntil);
	}

}
