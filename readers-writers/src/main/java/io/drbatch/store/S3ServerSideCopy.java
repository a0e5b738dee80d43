package io.drbatch.store;

import java.util.ArrayList;
import java.util.List;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.s3.model.ChecksumAlgorithm;
import software.amazon.awssdk.services.s3.model.CompletedMultipartUpload;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.CreateMultipartUploadRequest;

/**
 * Copies an object inside one bucket, part by part ({@code UploadPartCopy}), so no byte
 * passes through drbatch and objects over 5 GiB copy too. With SHA-256 part checksums and
 * the source's part size, the copy carries the source's composite checksum; a store that
 * returns no checksum for a copied part gets the copy made again without. An upload that
 * fails is aborted. Stateless; thread-safe.
 */
final class S3ServerSideCopy {

	private static final Logger log = LoggerFactory.getLogger(S3ServerSideCopy.class);

	private static final long MIN_PART = 5L * 1024 * 1024;

	private final S3Calls calls;

	private final S3StorageOptions options;

	S3ServerSideCopy(S3Calls calls, S3StorageOptions options) {
		this.calls = calls;
		this.options = options;
	}

	void copy(String fromKey, String toKey, long size, long partSize, StorageClass storageClass) {
		if (!copyParts(fromKey, toKey, size, partSize, storageClass, true)) {
			log.info("Target '{}' reports no checksum for copied parts; copying {} without part checksums",
					this.calls.name(), fromKey);
			copyParts(fromKey, toKey, size, partSize, storageClass, false);
		}
	}

	/**
	 * @return false when checksums were asked for and the store returned none (the upload
	 * is then aborted)
	 */
	private boolean copyParts(String fromKey, String toKey, long size, long partSize, StorageClass storageClass,
			boolean checksums) {
		String bucket = this.calls.bucket();
		CreateMultipartUploadRequest.Builder create = CreateMultipartUploadRequest.builder()
			.bucket(bucket)
			.key(this.calls.key(toKey));
		if (checksums) {
			create.checksumAlgorithm(ChecksumAlgorithm.SHA256);
		}
		this.options.apply(create, storageClass);
		String uploadId = this.calls
			.call("start the copy of " + fromKey, () -> this.calls.s3.createMultipartUpload(create.build()))
			.uploadId();
		ObjectStore.PendingUpload pending = new ObjectStore.PendingUpload(toKey, uploadId);
		try {
			List<CompletedPart> parts = new ArrayList<>();
			long step = Math.max(MIN_PART, partSize);
			int partNumber = 1;
			for (long start = 0; start < Math.max(size, 1); start += step, partNumber++) {
				long end = Math.min(size, start + step) - 1;
				int number = partNumber;
				String range = "bytes=" + start + "-" + Math.max(end, 0);
				var result = this.calls
					.call("copy part " + number + " of " + fromKey, () -> this.calls.s3.uploadPartCopy(r -> {
						r.sourceBucket(bucket)
							.sourceKey(this.calls.key(fromKey))
							.destinationBucket(bucket)
							.destinationKey(this.calls.key(toKey))
							.uploadId(uploadId)
							.partNumber(number);
						if (size > 0) {
							r.copySourceRange(range);
						}
					}))
					.copyPartResult();
				if (checksums && result.checksumSHA256() == null) {
					S3UploadSession.abort(this.calls, pending);
					return false;
				}
				parts.add(CompletedPart.builder()
					.partNumber(number)
					.eTag(result.eTag())
					.checksumSHA256(result.checksumSHA256())
					.build());
			}
			this.calls.call("complete the copy of " + fromKey,
					() -> this.calls.s3.completeMultipartUpload(r -> r.bucket(bucket)
						.key(this.calls.key(toKey))
						.uploadId(uploadId)
						.multipartUpload(CompletedMultipartUpload.builder().parts(parts).build())));
			return true;
		}
		catch (RuntimeException ex) {
			S3UploadSession.abort(this.calls, pending);
			throw ex;
		}
	}

}
