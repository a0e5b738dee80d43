package io.drbatch.store;

import java.io.InputStream;
import java.io.ByteArrayInputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.ProfileCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4FamilyHttpSigner;
import software.amazon.awssdk.profiles.ProfileFile;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.auth.scheme.S3AuthSchemeProvider;
import software.amazon.awssdk.services.s3.model.AbortMultipartUploadRequest;
import software.amazon.awssdk.services.s3.model.ChecksumAlgorithm;
import software.amazon.awssdk.services.s3.model.ChecksumMode;
import software.amazon.awssdk.services.s3.model.CompleteMultipartUploadRequest;
import software.amazon.awssdk.services.s3.model.CompletedMultipartUpload;
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
import software.amazon.awssdk.services.s3.model.ServerSideEncryption;
import software.amazon.awssdk.services.s3.model.StorageClass;
import software.amazon.awssdk.services.s3.model.UploadPartResponse;

import io.drbatch.codec.Sha256;
import io.drbatch.failure.DrbatchException;
import io.drbatch.failure.FailureKind;

/**
 * {@link ObjectStore} over the AWS SDK for Java v2 (synchronous client, Apache HTTP). Works with AWS S3 and
 * S3-compatible stores (GCS interoperability, Cloudflare R2, MinIO) through an endpoint override and path-style
 * addressing. SDK errors are translated into {@link DrbatchException}s that name the target and the bucket;
 * transient errors have already been retried by the SDK's standard retry strategy. Thread-safe.
 */
public final class S3ObjectStore implements ObjectStore, BucketProtection {

	private static final Logger log = LoggerFactory.getLogger(S3ObjectStore.class);

	/** How often a read that breaks mid-body is resumed (per break) before the read fails. */
	private static final int READ_RESUMES = 4;

	private final S3TargetConfig config;

	private final S3Client s3;

	public S3ObjectStore(S3TargetConfig config) {
		this.config = config;
		var builder = S3Client.builder()
			.region(Region.of(config.region()))
			.credentialsProvider(credentialsProvider(config.credentials()))
			.forcePathStyle(config.pathStyle())
			.authSchemeProvider(withoutPayloadSigning(S3AuthSchemeProvider.defaultProvider()))
			.httpClientBuilder(ApacheHttpClient.builder()
				.maxConnections(Math.max(4, config.maxConnections()))
				.connectionTimeout(Duration.ofSeconds(10))
				.socketTimeout(Duration.ofSeconds(120)))
			.overrideConfiguration(o -> o.retryStrategy(retry -> retry.retryOnException(S3ObjectStore::isBrokenResponseBody)));
		if (config.endpoint() != null) {
			builder.endpointOverride(config.endpoint());
		}
		this.s3 = builder.build();
	}

	/**
	 * Whether a call failed because the response's body broke off: the SDK retries a connection that breaks, but
	 * not a listing whose XML ends early, which it reports as a parse error (seen behind a faulty proxy).
	 */
	static boolean isBrokenResponseBody(Throwable failure) {
		for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
			if (cause instanceof javax.xml.stream.XMLStreamException || (cause.getMessage() != null
					&& cause.getMessage().contains("Premature end of Content-Length delimited message body"))) {
				return true;
			}
		}
		return false;
	}

	/**
	 * SigV4 without hashing the payload into the signature ({@code UNSIGNED-PAYLOAD}), also over plain HTTP.
	 * Every body drbatch sends carries its own SHA-256 checksum header, which the store verifies; hashing the
	 * payload a second time for the signature only costs CPU (over HTTP the SDK would otherwise sign every
	 * 64 KiB chunk of every part).
	 */
	private static S3AuthSchemeProvider withoutPayloadSigning(S3AuthSchemeProvider provider) {
		return parameters -> provider.resolveAuthScheme(parameters)
			.stream()
			.map(option -> option.toBuilder()
				.putSignerProperty(AwsV4FamilyHttpSigner.PAYLOAD_SIGNING_ENABLED, false)
				.putSignerProperty(AwsV4FamilyHttpSigner.CHUNK_ENCODING_ENABLED, false)
				.build())
			.toList();
	}

	static AwsCredentialsProvider credentialsProvider(S3TargetConfig.Credentials credentials) {
		if (credentials == null) {
			return DefaultCredentialsProvider.builder().build();
		}
		if (credentials.accessKeyIdEnv() != null) {
			String id = System.getenv(credentials.accessKeyIdEnv());
			String secret = System.getenv(credentials.secretAccessKeyEnv());
			if (id == null || id.isBlank() || secret == null || secret.isBlank()) {
				throw new DrbatchException(FailureKind.BAD_CONFIGURATION, "credentials environment variables "
						+ credentials.accessKeyIdEnv() + " and " + credentials.secretAccessKeyEnv() + " must both be set");
			}
			return StaticCredentialsProvider.create(AwsBasicCredentials.create(id, secret));
		}
		if (credentials.file() != null) {
			return ProfileCredentialsProvider.builder()
				.profileFile(ProfileFile.builder().content(credentials.file()).type(ProfileFile.Type.CREDENTIALS).build())
				.profileName(credentials.profile() != null ? credentials.profile() : "default")
				.build();
		}
		if (credentials.literalAccessKeyId() != null) {
			return StaticCredentialsProvider.create(
					AwsBasicCredentials.create(credentials.literalAccessKeyId(), credentials.literalSecretAccessKey()));
		}
		return DefaultCredentialsProvider.builder().build();
	}

	@Override
	public String name() {
		return this.config.name();
	}

	@Override
	public String location() {
		String prefix = this.config.prefix() == null || this.config.prefix().isEmpty() ? "" : "/" + this.config.prefix();
		return "s3://" + this.config.bucket() + prefix;
	}

	@Override
	public void checkAccess() {
		call("list bucket", () -> this.s3.listObjectsV2(r -> r.bucket(this.config.bucket()).maxKeys(1)));
	}

	@Override
	public Optional<ObjectInfo> head(String key) {
		try {
			HeadObjectResponse head = this.s3.headObject(
					r -> r.bucket(this.config.bucket()).key(this.config.key(key)).checksumMode(ChecksumMode.ENABLED));
			return Optional.of(new ObjectInfo(key, head.contentLength(), head.eTag(), head.checksumSHA256(),
					head.storageClassAsString(), head.lastModified()));
		}
		catch (NoSuchKeyException ex) {
			return Optional.empty();
		}
		catch (S3Exception ex) {
			if (ex.statusCode() == 404 && !isNoSuchBucket(ex)) {
				return Optional.empty();
			}
			throw translate("head " + key, ex);
		}
		catch (SdkException ex) {
			throw translate("head " + key, ex);
		}
	}

	@Override
	public ObjectInfo put(String key, byte[] content, String contentType) {
		byte[] digest = Sha256.of(content, 0, content.length);
		PutObjectRequest.Builder request = PutObjectRequest.builder()
			.bucket(this.config.bucket())
			.key(this.config.key(key))
			.contentType(contentType)
			.contentLength((long) content.length)
			.checksumAlgorithm(ChecksumAlgorithm.SHA256)
			.checksumSHA256(Sha256.base64(digest));
		applyStorageOptions(request::storageClass, request::serverSideEncryption, request::ssekmsKeyId);
		PutObjectResponse response = call("put " + key,
				() -> this.s3.putObject(request.build(), RequestBody.fromContentProvider(
						() -> new ByteArrayInputStream(content), content.length, contentType)));
		return new ObjectInfo(key, content.length, response.eTag(), response.checksumSHA256(),
				this.config.storageClass(), null);
	}

	/** Storage class and server-side encryption of new objects, for puts and multipart uploads alike. */
	private void applyStorageOptions(java.util.function.Consumer<StorageClass> storageClass,
			java.util.function.Consumer<ServerSideEncryption> encryption, java.util.function.Consumer<String> kmsKeyId) {
		if (this.config.storageClass() != null) {
			storageClass.accept(StorageClass.fromValue(this.config.storageClass()));
		}
		if (this.config.serverSideEncryption() != null) {
			encryption.accept(ServerSideEncryption.fromValue(this.config.serverSideEncryption()));
			if (this.config.kmsKeyId() != null) {
				kmsKeyId.accept(this.config.kmsKeyId());
			}
		}
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
	 * The body from {@code start} to {@code end} (exclusive; {@code -1}: the object's end), read on through
	 * connection breaks by {@link ResumingObjectStream}.
	 */
	private InputStream resumable(String key, long start, long end) {
		ResponseInputStream<GetObjectResponse> first = open(key, start, end, null);
		long stop = end >= 0 ? end : start + first.response().contentLength();
		return new ResumingObjectStream(key, first, start, stop, first.response().eTag(),
				(position, eTag) -> open(key, position, stop, eTag), READ_RESUMES);
	}

	private ResponseInputStream<GetObjectResponse> open(String key, long start, long end, String ifMatch) {
		String range = start == 0 && end < 0 ? null : "bytes=" + start + "-" + (end >= 0 ? String.valueOf(end - 1) : "");
		try {
			return this.s3.getObject(r -> {
				r.bucket(this.config.bucket()).key(this.config.key(key));
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
			throw translate("get " + key + (range != null ? " (" + range + ")" : ""), ex);
		}
	}

	@Override
	public List<ObjectInfo> list(String prefix) {
		List<ObjectInfo> objects = new ArrayList<>();
		call("list " + prefix, () -> {
			for (S3Object object : this.s3
				.listObjectsV2Paginator(r -> r.bucket(this.config.bucket()).prefix(this.config.key(prefix)))
				.contents()) {
				objects.add(new ObjectInfo(this.config.relative(object.key()), object.size(), object.eTag(), null,
						object.storageClassAsString(), object.lastModified()));
			}
			return null;
		});
		return objects;
	}

	@Override
	public void delete(String key) {
		call("delete " + key, () -> this.s3.deleteObject(r -> r.bucket(this.config.bucket()).key(this.config.key(key))));
	}

	@Override
	public io.drbatch.store.MultipartUpload startMultipart(String key, String contentType, String storageClass) {
		CreateMultipartUploadRequest.Builder request = CreateMultipartUploadRequest.builder()
			.bucket(this.config.bucket())
			.key(this.config.key(key))
			.contentType(contentType)
			.checksumAlgorithm(ChecksumAlgorithm.SHA256);
		applyStorageOptions(request::storageClass, request::serverSideEncryption, request::ssekmsKeyId);
		if (storageClass != null) {
			request.storageClass(StorageClass.fromValue(storageClass));
		}
		String uploadId = call("start upload of " + key, () -> this.s3.createMultipartUpload(request.build())).uploadId();
		return new S3MultipartUpload(key, uploadId);
	}

	@Override
	public ObjectInfo copy(String fromKey, String toKey, long size, long partSize, String storageClass) {
		// with SHA-256 part checksums the copy carries the original's composite checksum; a store that returns
		// no checksum for a copied part cannot complete such an upload, so the copy is made again without
		if (!copyParts(fromKey, toKey, size, partSize, storageClass, true)) {
			log.info("Target '{}' reports no checksum for copied parts; copying {} without part checksums", name(), fromKey);
			copyParts(fromKey, toKey, size, partSize, storageClass, false);
		}
		return head(toKey).orElseThrow(() -> new DrbatchException(FailureKind.INTEGRITY,
				"the copy " + toKey + " is missing on target '" + name() + "' right after it completed"));
	}

	/** @return false when checksums were asked for and the store returned none (the upload is then aborted) */
	private boolean copyParts(String fromKey, String toKey, long size, long partSize, String storageClass,
			boolean checksums) {
		String bucket = this.config.bucket();
		CreateMultipartUploadRequest.Builder create = CreateMultipartUploadRequest.builder()
			.bucket(bucket)
			.key(this.config.key(toKey));
		if (checksums) {
			create.checksumAlgorithm(ChecksumAlgorithm.SHA256);
		}
		applyStorageOptions(create::storageClass, create::serverSideEncryption, create::ssekmsKeyId);
		if (storageClass != null) {
			create.storageClass(StorageClass.fromValue(storageClass));
		}
		String uploadId = call("start the copy of " + fromKey, () -> this.s3.createMultipartUpload(create.build()))
			.uploadId();
		try {
			List<software.amazon.awssdk.services.s3.model.CompletedPart> parts = new ArrayList<>();
			long step = Math.max(5L * 1024 * 1024, partSize);
			int partNumber = 1;
			for (long start = 0; start < Math.max(size, 1); start += step, partNumber++) {
				long end = Math.min(size, start + step) - 1;
				int number = partNumber;
				String range = "bytes=" + start + "-" + Math.max(end, 0);
				var result = call("copy part " + number + " of " + fromKey, () -> this.s3.uploadPartCopy(r -> {
					r.sourceBucket(bucket)
						.sourceKey(this.config.key(fromKey))
						.destinationBucket(bucket)
						.destinationKey(this.config.key(toKey))
						.uploadId(uploadId)
						.partNumber(number);
					if (size > 0) {
						r.copySourceRange(range);
					}
				})).copyPartResult();
				if (checksums && result.checksumSHA256() == null) {
					abort(new PendingUpload(toKey, uploadId));
					return false;
				}
				parts.add(software.amazon.awssdk.services.s3.model.CompletedPart.builder()
					.partNumber(number)
					.eTag(result.eTag())
					.checksumSHA256(result.checksumSHA256())
					.build());
			}
			call("complete the copy of " + fromKey, () -> this.s3.completeMultipartUpload(r -> r.bucket(bucket)
				.key(this.config.key(toKey))
				.uploadId(uploadId)
				.multipartUpload(CompletedMultipartUpload.builder().parts(parts).build())));
			return true;
		}
		catch (RuntimeException ex) {
			abort(new PendingUpload(toKey, uploadId));
			throw ex;
		}
	}

	@Override
	public List<PendingUpload> pendingUploads(String prefix) {
		List<PendingUpload> uploads = new ArrayList<>();
		call("list uploads under " + prefix, () -> {
			for (MultipartUpload upload : this.s3
				.listMultipartUploadsPaginator(r -> r.bucket(this.config.bucket()).prefix(this.config.key(prefix)))
				.uploads()) {
				uploads.add(new PendingUpload(this.config.relative(upload.key()), upload.uploadId()));
			}
			return null;
		});
		return uploads;
	}

	@Override
	public List<io.drbatch.store.MultipartUpload.CompletedPart> uploadedParts(PendingUpload upload) {
		List<io.drbatch.store.MultipartUpload.CompletedPart> parts = new ArrayList<>();
		call("list the parts of upload " + upload.uploadId() + " of " + upload.key(), () -> {
			for (Part part : this.s3.listPartsPaginator(r -> r.bucket(this.config.bucket())
				.key(this.config.key(upload.key()))
				.uploadId(upload.uploadId())).parts()) {
				parts.add(new io.drbatch.store.MultipartUpload.CompletedPart(part.partNumber(), part.eTag(),
						part.checksumSHA256(), part.size()));
			}
			return null;
		});
		parts.sort(java.util.Comparator.comparingInt(io.drbatch.store.MultipartUpload.CompletedPart::partNumber));
		return parts;
	}

	@Override
	public io.drbatch.store.MultipartUpload reopen(PendingUpload upload) {
		return new S3MultipartUpload(upload.key(), upload.uploadId());
	}

	@Override
	public void abort(PendingUpload upload) {
		call("abort upload of " + upload.key(), () -> this.s3.abortMultipartUpload(AbortMultipartUploadRequest.builder()
			.bucket(this.config.bucket())
			.key(this.config.key(upload.key()))
			.uploadId(upload.uploadId())
			.build()));
	}

	@Override
	public void close() {
		this.s3.close();
	}

	@Override
	public BucketProtection.State read() {
		String bucket = this.config.bucket();
		try {
			this.s3.headBucket(r -> r.bucket(bucket));
		}
		catch (software.amazon.awssdk.services.s3.model.NoSuchBucketException ex) {
			return new BucketProtection.State(false, null, false, null, null, null, null);
		}
		catch (S3Exception ex) {
			if (ex.statusCode() == 404) {
				return new BucketProtection.State(false, null, false, null, null, null, null);
			}
			throw translate("read bucket " + bucket, ex);
		}
		catch (SdkException ex) {
			throw translate("read bucket " + bucket, ex);
		}
		String versioning = call("read versioning", () -> this.s3.getBucketVersioning(r -> r.bucket(bucket)).statusAsString());
		boolean lockEnabled = false;
		String mode = null;
		Integer days = null;
		try {
			var lock = this.s3.getObjectLockConfiguration(r -> r.bucket(bucket)).objectLockConfiguration();
			lockEnabled = lock != null && "Enabled".equals(lock.objectLockEnabledAsString());
			if (lock != null && lock.rule() != null && lock.rule().defaultRetention() != null) {
				mode = lock.rule().defaultRetention().modeAsString();
				days = lock.rule().defaultRetention().days();
			}
		}
		catch (S3Exception ex) {
			// AWS answers 404 ObjectLockConfigurationNotFoundError for a bucket without Object Lock; some stores 400
			if (ex.statusCode() != 404 && ex.statusCode() != 400) {
				throw translate("read the Object Lock configuration", ex);
			}
		}
		catch (SdkException ex) {
			throw translate("read the Object Lock configuration", ex);
		}
		Integer abortDays = null;
		Integer noncurrentDays = null;
		try {
			for (var rule : this.s3.getBucketLifecycleConfiguration(r -> r.bucket(bucket)).rules()) {
				if (rule.abortIncompleteMultipartUpload() != null) {
					abortDays = rule.abortIncompleteMultipartUpload().daysAfterInitiation();
				}
				if (rule.noncurrentVersionExpiration() != null) {
					noncurrentDays = rule.noncurrentVersionExpiration().noncurrentDays();
				}
			}
		}
		catch (S3Exception ex) {
			if (ex.statusCode() != 404) {
				throw translate("read the lifecycle configuration", ex);
			}
		}
		catch (SdkException ex) {
			throw translate("read the lifecycle configuration", ex);
		}
		return new BucketProtection.State(true, versioning, lockEnabled, mode, days, abortDays, noncurrentDays);
	}

	@Override
	public void createWithObjectLock() {
		call("create bucket " + this.config.bucket() + " with Object Lock", () -> this.s3.createBucket(r -> {
			r.bucket(this.config.bucket()).objectLockEnabledForBucket(true);
			if (this.config.region() != null && !"us-east-1".equals(this.config.region())) {
				r.createBucketConfiguration(c -> c.locationConstraint(this.config.region()));
			}
		}));
	}

	@Override
	public void enableVersioning() {
		call("enable versioning", () -> this.s3.putBucketVersioning(r -> r.bucket(this.config.bucket())
			.versioningConfiguration(v -> v.status(software.amazon.awssdk.services.s3.model.BucketVersioningStatus.ENABLED))));
	}

	@Override
	public void putDefaultRetention(String mode, int days) {
		try {
			this.s3.putObjectLockConfiguration(r -> r.bucket(this.config.bucket())
				.objectLockConfiguration(c -> c.objectLockEnabled("Enabled")
					.rule(rule -> rule.defaultRetention(d -> d.mode(mode).days(days)))));
		}
		catch (S3Exception ex) {
			String code = ex.awsErrorDetails() != null ? ex.awsErrorDetails().errorCode() : null;
			if (ex.statusCode() == 409 || ex.statusCode() == 400 || "InvalidBucketState".equals(code)) {
				throw new DrbatchException(FailureKind.BAD_CONFIGURATION, "target '" + name() + "': bucket '"
						+ this.config.bucket() + "' cannot hold Object Lock (" + ex.statusCode() + " " + code
						+ "); Object Lock is enabled when a bucket is created: point the target at a new bucket and run object-lock-setup",
						ex);
			}
			throw translate("set the default retention", ex);
		}
		catch (SdkException ex) {
			throw translate("set the default retention", ex);
		}
	}

	@Override
	public void putLifecycle(Integer abortIncompleteUploadsDays, Integer noncurrentVersionExpirationDays) {
		var rule = software.amazon.awssdk.services.s3.model.LifecycleRule.builder()
			.id("drbatch")
			.status(software.amazon.awssdk.services.s3.model.ExpirationStatus.ENABLED)
			.filter(f -> f.prefix(this.config.prefix() == null ? "" : this.config.prefix()));
		if (abortIncompleteUploadsDays != null) {
			rule.abortIncompleteMultipartUpload(a -> a.daysAfterInitiation(abortIncompleteUploadsDays));
		}
		if (noncurrentVersionExpirationDays != null) {
			rule.noncurrentVersionExpiration(n -> n.noncurrentDays(noncurrentVersionExpirationDays));
		}
		call("set the lifecycle rules", () -> this.s3.putBucketLifecycleConfiguration(
				r -> r.bucket(this.config.bucket()).lifecycleConfiguration(l -> l.rules(rule.build()))));
	}

	@Override
	public BucketProtection.Retention retain(String key, String mode, java.time.Instant until) {
		String versionId = call("head " + key,
				() -> this.s3.headObject(r -> r.bucket(this.config.bucket()).key(this.config.key(key))).versionId());
		call("set the retention of " + key, () -> this.s3.putObjectRetention(r -> r.bucket(this.config.bucket())
			.key(this.config.key(key))
			.versionId(versionId)
			.retention(ret -> ret.mode(mode).retainUntilDate(until))));
		return retention(key).orElseThrow(() -> new DrbatchException(FailureKind.INTEGRITY,
				"target '" + name() + "' did not keep the retention of " + key));
	}

	@Override
	public Optional<String> restoreStatus(String key) {
		return Optional.ofNullable(call("head " + key,
				() -> this.s3.headObject(r -> r.bucket(this.config.bucket()).key(this.config.key(key))).restore()));
	}

	@Override
	public void requestRestore(String key, int days) {
		try {
			this.s3.restoreObject(r -> r.bucket(this.config.bucket())
				.key(this.config.key(key))
				.restoreRequest(q -> q.days(days).glacierJobParameters(g -> g.tier("Standard"))));
		}
		catch (S3Exception ex) {
			String code = ex.awsErrorDetails() != null ? ex.awsErrorDetails().errorCode() : null;
			if (!"RestoreAlreadyInProgress".equals(code) && ex.statusCode() != 409) {
				throw translate("request the restore of " + key, ex);
			}
		}
		catch (SdkException ex) {
			throw translate("request the restore of " + key, ex);
		}
	}

	@Override
	public java.util.List<BucketProtection.Version> versions(String key) {
		String full = this.config.key(key);
		java.util.List<BucketProtection.Version> versions = new ArrayList<>();
		call("list the versions of " + key, () -> {
			var pages = this.s3.listObjectVersionsPaginator(r -> r.bucket(this.config.bucket()).prefix(full));
			pages.versions().stream().filter(v -> v.key().equals(full))
				.forEach(v -> versions.add(new BucketProtection.Version(key, v.versionId(), false)));
			pages.deleteMarkers().stream().filter(m -> m.key().equals(full))
				.forEach(m -> versions.add(new BucketProtection.Version(key, m.versionId(), true)));
			return null;
		});
		return versions;
	}

	@Override
	public void deleteVersion(String key, String versionId) {
		call("delete version " + versionId + " of " + key, () -> this.s3.deleteObject(r -> {
			r.bucket(this.config.bucket()).key(this.config.key(key));
			if (versionId != null && !"null".equals(versionId)) {
				r.versionId(versionId);
			}
		}));
	}

	@Override
	public Optional<BucketProtection.Retention> retention(String key) {
		String versionId = call("head " + key,
				() -> this.s3.headObject(r -> r.bucket(this.config.bucket()).key(this.config.key(key))).versionId());
		return retention(key, versionId);
	}

	@Override
	public Optional<BucketProtection.Retention> retention(String key, String versionId) {
		try {
			var retention = this.s3.getObjectRetention(
					r -> r.bucket(this.config.bucket()).key(this.config.key(key)).versionId(versionId)).retention();
			return retention == null ? Optional.empty()
					: Optional.of(new BucketProtection.Retention(versionId, retention.modeAsString(), retention.retainUntilDate()));
		}
		catch (S3Exception ex) {
			if (ex.statusCode() == 404 || ex.statusCode() == 400) {
				return Optional.empty();
			}
			throw translate("read the retention of " + key, ex);
		}
		catch (SdkException ex) {
			throw translate("read the retention of " + key, ex);
		}
	}

	private <T> T call(String action, java.util.function.Supplier<T> operation) {
		try {
			return operation.get();
		}
		catch (SdkException ex) {
			throw translate(action, ex);
		}
	}

	private static boolean isNoSuchBucket(S3Exception ex) {
		return ex.awsErrorDetails() != null && "NoSuchBucket".equals(ex.awsErrorDetails().errorCode());
	}

	DrbatchException translate(String action, SdkException ex) {
		String where = "target '" + name() + "' (" + location() + ")";
		if (ex instanceof S3Exception s3ex) {
			String code = s3ex.awsErrorDetails() != null ? s3ex.awsErrorDetails().errorCode() : null;
			String detail = code != null ? code : ("HTTP " + s3ex.statusCode());
			if (isNoSuchBucket(s3ex) || (s3ex.statusCode() == 404 && action.startsWith("list bucket"))) {
				return new DrbatchException(FailureKind.STORE_BUCKET_MISSING,
						"bucket '" + this.config.bucket() + "' does not exist on " + where, ex);
			}
			if (s3ex.statusCode() == 403 || "InvalidAccessKeyId".equals(code) || "SignatureDoesNotMatch".equals(code)) {
				return new DrbatchException(FailureKind.STORE_ACCESS_DENIED, where + " rejected the credentials from "
						+ this.config.credentials().describe() + " (" + s3ex.statusCode() + " " + detail + ") on " + action, ex);
			}
			if (s3ex.statusCode() >= 500 || s3ex.statusCode() == 429) {
				return new DrbatchException(FailureKind.STORE_UNAVAILABLE,
						where + " failed to " + action + " (" + s3ex.statusCode() + " " + detail + ")", ex);
			}
			return new DrbatchException(FailureKind.INTEGRITY,
					where + " refused to " + action + " (" + s3ex.statusCode() + " " + detail + ")", ex);
		}
		if (ex instanceof SdkClientException) {
			return new DrbatchException(FailureKind.STORE_UNAVAILABLE,
					"cannot reach " + where + " at " + endpointText() + " to " + action + ": " + rootMessage(ex), ex);
		}
		return new DrbatchException(FailureKind.STORE_UNAVAILABLE, where + " failed to " + action + ": " + ex.getMessage(), ex);
	}

	private String endpointText() {
		return this.config.endpoint() != null ? this.config.endpoint().toString() : "AWS S3 " + this.config.region();
	}

	private static String rootMessage(Throwable ex) {
		Throwable root = ex;
		while (root.getCause() != null && root.getCause() != root) {
			root = root.getCause();
		}
		return root.getMessage() != null ? root.getMessage() : root.getClass().getSimpleName();
	}

	/** One upload; {@link #uploadPart} is safe to call from several threads. */
	private final class S3MultipartUpload implements io.drbatch.store.MultipartUpload {

		private final String key;

		private final String uploadId;

		S3MultipartUpload(String key, String uploadId) {
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
		public CompletedPart uploadPart(int partNumber, byte[] content, int length, byte[] sha256) {
			String checksum = Sha256.base64(sha256);
			UploadPartResponse response = call("upload part " + partNumber + " of " + this.key,
					() -> S3ObjectStore.this.s3.uploadPart(r -> r.bucket(S3ObjectStore.this.config.bucket())
						.key(S3ObjectStore.this.config.key(this.key))
						.uploadId(this.uploadId)
						.partNumber(partNumber)
						.contentLength((long) length)
						.checksumAlgorithm(ChecksumAlgorithm.SHA256)
						.checksumSHA256(checksum),
							RequestBody.fromContentProvider(() -> new ByteArrayInputStream(content, 0, length), length,
									"application/octet-stream")));
			return new CompletedPart(partNumber, response.eTag(), checksum, length);
		}

		@Override
		public ObjectInfo complete(List<CompletedPart> parts) {
			List<software.amazon.awssdk.services.s3.model.CompletedPart> completed = parts.stream()
				.map(p -> software.amazon.awssdk.services.s3.model.CompletedPart.builder()
					.partNumber(p.partNumber())
					.eTag(p.eTag())
					.checksumSHA256(p.checksumSha256())
					.build())
				.toList();
			call("complete upload of " + this.key, () -> S3ObjectStore.this.s3.completeMultipartUpload(
					CompleteMultipartUploadRequest.builder()
						.bucket(S3ObjectStore.this.config.bucket())
						.key(S3ObjectStore.this.config.key(this.key))
						.uploadId(this.uploadId)
						.multipartUpload(CompletedMultipartUpload.builder().parts(completed).build())
						.build()));
			return head(this.key).orElseThrow(() -> new DrbatchException(FailureKind.INTEGRITY,
					"object " + this.key + " is missing on target '" + name() + "' right after its upload completed"));
		}

		@Override
		public void abort() {
			try {
				S3ObjectStore.this.abort(new PendingUpload(this.key, this.uploadId));
			}
			catch (RuntimeException ex) {
				log.warn("Could not abort upload {} of {} on target '{}': {}", this.uploadId, this.key, name(),
						ex.getMessage());
			}
		}

	}

}
