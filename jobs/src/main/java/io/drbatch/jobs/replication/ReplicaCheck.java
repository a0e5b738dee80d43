package io.drbatch.jobs.replication;

import java.util.Objects;
import java.util.Optional;

import io.drbatch.failure.DrbatchException;
import io.drbatch.jobs.support.StoredObjectCheck;
import io.drbatch.manifest.BackupManifest;
import io.drbatch.store.ObjectInfo;
import io.drbatch.store.ObjectStore;

/**
 * Whether a secondary target holds a verified copy of a primary backup: its manifest describes the same objects
 * (key, size, SHA-256) and each object is there with that size and, where the store reports one, that composite
 * checksum. An object whose store reports no checksum where the manifest records one (overwritten by something
 * other than drbatch, or a store that keeps none) is read back and its SHA-256 compared, as is every object
 * when {@code deep}. Stateless.
 */
public final class ReplicaCheck {

	private ReplicaCheck() {
	}

	/**
	 * {@code null} when {@code target} holds a verified copy of {@code backup}, else what is wrong, e.g.
	 * {@code "no manifest"} or {@code "dump.pgdump.zst has checksum X, expected Y"}.
	 * @param copy the manifest of the same backup on the target, if there is one
	 */
	public static String problem(ObjectStore target, BackupManifest backup, Optional<BackupManifest> copy, boolean deep) {
		if (copy.isEmpty()) {
			return "no manifest";
		}
		if (!sameObjects(backup, copy.get())) {
			return "its manifest describes other objects";
		}
		for (BackupManifest.StoredObject object : backup.objects()) {
			Optional<ObjectInfo> info = target.head(object.key());
			if (info.isEmpty()) {
				return name(object) + " is missing";
			}
			if (info.get().size() != object.size()) {
				return name(object) + " has " + info.get().size() + " bytes, expected " + object.size();
			}
			if (info.get().checksumSha256() != null && object.s3Checksum() != null
					&& !info.get().checksumSha256().equals(object.s3Checksum())) {
				return name(object) + " has checksum " + info.get().checksumSha256() + ", expected " + object.s3Checksum();
			}
			boolean checksumMissing = object.s3Checksum() != null && info.get().checksumSha256() == null;
			if (deep || checksumMissing) {
				try {
					StoredObjectCheck.verifyBytes(target, object);
				}
				catch (DrbatchException ex) {
					return name(object) + ": " + ex.getMessage();
				}
			}
		}
		return null;
	}

	private static boolean sameObjects(BackupManifest a, BackupManifest b) {
		if (a.objects().size() != b.objects().size()) {
			return false;
		}
		for (int i = 0; i < a.objects().size(); i++) {
			BackupManifest.StoredObject x = a.objects().get(i);
			BackupManifest.StoredObject y = b.objects().get(i);
			if (!x.key().equals(y.key()) || x.size() != y.size() || !Objects.equals(x.sha256(), y.sha256())) {
				return false;
			}
		}
		return true;
	}

	private static String name(BackupManifest.StoredObject object) {
		return object.key().substring(object.key().lastIndexOf('/') + 1);
	}

}
