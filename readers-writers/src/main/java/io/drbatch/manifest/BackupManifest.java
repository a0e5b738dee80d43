package io.drbatch.manifest;

import java.time.Instant;
import java.util.List;

/**
 * The description of one backup, stored as {@code manifest.json} beside its data and
 * written last: its presence is what makes the objects next to it a backup. Everything
 * needed to restore and verify the backup without drbatch's job repository is here.
 *
 * @param formatVersion manifest schema version, {@value #FORMAT_VERSION} for this class;
 * version 1 counted an inheritance parent's rows with its children's, version 2 counts
 * each table's own rows ({@link #countsOwnRows()})
 * @param backupId the backup's folder name, {@code yyyyMMdd'T'HHmmss'Z'}
 * @param database the configured source name (bucket keys and job parameters use it)
 * @param tier the tier, written as {@code daily}, {@code weekly} or {@code monthly}
 * @param createdAt when the manifest was written
 */
public record BackupManifest(int formatVersion, String backupId, String database, Tier tier, Instant createdAt,
		Source source, Dump dump, List<StoredObject> objects, List<TableRows> tables, Job job, Instant retainUntil) {

	public static final int FORMAT_VERSION = 2;

	/** A manifest of a backup whose objects carry no Object Lock retention. */
	public BackupManifest(int formatVersion, String backupId, String database, Tier tier, Instant createdAt,
			Source source, Dump dump, List<StoredObject> objects, List<TableRows> tables, Job job) {
		this(formatVersion, backupId, database, tier, createdAt, source, dump, objects, tables, job, null);
	}

	/**
	 * @param snapshotTime start of the exported snapshot's transaction: the instant the
	 * backup shows
	 * @param snapshotWalPosition the server's WAL position read just after the snapshot
	 * was taken (a point-in-time recovery to it shows what the dump shows, but for
	 * transactions that committed in between); {@code null} in manifests written before
	 * drbatch recorded it
	 * @param snapshotWalPositionExact {@code true} when the position is the consistent
	 * point of the temporary logical slot that exported the snapshot (a recovery that
	 * stops just before it shows exactly what the dump shows); {@code null} in older
	 * manifests
	 * @param snapshotTransactions the snapshot's {@code txid_current_snapshot()}: which
	 * transactions it sees; {@code null} in older manifests
	 */
	public record Source(String databaseName, String host, int port, String serverVersion, int serverVersionNum,
			Instant snapshotTime, String snapshotId, String snapshotWalPosition, Boolean snapshotWalPositionExact,
			String snapshotTransactions) {

		/** A source without the snapshot's WAL position. */
		public Source(String databaseName, String host, int port, String serverVersion, int serverVersionNum,
				Instant snapshotTime, String snapshotId) {
			this(databaseName, host, port, serverVersion, serverVersionNum, snapshotTime, snapshotId, null, null, null);
		}

		/**
		 * Whether {@link #snapshotWalPosition()} is a logical slot's consistent point,
		 * which separates exactly the transactions the snapshot saw from the rest.
		 */
		public boolean walPositionExact() {
			return Boolean.TRUE.equals(this.snapshotWalPositionExact);
		}

	}

	/**
	 * @param format {@code custom} or {@code plain}
	 * @param compression {@code zstd}, {@code gzip} or {@code none}
	 * @param encryptionKeyId id of the key that encrypted the objects, or {@code null}
	 * when not encrypted
	 * @param uncompressedBytes bytes pg_dump wrote
	 */
	public record Dump(String format, String toolVersion, String compression, int compressionLevel,
			String encryptionKeyId, long uncompressedBytes, long durationMillis) {
	}

	/**
	 * @param key key relative to the target prefix
	 * @param sha256 hex SHA-256 of the bytes as stored
	 * @param s3Checksum the store's composite checksum ({@code base64-N}), when it
	 * reported one
	 */
	public record StoredObject(String role, String key, long size, String sha256, String s3Checksum, int partCount,
			long partSize) {
	}

	public record TableRows(String schema, String table, long rows) {
	}

	public record Job(String name, long instanceId, long executionId, String drbatchVersion) {
	}

	/**
	 * Whether {@link #tables()} counts each table's own rows
	 * ({@code SELECT count(*) FROM ONLY}).
	 */
	public boolean countsOwnRows() {
		return this.formatVersion >= 2;
	}

	public long totalStoredBytes() {
		return this.objects.stream().mapToLong(StoredObject::size).sum();
	}

}
