package io.drbatch.store;

import java.net.URI;
import java.nio.file.Path;

/**
 * Where and how to reach one S3-compatible bucket.
 *
 * @param name target name used in messages and job output
 * @param endpoint endpoint override for S3-compatible stores (GCS, R2, MinIO);
 * {@code null} for AWS S3
 * @param prefix key prefix inside the bucket, without leading or trailing slash; may be
 * empty
 * @param credentials where the access key comes from; the caller has already chosen one
 * source
 * @param storageClass storage class for new objects, or {@code null} for the bucket's
 * default
 * @param serverSideEncryption server-side encryption of new objects, or {@code null} for
 * none
 * @param maxConnections HTTP connections the client keeps open at most
 */
public record S3TargetConfig(String name, URI endpoint, String region, String bucket, String prefix, boolean pathStyle,
		Credentials credentials, StorageClass storageClass, ServerSideEncryption serverSideEncryption, String kmsKeyId,
		int maxConnections) {

	/**
	 * The one place an access key comes from. Which of them a configured target uses is
	 * decided by the configuration layer, not here; {@link #describe()} says where the
	 * key came from without any secret.
	 */
	public sealed interface Credentials {

		/** Where the credentials come from, for messages; never the key or the secret. */
		String describe();

		/**
		 * The AWS SDK's default provider chain: environment, profile, container and
		 * instance roles.
		 */
		record DefaultChain() implements Credentials {

			@Override
			public String describe() {
				return "AWS default provider chain";
			}

		}

		/**
		 * A key pair read from two named environment variables when the client is built.
		 */
		record FromEnvironment(String accessKeyIdVariable, String secretAccessKeyVariable) implements Credentials {

			@Override
			public String describe() {
				return "environment " + this.accessKeyIdVariable + "/" + this.secretAccessKeyVariable;
			}

		}

		/**
		 * A profile of an AWS shared-credentials file ({@code default} when
		 * {@code profile} is null).
		 */
		record ProfileFile(Path file, String profile) implements Credentials {

			@Override
			public String describe() {
				return "file " + this.file + (this.profile != null ? " profile " + this.profile : "");
			}

		}

		/**
		 * A key pair from environment-bound configuration (never from job parameters).
		 */
		record Literal(String accessKeyId, String secretAccessKey) implements Credentials {

			@Override
			public String describe() {
				return "configured key pair";
			}

			@Override
			public String toString() {
				return "Literal[" + describe() + "]";
			}

		}

	}

	public String key(String relativeKey) {
		return this.prefix == null || this.prefix.isEmpty() ? relativeKey : this.prefix + "/" + relativeKey;
	}

	public String relative(String fullKey) {
		String head = this.prefix == null || this.prefix.isEmpty() ? "" : this.prefix + "/";
		return fullKey.startsWith(head) ? fullKey.substring(head.length()) : fullKey;
	}

	/** Bucket and prefix, e.g. {@code s3://drbatch/backups}. */
	public String location() {
		return "s3://" + this.bucket + (this.prefix == null || this.prefix.isEmpty() ? "" : "/" + this.prefix);
	}

}
