package io.drbatch.store;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.model.ChecksumAlgorithm;
import software.amazon.awssdk.services.s3.model.ChecksumMode;
import software.amazon.awssdk.services.s3.model.CreateMultipartUploadRequest;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.MultipartUpload;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.Part;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import software.amazon.awssdk.services.s3.model.PutObjectResponse;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;

import io.drbatch.codec.Sha256;
import io.drbatch.failure.DrbatchException;
import io.drbatch.failure.FailureKind;

/**
 * {@link ObjectStore} over the AWS SDK for Java v2 (synchronous client, Apache HTTP,
 * built by {@link S3Clients}). Works with AWS S3 and S3-compatible stores (GCS
 * interoperability, Cloudflare R2, MinIO) through an endpoint override and path-style
 * addressing. This class holds the object and multipart operations; server-side copies
 * ({@link S3ServerSideCopy}), bucket protection ({@link S3BucketProtection}) and cold
 * restores ({@link S3ColdObjectRestore}) have their own classes over the same client, and
 * {@link S3Calls} translates SDK errors into {@link DrbatchException}s that name the
 * target and the bucket. Thread-safe.
 */
public final class S3ObjectStore implements ObjectStore {

	/**
	 * How often a read that breaks mid-body is resumed (per break) before the read fails.
	 */
	private static final int READ_RESUMES = 4;

	private final S3Calls calls;

	private final S3StorageOptions options;

	private final S3ServerSideCopy copies;

	private final S3BucketProtection protection;

	private final S3ColdObjectRestore coldObjects;

	public S3ObjectStore(S3TargetConfig config) {
		this.calls = new S3Calls(config);
		this.options = S3StorageOptions.of(config);
		this.copies = new S3ServerSideCopy(this.calls, this.options);
		this.protection = new S3BucketProtection(this.calls);
		this.coldObjects = new S3ColdObjectRestore(this.calls);
	}

	@Override
	public String name() {
		return this.calls.name();
	}

	@Override
	public String location() {
		return this.calls.config.location();
	}

	@Override
	public Optional<BucketProtection> protection() {
		return Optional.of(this.protection);
	}

	@Override
	public Optional<ColdObjectRestore> coldObjects() {
		return Optional.of(this.coldObjects);
	}

	@Override
	public void checkAccess() {
		this.calls.call("list bucket",
				() -> this.calls.s3.listObjectsV2(r -> r.bucket(this.calls.bucket()).maxKeys(1)));
	}

	@Override
	public Optional<ObjectInfo> head(String key) {
		try {
			HeadObjectResponse head = this.calls.s3.headObject(
					r -> r.bucket(this.calls.bucket()).key(this.calls.key(key)).checksumMode(ChecksumMode.ENABLED));
			return Optional.of(new ObjectInfo(key, head.contentLength(), head.eTag(), head.checksumSHA256(),
					head.storageClassAsString(), head.lastModified(), head.metadata()));
		}
		catch (NoSuchKeyException ex) {
			return Optional.empty();
		}
		catch (S3Exception ex) {
			if (ex.statusCode() == 404 && !S3Calls.isNoSuchBucket(ex)) {
				return Optional.empty();
			}
			throw this.calls.translate("head " + key, ex);
		}
		catch (SdkException ex) {
			throw this.calls.translate("head " + key, ex);
		}
	}

	@Override
	public ObjectInfo put(String key, byte[] content, String contentType, Map<String, String> metadata) {
		byte[] digest = Sha256.of(content, 0, content.length);
		PutObjectRequest.Builder request = PutObjectRequest.builder()
			.bucket(this.calls.bucket())
			.key(this.calls.key(key))
			.contentType(contentType)
			.metadata(metadata)
			.contentLength((long) content.length)
			.checksumAlgorithm(ChecksumAlgorithm.SHA256)
			.checksumSHA256(Sha256.base64(digest));
		this.options.apply(request);
		PutObjectResponse response = this.calls.call("put " + key, () -> this.calls.s3.putObject(request.build(),
				RequestBody.fromContentProvider(() -> new ByteArrayInputStream(content), content.length, contentType)));
		StorageClass storageClass = this.options.storageClass();
		return new ObjectInfo(key, content.length, response.eTag(), response.checksumSHA256(),
				storageClass != null ? storageClass.name() : null, null, metadata);
	}

	@Override
	public InputStream get(String key) {
		return resumable(key, 0, -1);
	}

	@Override
	public InputStream get(String key, long offset) {
		return resumable(key, offset, -1);
	}

	@Override
	public InputStream getRange(String key, long offset, long length) {
		return resumable(key, offset, offset + length);
	}

	/**
	 * The body from {@code start} to {@code end} (exclusive; {@code -1}: the object's
	 * end), read on through connection breaks by {@link ResumingObjectStream}.
	 */
	private InputStream resumable(String key, long start, long end) {
		ResponseInputStream<GetObjectResponse> first = open(key, start, end, null);
		long stop = end >= 0 ? end : start + first.response().contentLength();
		return new ResumingObjectStream(key, first, start, stop, first.response().eTag(),
				(position, eTag) -> open(key, position, stop, eTag), READ_RESUMES);
	}

	private ResponseInputStream<GetObjectResponse> open(String key, long start, long end, String ifMatch) {
		String range = start == 0 && end < 0 ? null
				: "bytes=" + start + "-" + (end >= 0 ? String.valueOf(end - 1) : "");
		try {
			return this.calls.s3.getObject(r -> {
				r.bucket(this.calls.bucket()).key(this.calls.key(key));
				if (range != null) {
					r.range(range);
				}
				if (ifMatch != null) {
					r.ifMatch(ifMatch);
				}
			});
		}
		catch (NoSuchKeyException ex) {
			throw new DrbatchException(FailureKind.INTEGRITY,
					"object " + key + " is missing on target '" + name() + "' (" + location() + ")");
		}
		catch (SdkException ex) {
			throw this.calls.translate("get " + key + (range != null ? " (" + range + ")" : ""), ex);
		}
	}

	@Override
	public List<ObjectInfo> list(String prefix) {
		List<ObjectInfo> objects = new ArrayList<>();
		this.calls.call("list " + prefix, () -> {
			for (S3Object object : this.calls.s3
				.listObjectsV2Paginator(r -> r.bucket(this.calls.bucket()).prefix(this.calls.key(prefix)))
				.contents()) {
				objects.add(new ObjectInfo(this.calls.config.relative(object.key()), object.size(), object.eTag(), null,
						object.storageClassAsString(), object.lastModified()));
			}
			return null;
		});
		return objects;
	}

	@Override
	public void delete(String key) {
		this.calls.call("delete " + key,
				() -> this.calls.s3.deleteObject(r -> r.bucket(this.calls.bucket()).key(this.calls.key(key))));
	}

	@Override
	public UploadSession startMultipart(String key, String contentType, StorageClass storageClass) {
		CreateMultipartUploadRequest.Builder request = CreateMultipartUploadRequest.builder()
			.bucket(this.calls.bucket())
			.key(this.calls.key(key))
			.contentType(contentType)
			.checksumAlgorithm(ChecksumAlgorithm.SHA256);
		this.options.apply(request, storageClass);
		String uploadId = this.calls
			.call("start upload of " + key, () -> this.calls.s3.createMultipartUpload(request.build()))
			.uploadId();
		return new S3UploadSession(this.calls, this, key, uploadId);
	}

	@Override
	public ObjectInfo copy(String fromKey, String toKey, long size, long partSize, StorageClass storageClass) {
		this.copies.copy(fromKey, toKey, size, partSize, storageClass);
		return head(toKey).orElseThrow(() -> new DrbatchException(FailureKind.INTEGRITY,
				"the copy " + toKey + " is missing on target '" + name() + "' right after it completed"));
	}

	@Override
	public List<PendingUpload> pendingUploads(String prefix) {
		List<PendingUpload> uploads = new ArrayList<>();
		this.calls.call("list uploads under " + prefix, () -> {
			for (MultipartUpload upload : this.calls.s3
				.listMultipartUploadsPaginator(r -> r.bucket(this.calls.bucket()).prefix(this.calls.key(prefix)))
				.uploads()) {
				uploads.add(new PendingUpload(this.calls.config.relative(upload.key()), upload.uploadId()));
			}
			return null;
		});
		return uploads;
	}

	@Override
	public List<UploadedPart> uploadedParts(PendingUpload upload) {
		List<UploadedPart> parts = new ArrayList<>();
		this.calls.call("list the parts of upload " + upload.uploadId() + " of " + upload.key(), () -> {
			for (Part part : this.calls.s3.listPartsPaginator(
					r -> r.bucket(this.calls.bucket()).key(this.calls.key(upload.key())).uploadId(upload.uploadId()))
				.parts()) {
				parts.add(new UploadedPart(part.partNumber(), part.eTag(), part.checksumSHA256(), part.size()));
			}
			return null;
		});
		parts.sort(Comparator.comparingInt(UploadedPart::partNumber));
		return parts;
	}

	@Override
	public UploadSession reopen(PendingUpload upload) {
		return new S3UploadSession(this.calls, this, upload.key(), upload.uploadId());
	}

	@Override
	public void abort(PendingUpload upload) {
		S3UploadSession.abort(this.calls, upload);
	}

	@Override
	public void close() {
		this.calls.s3.close();
	}

}
