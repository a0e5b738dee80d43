package io.drbatch.store;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.s3.model.BucketVersioningStatus;
import software.amazon.awssdk.services.s3.model.ExpirationStatus;
import software.amazon.awssdk.services.s3.model.LifecycleRule;
import software.amazon.awssdk.services.s3.model.NoSuchBucketException;
import software.amazon.awssdk.services.s3.model.S3Exception;

import io.drbatch.failure.DrbatchException;
import io.drbatch.failure.FailureKind;

/**
 * {@link BucketProtection} on S3: versioning, Object Lock default retention, lifecycle
 * rules, and the retention and deletion of single object versions. Stores answer "no such
 * configuration" differently (404 on AWS, 400 on some others); both read as "not set".
 * Thread-safe.
 */
final class S3BucketProtection implements BucketProtection {

	private final S3Calls calls;

	S3BucketProtection(S3Calls calls) {
		this.calls = calls;
	}

	@Override
	public State read() {
		String bucket = this.calls.bucket();
		try {
			this.calls.s3.headBucket(r -> r.bucket(bucket));
		}
		catch (NoSuchBucketException ex) {
			return new State(false, null, false, null, null, null, null);
		}
		catch (S3Exception ex) {
			if (ex.statusCode() == 404) {
				return new State(false, null, false, null, null, null, null);
			}
			throw this.calls.translate("read bucket " + bucket, ex);
		}
		catch (SdkException ex) {
			throw this.calls.translate("read bucket " + bucket, ex);
		}
		String versioning = this.calls.call("read versioning",
				() -> this.calls.s3.getBucketVersioning(r -> r.bucket(bucket)).statusAsString());
		boolean lockEnabled = false;
		LockMode mode = null;
		Integer days = null;
		try {
			var lock = this.calls.s3.getObjectLockConfiguration(r -> r.bucket(bucket)).objectLockConfiguration();
			lockEnabled = lock != null && "Enabled".equals(lock.objectLockEnabledAsString());
			if (lock != null && lock.rule() != null && lock.rule().defaultRetention() != null) {
				mode = lockMode(lock.rule().defaultRetention().modeAsString());
				days = lock.rule().defaultRetention().days();
			}
		}
		catch (S3Exception ex) {
			// AWS answers 404 ObjectLockConfigurationNotFoundError for a bucket without
			// Object Lock; some stores 400
			if (ex.statusCode() != 404 && ex.statusCode() != 400) {
				throw this.calls.translate("read the Object Lock configuration", ex);
			}
		}
		catch (SdkException ex) {
			throw this.calls.translate("read the Object Lock configuration", ex);
		}
		Integer abortDays = null;
		Integer noncurrentDays = null;
		try {
			for (var rule : this.calls.s3.getBucketLifecycleConfiguration(r -> r.bucket(bucket)).rules()) {
				if (rule.abortIncompleteMultipartUpload() != null) {
					abortDays = rule.abortIncompleteMultipartUpload().daysAfterInitiation();
				}
				if (rule.noncurrentVersionExpiration() != null) {
					noncurrentDays = rule.noncurrentVersionExpiration().noncurrentDays();
				}
			}
		}
		catch (S3Exception ex) {
			if (ex.statusCode() != 404) {
				throw this.calls.translate("read the lifecycle configuration", ex);
			}
		}
		catch (SdkException ex) {
			throw this.calls.translate("read the lifecycle configuration", ex);
		}
		return new State(true, versioning, lockEnabled, mode, days, abortDays, noncurrentDays);
	}

	@Override
	public void createWithObjectLock() {
		S3TargetConfig config = this.calls.config;
		this.calls.call("create bucket " + config.bucket() + " with Object Lock",
				() -> this.calls.s3.createBucket(r -> {
					r.bucket(config.bucket()).objectLockEnabledForBucket(true);
					if (config.region() != null && !"us-east-1".equals(config.region())) {
						r.createBucketConfiguration(c -> c.locationConstraint(config.region()));
					}
				}));
	}

	@Override
	public void enableVersioning() {
		this.calls.call("enable versioning", () -> this.calls.s3.putBucketVersioning(r -> r.bucket(this.calls.bucket())
			.versioningConfiguration(v -> v.status(BucketVersioningStatus.ENABLED))));
	}

	@Override
	public void putDefaultRetention(LockMode mode, int days) {
		try {
			this.calls.s3.putObjectLockConfiguration(r -> r.bucket(this.calls.bucket())
				.objectLockConfiguration(c -> c.objectLockEnabled("Enabled")
					.rule(rule -> rule.defaultRetention(d -> d.mode(mode.name()).days(days)))));
		}
		catch (S3Exception ex) {
			String code = S3Calls.errorCode(ex);
			if (ex.statusCode() == 409 || ex.statusCode() == 400 || "InvalidBucketState".equals(code)) {
				throw new DrbatchException(FailureKind.BAD_CONFIGURATION, "target '" + this.calls.name() + "': bucket '"
						+ this.calls.bucket() + "' cannot hold Object Lock (" + ex.statusCode() + " " + code
						+ "); Object Lock is enabled when a bucket is created: point the target at a new bucket and run object-lock-setup",
						ex);
			}
			throw this.calls.translate("set the default retention", ex);
		}
		catch (SdkException ex) {
			throw this.calls.translate("set the default retention", ex);
		}
	}

	@Override
	public void putLifecycle(Integer abortIncompleteUploadsDays, Integer noncurrentVersionExpirationDays) {
		String prefix = this.calls.config.prefix();
		var rule = LifecycleRule.builder()
			.id("drbatch")
			.status(ExpirationStatus.ENABLED)
			.filter(f -> f.prefix(prefix == null ? "" : prefix));
		if (abortIncompleteUploadsDays != null) {
			rule.abortIncompleteMultipartUpload(a -> a.daysAfterInitiation(abortIncompleteUploadsDays));
		}
		if (noncurrentVersionExpirationDays != null) {
			rule.noncurrentVersionExpiration(n -> n.noncurrentDays(noncurrentVersionExpirationDays));
		}
		this.calls.call("set the lifecycle rules", () -> this.calls.s3.putBucketLifecycleConfiguration(
				r -> r.bucket(this.calls.bucket()).lifecycleConfiguration(l -> l.rules(rule.build()))));
	}

	@Override
	public Retention retain(String key, LockMode mode, Instant until) {
		String versionId = currentVersion(key);
		this.calls.call("set the retention of " + key,
				() -> this.calls.s3.putObjectRetention(r -> r.bucket(this.calls.bucket())
					.key(this.calls.key(key))
					.versionId(versionId)
					.retention(ret -> ret.mode(mode.name()).retainUntilDate(until))));
		return retention(key).orElseThrow(() -> new DrbatchException(FailureKind.INTEGRITY,
				"target '" + this.calls.name() + "' did not keep the retention of " + key));
	}

	@Override
	public List<Version> versions(String key) {
		String full = this.calls.key(key);
		List<Version> versions = new ArrayList<>();
		this.calls.call("list the versions of " + key, () -> {
			var pages = this.calls.s3.listObjectVersionsPaginator(r -> r.bucket(this.calls.bucket()).prefix(full));
			pages.versions()
				.stream()
				.filter(v -> v.key().equals(full))
				.forEach(v -> versions.add(new Version(key, v.versionId(), false)));
			pages.deleteMarkers()
				.stream()
				.filter(m -> m.key().equals(full))
				.forEach(m -> versions.add(new Version(key, m.versionId(), true)));
			return null;
		});
		return versions;
	}

	@Override
	public void deleteVersion(String key, String versionId) {
		this.calls.call("delete version " + versionId + " of " + key, () -> this.calls.s3.deleteObject(r -> {
			r.bucket(this.calls.bucket()).key(this.calls.key(key));
			if (versionId != null && !"null".equals(versionId)) {
				r.versionId(versionId);
			}
		}));
	}

	@Override
	public Optional<Retention> retention(String key) {
		return retention(key, currentVersion(key));
	}

	@Override
	public Optional<Retention> retention(String key, String versionId) {
		try {
			var retention = this.calls.s3
				.getObjectRetention(r -> r.bucket(this.calls.bucket()).key(this.calls.key(key)).versionId(versionId))
				.retention();
			return retention == null ? Optional.empty() : Optional
				.of(new Retention(versionId, lockMode(retention.modeAsString()), retention.retainUntilDate()));
		}
		catch (S3Exception ex) {
			if (ex.statusCode() == 404 || ex.statusCode() == 400) {
				return Optional.empty();
			}
			throw this.calls.translate("read the retention of " + key, ex);
		}
		catch (SdkException ex) {
			throw this.calls.translate("read the retention of " + key, ex);
		}
	}

	private String currentVersion(String key) {
		return this.calls.call("head " + key,
				() -> this.calls.s3.headObject(r -> r.bucket(this.calls.bucket()).key(this.calls.key(key)))
					.versionId());
	}

	private LockMode lockMode(String reported) {
		try {
			return reported == null ? null : LockMode.valueOf(reported);
		}
		catch (IllegalArgumentException ex) {
			throw new DrbatchException(FailureKind.INTEGRITY,
					"target '" + this.calls.name() + "' reports an unknown Object Lock mode '" + reported + "'");
		}
	}

}
