package io.drbatch.jobs.replication;

import java.util.Objects;
import java.util.Optional;

import io.drbatch.jobs.backup.Mismatch;
import io.drbatch.jobs.backup.StoredObjectCheck;
import io.drbatch.manifest.BackupLayout;
import io.drbatch.manifest.BackupManifest;
import io.drbatch.store.ObjectStore;

/**
 * Whether a secondary target holds a verified copy of a primary backup: its manifest
 * describes the same objects (key, size, SHA-256) and each object is there with that size
 * and, where the store reports one, that composite checksum. An object whose store
 * reports no checksum where the manifest records one (overwritten by something other than
 * drbatch, or a store that keeps none) is read back and its SHA-256 compared, as is every
 * object when {@code deep}. Stateless.
 */
public final class ReplicaCheck {

	private ReplicaCheck() {
	}

	/**
	 * What is wrong with {@code target}'s copy of {@code backup}, empty when it holds a
	 * verified copy.
	 * @param copy the manifest of the same backup on the target, if there is one
	 * @param deep read every object back, whatever the store reports
	 */
	public static Optional<Mismatch> check(ObjectStore target, BackupManifest backup, Optional<BackupManifest> copy,
			boolean deep) {
		String manifestKey = BackupLayout.manifestKey(backup.tier(), backup.database(), backup.backupId());
		if (copy.isEmpty()) {
			return Optional.of(new Mismatch(Mismatch.Kind.NO_MANIFEST, manifestKey, "is missing"));
		}
		if (!sameObjects(backup, copy.get())) {
			return Optional.of(new Mismatch(Mismatch.Kind.OTHER_OBJECTS, manifestKey, "describes other objects"));
		}
		for (BackupManifest.StoredObject object : backup.objects()) {
			Optional<Mismatch> mismatch = StoredObjectCheck.check(target, object,
					deep ? StoredObjectCheck.Depth.FULL : StoredObjectCheck.Depth.QUICK);
			if (mismatch.isPresent()) {
				return mismatch;
			}
		}
		return Optional.empty();
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

}
