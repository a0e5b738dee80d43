package io.drbatch.manifest;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;

import io.drbatch.codec.Compression;
import io.drbatch.pg.DumpFormat;

/**
 * Where a backup's objects live in a bucket, relative to the target prefix: <pre>
 * &lt;tier&gt;/&lt;database&gt;/&lt;backupId&gt;/dump.&lt;format ext&gt;[.&lt;compression ext&gt;]
 * &lt;tier&gt;/&lt;database&gt;/&lt;backupId&gt;/manifest.json      (written last)
 * </pre> Key names locate objects; they never decide which backup is newest (manifests
 * do).
 */
public final class BackupLayout {

	public static final String MANIFEST = "manifest.json";

	public static final DateTimeFormatter BACKUP_ID = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'")
		.withZone(ZoneOffset.UTC);

	private BackupLayout() {
	}

	public static String newBackupId(Instant now) {
		return BACKUP_ID.format(now.truncatedTo(ChronoUnit.SECONDS));
	}

	/** The folder of one backup, with a trailing slash. */
	public static String folder(Tier tier, String database, String backupId) {
		return tier.id() + "/" + database + "/" + backupId + "/";
	}

	public static String manifestKey(Tier tier, String database, String backupId) {
		return folder(tier, database, backupId) + MANIFEST;
	}

	public static String dumpKey(Tier tier, String database, String backupId, DumpFormat format,
			Compression compression) {
		return folder(tier, database, backupId) + "dump." + format.extension() + compression.suffix();
	}

}
