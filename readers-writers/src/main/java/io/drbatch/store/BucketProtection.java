package io.drbatch.store;

import java.time.Instant;
import java.util.Optional;

/**
 * The ransomware defence of one target: a versioned bucket with S3 Object Lock (WORM),
 * its default retention, lifecycle rules, and the retention of individual object
 * versions. Retention is set per version by the jobs that write them, because not every
 * S3-compatible store applies a bucket's default retention to new objects.
 * Implementations are thread-safe.
 */
public interface BucketProtection {

	/**
	 * What the bucket says about itself.
	 *
	 * @param versioning {@code Enabled}, {@code Suspended}, or {@code null} when never
	 * set
	 * @param lockMode default retention mode, {@code null} for none
	 * @param lockDays default retention in days, {@code null} for none
	 */
	record State(boolean exists, String versioning, boolean lockEnabled, LockMode lockMode, Integer lockDays,
			Integer abortIncompleteUploadsDays, Integer noncurrentVersionExpirationDays) {
	}

	/** The retention of one object version. */
	record Retention(String versionId, LockMode mode, Instant retainUntil) {
	}

	/**
	 * One stored version of a key ({@code versionId} is {@code null} in a bucket that
	 * never had versioning).
	 */
	record Version(String key, String versionId, boolean deleteMarker) {
	}

	State read();

	/** Every version and delete marker of {@code key}. */
	java.util.List<Version> versions(String key);

	/**
	 * Deletes one version for good. A version under Object Lock is refused by the store:
	 * that comes back as {@code STORE_ACCESS_DENIED}, which callers read as "retained by
	 * lock", not as a failure.
	 */
	void deleteVersion(String key, String versionId);

	/** Creates the bucket with Object Lock enabled (which also enables versioning). */
	void createWithObjectLock();

	void enableVersioning();

	/**
	 * Sets the bucket's default retention. Fails with {@code BAD_CONFIGURATION} naming
	 * the target when the bucket was created without Object Lock (it cannot be enabled on
	 * an existing bucket through the S3 API everywhere).
	 */
	void putDefaultRetention(LockMode mode, int days);

	/** Lifecycle rules for the whole bucket; {@code null} leaves a rule out. */
	void putLifecycle(Integer abortIncompleteUploadsDays, Integer noncurrentVersionExpirationDays);

	/**
	 * Locks the current version of {@code key} until {@code until}; returns what the
	 * store read back.
	 */
	Retention retain(String key, LockMode mode, Instant until);

	/** The retention of the current version of {@code key}, if it has one. */
	Optional<Retention> retention(String key);

	/** The retention of one version of {@code key}, if it has one. */
	Optional<Retention> retention(String key, String versionId);

}
