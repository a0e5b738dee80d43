package io.drbatch.jobs.backup;

import io.drbatch.failure.DrbatchException;
import io.drbatch.failure.FailureKind;

/**
 * What is wrong with a stored backup, or one of its objects, against the manifest that
 * describes it: the one result of every check that compares a store with a manifest
 * ({@link StoredObjectCheck}, the replication check).
 *
 * @param key the object (or manifest) concerned
 * @param detail what differs, e.g. {@code has 10 bytes, expected 12}
 */
public record Mismatch(Kind kind, String key, String detail) {

	public enum Kind {

		/** The backup's manifest is not there: no backup (yet) on that target. */
		NO_MANIFEST,

		/** A manifest is there but lists other objects (key, size or SHA-256). */
		OTHER_OBJECTS,

		/** An object the manifest lists is not there. */
		MISSING,

		/** An object has another size. */
		SIZE,

		/** The store's checksum of an object differs from the recorded one. */
		CHECKSUM,

		/** The SHA-256 of an object's bytes, read back, differs from the recorded one. */
		CONTENT

	}

	/**
	 * The object's file name and what differs, e.g.
	 * {@code dump.pgdump.zst has 10 bytes, expected 12}.
	 */
	public String describe() {
		return this.key.substring(this.key.lastIndexOf('/') + 1) + " " + this.detail;
	}

	/** An {@link FailureKind#INTEGRITY} failure naming the object and the target. */
	public DrbatchException toFailure(String target) {
		return new DrbatchException(FailureKind.INTEGRITY,
				"object " + this.key + " on target '" + target + "' " + this.detail);
	}

}
