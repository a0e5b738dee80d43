package io.drbatch.store;

/**
 * Server-side encryption the store applies to new objects
 * ({@code x-amz-server-side-encryption}).
 */
public enum ServerSideEncryption {

	/** SSE-S3: keys the store manages. */
	AES256("AES256"),

	/**
	 * SSE-KMS: a key in the cloud's key management service ({@code kms-key-id}, or the
	 * account's default).
	 */
	AWS_KMS("aws:kms");

	private final String header;

	ServerSideEncryption(String header) {
		this.header = header;
	}

	/** The value of the {@code x-amz-server-side-encryption} header. */
	public String header() {
		return this.header;
	}

}
