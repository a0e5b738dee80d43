package io.drbatch.testing;

import java.net.URI;
import java.util.List;
import java.util.Locale;
import java.util.UUID;

import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.ObjectIdentifier;
import software.amazon.awssdk.services.s3.model.S3Object;

import io.drbatch.store.S3ObjectStore;
import io.drbatch.store.S3TargetConfig;

/**
 * The S3-compatible test server that scripts/local-env.sh starts (S3Mock on
 * 127.0.0.1:9090 unless {@code DRBATCH_TEST_S3_ENDPOINT} says otherwise). Each test makes
 * its own bucket, so tests never see each other's objects.
 */
public final class TestS3 {

	public static final URI ENDPOINT = URI
		.create(System.getenv().getOrDefault("DRBATCH_TEST_S3_ENDPOINT", "http://127.0.0.1:9090"));

	/**
	 * Two more S3-compatible servers for replication tests (S3Mock on 127.0.0.1:9091 and
	 * :9092, started by
	 * {@code DRBATCH_S3_PORTS="9090 9091 9092" scripts/local-env.sh up}, which
	 * scripts/test.sh does).
	 */
	public static final List<URI> SECONDARY_ENDPOINTS = List.of(
			URI.create(System.getenv().getOrDefault("DRBATCH_TEST_S3_ENDPOINT_2", "http://127.0.0.1:9091")),
			URI.create(System.getenv().getOrDefault("DRBATCH_TEST_S3_ENDPOINT_3", "http://127.0.0.1:9092")));

	private TestS3() {
	}

	/** A raw SDK client, for checks that must not go through drbatch's own code. */
	public static S3Client client() {
		return client(ENDPOINT);
	}

	public static S3Client client(URI endpoint) {
		return S3Client.builder()
			.endpointOverride(endpoint)
			.region(Region.US_EAST_1)
			.forcePathStyle(true)
			.credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test")))
			.build();
	}

	/** Creates a bucket with a unique name starting with {@code prefix}. */
	public static String newBucket(String prefix) {
		return newBucket(ENDPOINT, prefix);
	}

	/** Creates the bucket {@code bucket} on the server at {@code endpoint}. */
	public static void createBucket(URI endpoint, String bucket) {
		try (S3Client s3 = client(endpoint)) {
			s3.createBucket(r -> r.bucket(bucket));
		}
	}

	/**
	 * Creates a bucket with a unique name starting with {@code prefix} on the server at
	 * {@code endpoint}.
	 */
	public static String newBucket(URI endpoint, String prefix) {
		String bucket = (prefix + "-" + UUID.randomUUID().toString().substring(0, 8)).toLowerCase(Locale.ROOT);
		try (S3Client s3 = client(endpoint)) {
			s3.createBucket(r -> r.bucket(bucket));
		}
		return bucket;
	}

	public static S3TargetConfig target(String name, String bucket, String prefix) {
		return target(name, ENDPOINT, bucket, prefix);
	}

	public static S3TargetConfig target(String name, URI endpoint, String bucket, String prefix) {
		return new S3TargetConfig(name, endpoint, "us-east-1", bucket, prefix, true,
				new S3TargetConfig.Credentials.Literal("test", "test"), null, null, null, 8);
	}

	public static S3ObjectStore store(String bucket, String prefix) {
		return new S3ObjectStore(target("test", bucket, prefix));
	}

	/** Every key in the bucket. */
	public static List<String> keys(String bucket) {
		return keys(ENDPOINT, bucket);
	}

	/** Every key in the bucket on the server at {@code endpoint}. */
	public static List<String> keys(URI endpoint, String bucket) {
		try (S3Client s3 = client(endpoint)) {
			return s3.listObjectsV2Paginator(r -> r.bucket(bucket)).contents().stream().map(S3Object::key).toList();
		}
	}

	/** Multipart uploads still open in the bucket. */
	public static int openUploads(String bucket) {
		return openUploads(ENDPOINT, bucket);
	}

	/** Multipart uploads still open in the bucket on the server at {@code endpoint}. */
	public static int openUploads(URI endpoint, String bucket) {
		try (S3Client s3 = client(endpoint)) {
			return s3.listMultipartUploads(r -> r.bucket(bucket)).uploads().size();
		}
	}

	/** A bucket name nobody has created yet. */
	public static String unusedBucketName(String prefix) {
		return (prefix + "-" + UUID.randomUUID().toString().substring(0, 8)).toLowerCase(Locale.ROOT);
	}

	/**
	 * Deletes a versioned bucket: every version and delete marker, then the bucket. (The
	 * test server does not enforce Object Lock, so locked versions go too.)
	 */
	public static void deleteVersionedBucket(String bucket) {
		deleteVersionedBucket(ENDPOINT, bucket);
	}

	/**
	 * Deletes a versioned bucket on the server at {@code endpoint}; see
	 * {@link #deleteVersionedBucket(String)}.
	 */
	public static void deleteVersionedBucket(URI endpoint, String bucket) {
		try (S3Client s3 = client(endpoint)) {
			var versions = s3.listObjectVersionsPaginator(r -> r.bucket(bucket));
			versions.versions()
				.forEach(v -> s3.deleteObject(r -> r.bucket(bucket).key(v.key()).versionId(v.versionId())));
			versions.deleteMarkers()
				.forEach(m -> s3.deleteObject(r -> r.bucket(bucket).key(m.key()).versionId(m.versionId())));
			s3.deleteBucket(r -> r.bucket(bucket));
		}
	}

	public static void deleteBucket(String bucket) {
		deleteBucket(ENDPOINT, bucket);
	}

	/** Hex SHA-256 of an object's bytes, read through drbatch's store. */
	public static String sha256(io.drbatch.store.ObjectStore store, String key) {
		java.security.MessageDigest digest = io.drbatch.codec.Sha256.newDigest();
		try (java.io.InputStream in = store.get(key)) {
			byte[] buffer = new byte[1 << 20];
			for (int n; (n = in.read(buffer)) >= 0;) {
				digest.update(buffer, 0, n);
			}
		}
		catch (java.io.IOException ex) {
			throw new java.io.UncheckedIOException(ex);
		}
		return io.drbatch.codec.Sha256.hex(digest.digest());
	}

	public static void deleteBucket(URI endpoint, String bucket) {
		try (S3Client s3 = client(endpoint)) {
			s3.listMultipartUploads(r -> r.bucket(bucket))
				.uploads()
				.forEach(u -> s3.abortMultipartUpload(r -> r.bucket(bucket).key(u.key()).uploadId(u.uploadId())));
			List<ObjectIdentifier> ids = s3.listObjectsV2Paginator(r -> r.bucket(bucket))
				.contents()
				.stream()
				.map(o -> ObjectIdentifier.builder().key(o.key()).build())
				.toList();
			for (ObjectIdentifier id : ids) {
				s3.deleteObject(r -> r.bucket(bucket).key(id.key()));
			}
			s3.deleteBucket(r -> r.bucket(bucket));
		}
	}

}
