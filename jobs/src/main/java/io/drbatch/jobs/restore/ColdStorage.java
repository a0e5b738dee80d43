package io.drbatch.jobs.restore;

import java.time.Duration;
import java.util.Optional;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.drbatch.store.StorageClass;
import io.drbatch.store.ColdObjectRestore;
import io.drbatch.failure.DrbatchException;
import io.drbatch.failure.FailureKind;
import io.drbatch.jobs.config.DrbatchProperties;
import io.drbatch.store.ObjectInfo;
import io.drbatch.store.ObjectStore;

/**
 * Makes a backup object in a cold storage class (GLACIER, DEEP_ARCHIVE) readable before a
 * drill or restore reads it: requests its restore (RestoreObject) unless one is under way
 * or done, then polls the store until it reports the object readable, up to the
 * configured timeout. The wait is returned so that it shows in the report and counts in
 * the measured RTO. A relaunch after a timeout finds the request already standing and
 * only waits. Stateless.
 */
final class ColdStorage {

	private static final Logger log = LoggerFactory.getLogger(ColdStorage.class);

	private ColdStorage() {
	}

	/**
	 * @return milliseconds spent waiting for the object to become readable (0 when it is
	 * not cold)
	 */
	static long awaitReadable(ObjectStore store, String key, DrbatchProperties.Drill settings) {
		Optional<ObjectInfo> info = store.head(key);
		Optional<ColdObjectRestore> coldObjects = store.coldObjects();
		if (info.isEmpty() || !StorageClass.isCold(info.get().storageClass()) || coldObjects.isEmpty()) {
			return 0;
		}
		ColdObjectRestore protection = coldObjects.get();
		long started = System.nanoTime();
		Optional<String> status = protection.restoreStatus(key);
		if (readable(status)) {
			return 0;
		}
		if (status.isEmpty()) {
			log.info("{} is in {}; requesting its restore for {} days", key, info.get().storageClass(),
					settings.coldRestoreDays());
			protection.requestRestore(key, settings.coldRestoreDays());
		}
		Duration timeout = settings.coldRestoreTimeout();
		while (true) {
			long waited = (System.nanoTime() - started) / 1_000_000;
			if (waited > timeout.toMillis()) {
				throw new DrbatchException(FailureKind.STORE_UNAVAILABLE,
						key + " on target '" + store.name() + "' is still being restored from "
								+ info.get().storageClass() + " after " + timeout
								+ " (drbatch.drill.cold-restore-timeout); the restore request stands: relaunch later");
			}
			try {
				Thread.sleep(settings.coldRestorePoll().toMillis());
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				throw new DrbatchException(FailureKind.STORE_UNAVAILABLE, "interrupted while waiting for " + key, ex);
			}
			if (readable(protection.restoreStatus(key))) {
				long total = (System.nanoTime() - started) / 1_000_000;
				log.info("{} is readable after a cold-storage wait of {} ms", key, total);
				return total;
			}
		}
	}

	private static boolean readable(Optional<String> status) {
		return status.map(text -> text.replace(" ", "").contains("ongoing-request=\"false\"")).orElse(false);
	}

}
