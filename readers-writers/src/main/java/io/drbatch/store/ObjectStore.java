package io.drbatch.store;

import java.io.InputStream;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import io.drbatch.failure.DrbatchException;
import io.drbatch.failure.FailureKind;

/**
 * One bucket (and key prefix) of an S3-compatible object store: the only way drbatch
 * touches storage.
 *
 * <p>
 * Contract, shared by every implementation and checked by
 * {@code ObjectStoreContractTests}:
 * <ul>
 * <li>Keys are relative to the target's prefix; listings return them relative as
 * well.</li>
 * <li>{@link #head} and {@link #get} of a missing key: {@code Optional.empty()} and
 * {@link DrbatchException} of kind {@link FailureKind#INTEGRITY} respectively; never a
 * generic error.</li>
 * <li>Rejected credentials fail with {@link FailureKind#STORE_ACCESS_DENIED}, a missing
 * bucket with {@link FailureKind#STORE_BUCKET_MISSING} (both permanent); unreachable
 * endpoints and 5xx answers after the client's retries with
 * {@link FailureKind#STORE_UNAVAILABLE} (transient).</li>
 * <li>{@link #put} and every part of {@link #startMultipart} carry a SHA-256 checksum
 * that the store verifies on receipt; {@link #head} reports the store's own checksum
 * where the store keeps one (composite {@code base64-N} for multipart objects; some
 * stores report none for single-part objects).</li>
 * <li>Listings are complete: implementations follow pagination.</li>
 * </ul>
 * Implementations are thread-safe.
 */
public interface ObjectStore extends AutoCloseable {

	/**
	 * The configured name of this target (e.g. {@code primary}), used in every message.
	 */
	String name();

	/**
	 * Bucket and prefix as a human-readable location, e.g. {@code s3://drbatch/backups}.
	 */
	String location();

	/** Checks that the bucket exists and the credentials may list it. */
	void checkAccess();

	Optional<ObjectInfo> head(String key);

	/** Stores a small object whole (manifests, reports). */
	default ObjectInfo put(String key, byte[] content, String contentType) {
		return put(key, content, contentType, Map.of());
	}

	/**
	 * Stores a small object whole with user metadata (lower-case names), which
	 * {@link #head} reports back; a server-side {@link #copy} does not carry it.
	 */
	ObjectInfo put(String key, byte[] content, String contentType, Map<String, String> metadata);

	/** Streams an object; the caller closes the stream. */
	InputStream get(String key);

	/**
	 * Streams an object from byte {@code offset} (inclusive) to its end, with a ranged
	 * GET; the caller closes the stream. {@code offset} must be less than the object's
	 * size.
	 */
	InputStream get(String key, long offset);

	/**
	 * Streams {@code length} bytes of an object from byte {@code offset}, with a ranged
	 * GET.
	 */
	InputStream getRange(String key, long offset, long length);

	/** Every object whose key starts with {@code prefix}, in key order. */
	List<ObjectInfo> list(String prefix);

	void delete(String key);

	/**
	 * Starts a multipart upload of {@code key}; see {@link MultipartUploadStream} for
	 * streaming into it.
	 */
	default UploadSession startMultipart(String key, String contentType) {
		return startMultipart(key, contentType, null);
	}

	/**
	 * Starts a multipart upload of {@code key} in {@code storageClass} ({@code null}: the
	 * target's configured class).
	 */
	UploadSession startMultipart(String key, String contentType, StorageClass storageClass);

	/**
	 * The parts of a pending upload that the store holds, in part-number order, each with
	 * its size and, where the upload was started with SHA-256 checksums, the part's
	 * checksum (ListParts, all pages).
	 */
	List<UploadedPart> uploadedParts(PendingUpload upload);

	/**
	 * Takes up a pending upload again, to add parts to it and complete it (or abort it).
	 */
	UploadSession reopen(PendingUpload upload);

	/**
	 * Copies {@code fromKey} to {@code toKey} inside the store (server-side: no byte
	 * passes through drbatch), part by part with {@code partSize} boundaries, so that a
	 * source uploaded with the same part size gets a copy with the same composite
	 * checksum; works for objects over 5 GiB, which a single copy cannot. The copy gets
	 * {@code storageClass} ({@code null}: the target's configured class). Aborted on
	 * failure.
	 */
	ObjectInfo copy(String fromKey, String toKey, long size, long partSize, StorageClass storageClass);

	/**
	 * Multipart uploads started under {@code prefix} and neither completed nor aborted.
	 */
	List<PendingUpload> pendingUploads(String prefix);

	void abort(PendingUpload upload);

	/** This target's versioning and Object Lock operations, when the store has them. */
	default Optional<BucketProtection> protection() {
		return Optional.empty();
	}

	/** Restores of objects in cold storage classes, when the store has them. */
	default Optional<ColdObjectRestore> coldObjects() {
		return Optional.empty();
	}

	@Override
	void close();

	/** An upload started but not yet completed or aborted. */
	record PendingUpload(String key, String uploadId) {
	}

}
