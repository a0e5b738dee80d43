package io.drbatch.jobs.retention;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import io.drbatch.failure.DrbatchException;
import io.drbatch.failure.FailureKind;
import io.drbatch.store.BucketProtection;
import io.drbatch.store.ObjectStore;

/**
 * Deletes a group of objects that belong together (a backup's manifest and data, a WAL
 * segment) for good: every version, the first key first. A group any of whose versions is
 * still under Object Lock is kept whole and reported "retained by lock until
 * &lt;date&gt;" (deleting part of it would orphan the rest); a delete the store refuses
 * anyway (403: a lock the store did not report) is reported the same way. Returns the
 * report's lines. Stateless apart from the clock.
 */
final class LockAwareDeletion {

	private final Clock clock;

	LockAwareDeletion(Clock clock) {
		this.clock = clock;
	}

	List<String> delete(ObjectStore store, List<String> keys, String where) {
		List<String> lines = new ArrayList<>();
		List<String> retained = new ArrayList<>();
		if (store.protection().isEmpty()) {
			keys.forEach(store::delete);
			lines.add("deleted " + where);
			return lines;
		}
		BucketProtection protection = store.protection().get();
		Instant lockedUntil = null;
		for (String key : keys) {
			for (BucketProtection.Version version : protection.versions(key)) {
				if (version.deleteMarker()) {
					continue;
				}
				Optional<BucketProtection.Retention> lock = protection.retention(key, version.versionId());
				if (lock.isPresent() && lock.get().retainUntil() != null
						&& lock.get().retainUntil().isAfter(this.clock.instant())
						&& (lockedUntil == null || lock.get().retainUntil().isAfter(lockedUntil))) {
					lockedUntil = lock.get().retainUntil();
				}
			}
		}
		if (lockedUntil != null) {
			lines.add("kept " + where + ": retained by lock until " + lockedUntil);
			return lines;
		}
		int deleted = 0;
		for (String key : keys) {
			List<BucketProtection.Version> versions = protection.versions(key);
			if (versions.isEmpty()) {
				continue;
			}
			for (BucketProtection.Version version : versions) {
				try {
					protection.deleteVersion(key, version.versionId());
					deleted++;
				}
				catch (DrbatchException ex) {
					if (ex.kind() != FailureKind.STORE_ACCESS_DENIED) {
						throw ex;
					}
					Optional<BucketProtection.Retention> lock = Optional.empty();
					try {
						lock = protection.retention(key, version.versionId());
					}
					catch (RuntimeException unreadable) {
						// the refusal itself is what matters; its date is a courtesy
					}
					retained.add(key + " version " + version.versionId() + " retained by lock"
							+ lock.map(r -> " until " + r.retainUntil()).orElse(" (the store refused the delete)"));
				}
			}
		}
		if (retained.isEmpty()) {
			lines.add("deleted " + where + " (manifest first, then every version)");
		}
		else if (deleted == 0) {
			lines.add("kept " + where + ": " + String.join("; ", retained));
		}
		else {
			lines.add("deleted what the lock allows of " + where + "; " + String.join("; ", retained));
		}
		return lines;
	}

}
