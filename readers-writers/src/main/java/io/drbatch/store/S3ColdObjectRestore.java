package io.drbatch.store;

import java.util.Optional;

import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * {@link ColdObjectRestore} on S3: RestoreObject (Standard retrieval tier) and the
 * {@code x-amz-restore} header of HeadObject. A restore already in progress (409
 * RestoreAlreadyInProgress) is not an error. Thread-safe.
 */
final class S3ColdObjectRestore implements ColdObjectRestore {

	private final S3Calls calls;

	S3ColdObjectRestore(S3Calls calls) {
		this.calls = calls;
	}

	@Override
	public Optional<String> restoreStatus(String key) {
		return Optional.ofNullable(this.calls.call("head " + key,
				() -> this.calls.s3.headObject(r -> r.bucket(this.calls.bucket()).key(this.calls.key(key))).restore()));
	}

	@Override
	public void requestRestore(String key, int days) {
		try {
			this.calls.s3.restoreObject(r -> r.bucket(this.calls.bucket())
				.key(this.calls.key(key))
				.restoreRequest(q -> q.days(days).glacierJobParameters(g -> g.tier("Standard"))));
		}
		catch (S3Exception ex) {
			if (!"RestoreAlreadyInProgress".equals(S3Calls.errorCode(ex)) && ex.statusCode() != 409) {
				throw this.calls.translate("request the restore of " + key, ex);
			}
		}
		catch (SdkException ex) {
			throw this.calls.translate("request the restore of " + key, ex);
		}
	}

}
