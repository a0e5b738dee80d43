package io.drbatch.store;

import software.amazon.awssdk.services.s3.model.CreateMultipartUploadRequest;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;

/**
 * The storage class and server-side encryption a target gives every object it writes,
 * applied alike to single puts, multipart uploads and server-side copies. Immutable.
 */
record S3StorageOptions(StorageClass storageClass, ServerSideEncryption serverSideEncryption, String kmsKeyId) {

	static S3StorageOptions of(S3TargetConfig config) {
		return new S3StorageOptions(config.storageClass(), config.serverSideEncryption(), config.kmsKeyId());
	}

	void apply(PutObjectRequest.Builder request) {
		if (this.storageClass != null) {
			request.storageClass(this.storageClass.name());
		}
		if (this.serverSideEncryption != null) {
			request.serverSideEncryption(this.serverSideEncryption.header());
			if (this.kmsKeyId != null) {
				request.ssekmsKeyId(this.kmsKeyId);
			}
		}
	}

	/**
	 * @param storageClass overrides the target's class for this object ({@code null}: the
	 * target's)
	 */
	void apply(CreateMultipartUploadRequest.Builder request, StorageClass storageClass) {
		StorageClass effective = storageClass != null ? storageClass : this.storageClass;
		if (effective != null) {
			request.storageClass(effective.name());
		}
		if (this.serverSideEncryption != null) {
			request.serverSideEncryption(this.serverSideEncryption.header());
			if (this.kmsKeyId != null) {
				request.ssekmsKeyId(this.kmsKeyId);
			}
		}
	}

}
