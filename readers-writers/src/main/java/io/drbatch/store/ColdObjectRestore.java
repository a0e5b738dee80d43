package io.drbatch.store;

import java.util.Optional;

/**
 * Making objects in a cold storage class ({@link StorageClass#cold()}) readable: the
 * store copies such an object back for a number of days on request (S3 RestoreObject),
 * which takes minutes to hours. Implementations are thread-safe.
 */
public interface ColdObjectRestore {

	/**
	 * The restore state of an object in a cold storage class, as the store reports it
	 * ({@code x-amz-restore}: {@code ongoing-request="true"} while it is being restored,
	 * {@code ongoing-request="false", expiry-date=...} once readable); empty when no
	 * restore was requested.
	 */
	Optional<String> restoreStatus(String key);

	/**
	 * Asks the store to make a cold object readable for {@code days}; a request already
	 * in progress is fine.
	 */
	void requestRestore(String key, int days);

}
