package io.drbatch.store;

import java.io.ByteArrayInputStream;
import java.util.List;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.model.AbortMultipartUploadRequest;
import software.amazon.awssdk.services.s3.model.ChecksumAlgorithm;
import software.amazon.awssdk.services.s3.model.CompleteMultipartUploadRequest;
import software.amazon.awssdk.services.s3.model.CompletedMultipartUpload;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.UploadPartResponse;

import io.drbatch.codec.Sha256;
import io.drbatch.failure.DrbatchException;
import io.drbatch.failure.FailureKind;

/**
 * One multipart upload on S3, every part with a SHA-256 checksum the store verifies.
 * {@link #uploadPart} is safe to call from several threads; the object is headed after
 * completion, so the caller gets the store's own size and composite checksum.
 */
final class S3UploadSession implements UploadSession {

	private static final Logger log = LoggerFactory.getLogger(S3UploadSession.class);

	private final S3Calls calls;

	private final ObjectStore store;

	private final String key;

	private final String uploadId;

	S3UploadSession(S3Calls calls, ObjectStore store, String key, String uploadId) {
		this.calls = calls;
		this.store = store;
		this.key = key;
		this.uploadId = uploadId;
	}

	@Override
	public String key() {
		return this.key;
	}

	@Override
	public String uploadId() {
		return this.uploadId;
	}

	@Override
	public UploadedPart uploadPart(int partNumber, byte[] content, int length, byte[] sha256) {
		String checksum = Sha256.base64(sha256);
		UploadPartResponse response = this.calls.call("upload part " + partNumber + " of " + this.key,
				() -> this.calls.s3.uploadPart(
						r -> r.bucket(this.calls.bucket())
							.key(this.calls.key(this.key))
							.uploadId(this.uploadId)
							.partNumber(partNumber)
							.contentLength((long) length)
							.checksumAlgorithm(ChecksumAlgorithm.SHA256)
							.checksumSHA256(checksum),
						RequestBody.fromContentProvider(() -> new ByteArrayInputStream(content, 0, length), length,
								"application/octet-stream")));
		return new UploadedPart(partNumber, response.eTag(), checksum, length);
	}

	@Override
	public ObjectInfo complete(List<UploadedPart> parts) {
		List<CompletedPart> completed = parts.stream()
			.map(p -> CompletedPart.builder()
				.partNumber(p.partNumber())
				.eTag(p.eTag())
				.checksumSHA256(p.checksumSha256())
				.build())
			.toList();
		this.calls.call("complete upload of " + this.key,
				() -> this.calls.s3.completeMultipartUpload(CompleteMultipartUploadRequest.builder()
					.bucket(this.calls.bucket())
					.key(this.calls.key(this.key))
					.uploadId(this.uploadId)
					.multipartUpload(CompletedMultipartUpload.builder().parts(completed).build())
					.build()));
		return this.store.head(this.key)
			.orElseThrow(() -> new DrbatchException(FailureKind.INTEGRITY, "object " + this.key
					+ " is missing on target '" + this.calls.name() + "' right after its upload completed"));
	}

	@Override
	public void abort() {
		try {
			abort(this.calls, new ObjectStore.PendingUpload(this.key, this.uploadId));
		}
		catch (RuntimeException ex) {
			log.warn("Could not abort upload {} of {} on target '{}': {}", this.uploadId, this.key, this.calls.name(),
					ex.getMessage());
		}
	}

	static void abort(S3Calls calls, ObjectStore.PendingUpload upload) {
		calls.call("abort upload of " + upload.key(),
				() -> calls.s3.abortMultipartUpload(AbortMultipartUploadRequest.builder()
					.bucket(calls.bucket())
					.key(calls.key(upload.key()))
					.uploadId(upload.uploadId())
					.build()));
	}

}
