package io.drbatch.store;

import java.net.URI;
import java.nio.file.Path;

/**
 * Where and how to reach one S3-compatible bucket. Carries credentials only as references: either the names
 * of environment variables or a credentials file (AWS shared-credentials format); with neither, the AWS SDK's
 * default provider chain applies (environment, profile, container and instance roles).
 *
 * @param name target name used in messages and job output
 * @param endpoint endpoint override for S3-compatible stores (GCS, R2, MinIO); {@code null} for AWS S3
 * @param prefix key prefix inside the bucket, without leading or trailing slash; may be empty
 * @param storageClass storage class for new objects, or {@code null} for the bucket's default
 * @param serverSideEncryption {@code AES256}, {@code aws:kms}, or {@code null} for none
 */
public record S3TargetConfig(String name, URI endpoint, String region, String bucket, String prefix,
		boolean pathStyle, Credentials credentials, String storageClass, String serverSideEncryption,
		String kmsKeyId, int maxConnections) {

	/**
	 * Credential references. A literal key pair is accepted for local test servers only through
	 * {@link #literal}, which callers obtain from environment-bound configuration, never job parameters.
	 */
	public record Credentials(String accessKeyIdEnv, String secretAccessKeyEnv, Path file, String profile,
			String literalAccessKeyId, String literalSecretAccessKey) {

		public static Credentials defaultChain() {
			return new Credentials(null, null, null, null, null, null);
		}

		public static Credentials literal(String accessKeyId, String secretAccessKey) {
			return new Credentials(null, null, null, null, accessKeyId, secretAccessKey);
		}

		@Override
		public String toString() {
			return "Credentials[" + describe() + "]";
		}

		/** Where the credentials come from, without any secret. */
		public String describe() {
			if (this.accessKeyIdEnv != null) {
				return "environment " + this.accessKeyIdEnv + "/" + this.secretAccessKeyEnv;
			}
			if (this.file != null) {
				return "file " + this.file + (this.profile != null ? " profile " + this.profile : "");
			}
			if (this.literalAccessKeyId != null) {
				return "configured key pair";
			}
			return "AWS default provider chain";
		}

	}

	public String key(String relativeKey) {
		return this.prefix == null || this.prefix.isEmpty() ? relativeKey : this.prefix + "/" + relativeKey;
	}

	public String relative(String fullKey) {
		String head = this.prefix == null || this.prefix.isEmpty() ? "" : this.prefix + "/";
		return fullKey.startsWith(head) ? fullKey.substring(head.length()) : fullKey;
	}

}
