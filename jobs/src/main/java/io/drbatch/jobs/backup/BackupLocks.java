package io.drbatch.jobs.backup;

import java.time.Instant;

import io.drbatch.store.LockMode;
import io.drbatch.failure.DrbatchException;
import io.drbatch.failure.FailureKind;
import io.drbatch.manifest.BackupManifest;
import io.drbatch.store.BucketProtection;
import io.drbatch.store.ObjectStore;

/**
 * Locks the object versions of a backup under Object Lock, for the jobs that write them
 * (daily-dump, archive-tiering): every stored object first, the manifest after it is
 * written. Stateless.
 */
public final class BackupLocks {

	private BackupLocks() {
	}

	/**
	 * The target's lock operations; a target with {@code lock.enabled} whose store has
	 * none is a configuration error.
	 */
	public static BucketProtection of(ObjectStore store) {
		return store.protection()
			.orElseThrow(() -> new DrbatchException(FailureKind.BAD_CONFIGURATION,
					"target '" + store.name() + "' has lock.enabled but its store cannot set Object Lock retention"));
	}

	/**
	 * Locks the current version of every object of {@code backup} until {@code until}.
	 */
	public static void lockObjects(ObjectStore store, BackupManifest backup, LockMode mode, Instant until) {
		BucketProtection protection = of(store);
		for (BackupManifest.StoredObject object : backup.objects()) {
			protection.retain(object.key(), mode, until);
		}
	}

}
