package io.drbatch.testing;

import java.security.MessageDigest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import io.drbatch.codec.Sha256;
import io.drbatch.manifest.BackupLayout;
import io.drbatch.manifest.BackupManifest;
import io.drbatch.manifest.ManifestJson;
import io.drbatch.manifest.Tier;
import io.drbatch.store.ObjectInfo;
import io.drbatch.store.ObjectStore;
import io.drbatch.store.UploadSession;
import io.drbatch.store.UploadedPart;

/**
 * Backups written straight into a store, as daily-dump would have written them (a
 * multipart dump object with SHA-256 part checksums, then its manifest), for tests of the
 * jobs that read backups: replication, tiering, retention, drills. The bytes are random
 * from a seed, streamed a part at a time.
 */
public final class TestBackups {

	private TestBackups() {
	}

	/**
	 * A backup of {@code database} in {@code tier} taken at {@code snapshot}: one object
	 * of {@code size} random bytes (seeded by {@code seed}) in parts of {@code partSize},
	 * and its manifest, written last.
	 */
	public static BackupManifest write(ObjectStore store, Tier tier, String database, Instant snapshot, long size,
			int partSize, long seed) {
		String id = BackupLayout.newBackupId(snapshot);
		String key = BackupLayout.folder(tier, database, id) + "dump.pgdump.zst";
		Random random = new Random(seed);
		MessageDigest whole = Sha256.newDigest();
		UploadSession upload = store.startMultipart(key, "application/octet-stream");
		List<UploadedPart> parts = new ArrayList<>();
		byte[] part = new byte[partSize];
		int number = 1;
		for (long offset = 0; offset < size; offset += partSize, number++) {
			int length = (int) Math.min(partSize, size - offset);
			random.nextBytes(part);
			whole.update(part, 0, length);
			parts.add(upload.uploadPart(number, part, length, Sha256.of(part, 0, length)));
		}
		ObjectInfo info = upload.complete(parts);
		BackupManifest manifest = new BackupManifest(BackupManifest.FORMAT_VERSION, id, database, tier, snapshot,
				new BackupManifest.Source(database, "db", 5432, "15", 150000, snapshot, "s"),
				new BackupManifest.Dump("custom", "pg_dump 15", "zstd", 1, null, size, 1),
				List.of(new BackupManifest.StoredObject("dump", key, size, Sha256.hex(whole.digest()),
						info.checksumSha256(), parts.size(), partSize)),
				List.of(), null);
		store.put(BackupLayout.manifestKey(tier, database, id), ManifestJson.write(manifest), "application/json");
		return manifest;
	}

	/** A daily backup; see {@link #write}. */
	public static BackupManifest daily(ObjectStore store, String database, Instant snapshot, long size, int partSize,
			long seed) {
		return write(store, Tier.DAILY, database, snapshot, size, partSize, seed);
	}

}
