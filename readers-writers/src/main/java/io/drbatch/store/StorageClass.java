package io.drbatch.store;

import java.util.Locale;

/**
 * The S3 storage classes drbatch writes objects in. A store may report others (GCS's
 * NEARLINE, say) for objects it did not write: {@link ObjectInfo#storageClass()} stays
 * the store's own word.
 */
public enum StorageClass {

	STANDARD, STANDARD_IA, ONEZONE_IA, INTELLIGENT_TIERING, GLACIER_IR, GLACIER, DEEP_ARCHIVE, REDUCED_REDUNDANCY;

	/**
	 * Whether an object in this class must be restored by the store before it can be read
	 * (RestoreObject).
	 */
	public boolean cold() {
		return this == GLACIER || this == DEEP_ARCHIVE;
	}

	/**
	 * Whether {@code reported}, a storage class as a store reports it ({@code null}:
	 * STANDARD), is a cold one.
	 */
	public static boolean isCold(String reported) {
		if (reported == null) {
			return false;
		}
		for (StorageClass value : values()) {
			if (value.name().equals(reported.toUpperCase(Locale.ROOT))) {
				return value.cold();
			}
		}
		return false;
	}

}
