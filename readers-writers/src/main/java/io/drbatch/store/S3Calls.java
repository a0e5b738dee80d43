package io.drbatch.store;

import java.util.function.Supplier;

import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Exception;

import io.drbatch.failure.DrbatchException;
import io.drbatch.failure.FailureKind;

/**
 * One target's S3 client and the translation of its errors into {@link DrbatchException}s
 * that name the target and the bucket, per the {@link ObjectStore} contract: rejected
 * credentials, a missing bucket, an unreachable or failing store, and any other refusal
 * (INTEGRITY). Transient errors have already been retried by the SDK. Shared by the S3
 * adapter's classes; thread-safe.
 */
final class S3Calls {

	final S3TargetConfig config;

	final S3Client s3;

	S3Calls(S3TargetConfig config) {
		this.config = config;
		this.s3 = S3Clients.build(config);
	}

	String bucket() {
		return this.config.bucket();
	}

	/** The full key of {@code relativeKey}. */
	String key(String relativeKey) {
		return this.config.key(relativeKey);
	}

	String name() {
		return this.config.name();
	}

	<T> T call(String action, Supplier<T> operation) {
		try {
			return operation.get();
		}
		catch (SdkException ex) {
			throw translate(action, ex);
		}
	}

	static boolean isNoSuchBucket(S3Exception ex) {
		return ex.awsErrorDetails() != null && "NoSuchBucket".equals(ex.awsErrorDetails().errorCode());
	}

	static String errorCode(S3Exception ex) {
		return ex.awsErrorDetails() != null ? ex.awsErrorDetails().errorCode() : null;
	}

	DrbatchException translate(String action, SdkException ex) {
		String where = "target '" + name() + "' (" + this.config.location() + ")";
		if (ex instanceof S3Exception s3ex) {
			String code = errorCode(s3ex);
			String detail = code != null ? code : ("HTTP " + s3ex.statusCode());
			if (isNoSuchBucket(s3ex) || (s3ex.statusCode() == 404 && action.startsWith("list bucket"))) {
				return new DrbatchException(FailureKind.STORE_BUCKET_MISSING,
						"bucket '" + bucket() + "' does not exist on " + where, ex);
			}
			if (s3ex.statusCode() == 403 || "InvalidAccessKeyId".equals(code) || "SignatureDoesNotMatch".equals(code)) {
				return new DrbatchException(FailureKind.STORE_ACCESS_DENIED,
						where + " rejected the credentials from " + this.config.credentials().describe() + " ("
								+ s3ex.statusCode() + " " + detail + ") on " + action,
						ex);
			}
			if (s3ex.statusCode() >= 500 || s3ex.statusCode() == 429) {
				return new DrbatchException(FailureKind.STORE_UNAVAILABLE,
						where + " failed to " + action + " (" + s3ex.statusCode() + " " + detail + ")", ex);
			}
			return new DrbatchException(FailureKind.INTEGRITY,
					where + " refused to " + action + " (" + s3ex.statusCode() + " " + detail + ")", ex);
		}
		if (ex instanceof SdkClientException) {
			return new DrbatchException(FailureKind.STORE_UNAVAILABLE,
					"cannot reach " + where + " at " + endpointText() + " to " + action + ": " + rootMessage(ex), ex);
		}
		return new DrbatchException(FailureKind.STORE_UNAVAILABLE,
				where + " failed to " + action + ": " + ex.getMessage(), ex);
	}

	private String endpointText() {
		return this.config.endpoint() != null ? this.config.endpoint().toString() : "AWS S3 " + this.config.region();
	}

	private static String rootMessage(Throwable ex) {
		Throwable root = ex;
		while (root.getCause() != null && root.getCause() != root) {
			root = root.getCause();
		}
		return root.getMessage() != null ? root.getMessage() : root.getClass().getSimpleName();
	}

}
