package io.drbatch.testing;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;

import io.drbatch.codec.Sha256;
import io.drbatch.failure.DrbatchException;
import io.drbatch.failure.FailureKind;
import io.drbatch.store.BucketProtection;
import io.drbatch.store.ColdObjectRestore;
import io.drbatch.store.LockMode;
import io.drbatch.store.ObjectInfo;
import io.drbatch.store.ObjectStore;
import io.drbatch.store.StorageClass;
import io.drbatch.store.UploadSession;
import io.drbatch.store.UploadedPart;

/**
 * An {@link ObjectStore} held in memory, for tests of job logic in milliseconds. It
 * passes the same contract suite as the S3 adapter ({@code InMemoryObjectStoreTests}) and
 * keeps what S3 keeps: versions and delete markers, the composite checksum of multipart
 * objects, storage classes, open uploads and their parts. Unlike the S3 test server it
 * enforces Object Lock (deleting a version retained until later is refused with
 * {@link FailureKind#STORE_ACCESS_DENIED}, as AWS answers 403) and keeps GLACIER and
 * DEEP_ARCHIVE objects unreadable until a restore was requested and
 * {@link #completeRestores()} ran. Thread-safe: every operation holds the store's lock.
 */
public final class InMemoryObjectStore implements ObjectStore, BucketProtection, ColdObjectRestore {

	private record Version(String versionId, byte[] bytes, String checksum, StorageClass storageClass,
			Instant lastModified, boolean deleteMarker, LockMode lockMode, Instant retainUntil, boolean restored) {

		Version retained(LockMode mode, Instant until) {
			return new Version(this.versionId, this.bytes, this.checksum, this.storageClass, this.lastModified,
					this.deleteMarker, mode, until, this.restored);
		}

		Version restoredCopy() {
			return new Version(this.versionId, this.bytes, this.checksum, this.storageClass, this.lastModified,
					this.deleteMarker, this.lockMode, this.retainUntil, true);
		}

		boolean readable() {
			return this.storageClass == null || !this.storageClass.cold() || this.restored;
		}

	}

	private record Part(byte[] bytes, byte[] sha256, String eTag) {
	}

	private record Upload(String key, StorageClass storageClass, TreeMap<Integer, Part> parts) {
	}

	private final String name;

	private final Clock clock;

	private final StorageClass defaultStorageClass;

	private final TreeMap<String, List<Version>> objects = new TreeMap<>();

	private final Map<String, Upload> uploads = new TreeMap<>();

	/** User metadata by version id. */
	private final Map<String, Map<String, String>> metadata = new java.util.HashMap<>();

	private final List<String> restoresRequested = new ArrayList<>();

	private final AtomicLong versions = new AtomicLong();

	private boolean versioning;

	private LockMode defaultLockMode;

	private Integer defaultLockDays;

	private Integer abortIncompleteUploadsDays;

	private Integer noncurrentVersionExpirationDays;

	public InMemoryObjectStore(String name) {
		this(name, Clock.systemUTC(), null);
	}

	/**
	 * @param clock what "now" is for retention and last-modified times
	 * @param defaultStorageClass the class of objects written without one ({@code null}:
	 * STANDARD)
	 */
	public InMemoryObjectStore(String name, Clock clock, StorageClass defaultStorageClass) {
		this.name = name;
		this.clock = clock;
		this.defaultStorageClass = defaultStorageClass;
	}

	@Override
	public String name() {
		return this.name;
	}

	@Override
	public String location() {
		return "memory://" + this.name;
	}

	@Override
	public Optional<BucketProtection> protection() {
		return Optional.of(this);
	}

	@Override
	public Optional<ColdObjectRestore> coldObjects() {
		return Optional.of(this);
	}

	@Override
	public void checkAccess() {
	}

	@Override
	public synchronized Optional<ObjectInfo> head(String key) {
		return current(key).map(version -> info(key, version));
	}

	@Override
	public synchronized ObjectInfo put(String key, byte[] content, String contentType, Map<String, String> metadata) {
		byte[] copy = content.clone();
		Version version = store(key, copy, Sha256.base64(Sha256.of(copy, 0, copy.length)), this.defaultStorageClass);
		this.metadata.put(version.versionId(), Map.copyOf(metadata));
		return info(key, version);
	}

	@Override
	public InputStream get(String key) {
		return get(key, 0);
	}

	@Override
	public synchronized InputStream get(String key, long offset) {
		byte[] bytes = readable(key);
		return new ByteArrayInputStream(bytes, (int) offset, bytes.length - (int) offset);
	}

	@Override
	public synchronized InputStream getRange(String key, long offset, long length) {
		byte[] bytes = readable(key);
		return new ByteArrayInputStream(bytes, (int) offset, (int) Math.min(length, bytes.length - offset));
	}

	@Override
	public synchronized List<ObjectInfo> list(String prefix) {
		List<ObjectInfo> listed = new ArrayList<>();
		for (Map.Entry<String, List<Version>> entry : this.objects.tailMap(prefix, true).entrySet()) {
			if (!entry.getKey().startsWith(prefix)) {
				break;
			}
			current(entry.getKey()).ifPresent(version -> listed.add(info(entry.getKey(), version)));
		}
		return listed;
	}

	@Override
	public synchronized void delete(String key) {
		if (current(key).isEmpty()) {
			return;
		}
		if (this.versioning) {
			this.objects.get(key)
				.add(new Version(nextVersion(), null, null, null, this.clock.instant(), true, null, null, false));
		}
		else {
			deleteVersion(key, current(key).get().versionId());
		}
	}

	@Override
	public synchronized UploadSession startMultipart(String key, String contentType, StorageClass storageClass) {
		String uploadId = UUID.randomUUID().toString();
		this.uploads.put(uploadId,
				new Upload(key, storageClass != null ? storageClass : this.defaultStorageClass, new TreeMap<>()));
		return new Session(key, uploadId);
	}

	@Override
	public synchronized List<UploadedPart> uploadedParts(PendingUpload upload) {
		Upload open = open(upload.uploadId());
		List<UploadedPart> parts = new ArrayList<>();
		open.parts()
			.forEach((number, part) -> parts
				.add(new UploadedPart(number, part.eTag(), Sha256.base64(part.sha256()), part.bytes().length)));
		return parts;
	}

	@Override
	public synchronized UploadSession reopen(PendingUpload upload) {
		open(upload.uploadId());
		return new Session(upload.key(), upload.uploadId());
	}

	@Override
	public synchronized ObjectInfo copy(String fromKey, String toKey, long size, long partSize,
			StorageClass storageClass) {
		Version source = current(fromKey).orElseThrow(() -> missing(fromKey));
		byte[] bytes = source.bytes();
		List<byte[]> digests = new ArrayList<>();
		long step = Math.max(5L * 1024 * 1024, partSize);
		for (long start = 0; start < Math.max(bytes.length, 1); start += step) {
			int length = (int) Math.min(step, bytes.length - start);
			digests.add(Sha256.of(bytes, (int) start, Math.max(length, 0)));
		}
		Version copy = store(toKey, bytes, Sha256.composite(digests),
				storageClass != null ? storageClass : this.defaultStorageClass);
		return info(toKey, copy);
	}

	@Override
	public synchronized List<PendingUpload> pendingUploads(String prefix) {
		return this.uploads.entrySet()
			.stream()
			.filter(entry -> entry.getValue().key().startsWith(prefix))
			.map(entry -> new PendingUpload(entry.getValue().key(), entry.getKey()))
			.sorted(Comparator.comparing(PendingUpload::key))
			.toList();
	}

	@Override
	public synchronized void abort(PendingUpload upload) {
		this.uploads.remove(upload.uploadId());
	}

	@Override
	public void close() {
	}

	@Override
	public synchronized State read() {
		return new State(true, this.versioning ? "Enabled" : null, this.defaultLockMode != null, this.defaultLockMode,
				this.defaultLockDays, this.abortIncompleteUploadsDays, this.noncurrentVersionExpirationDays);
	}

	@Override
	public synchronized List<BucketProtection.Version> versions(String key) {
		List<BucketProtection.Version> listed = new ArrayList<>();
		for (Version version : this.objects.getOrDefault(key, List.of())) {
			listed.add(new BucketProtection.Version(key, version.versionId(), version.deleteMarker()));
		}
		return listed;
	}

	@Override
	public synchronized void deleteVersion(String key, String versionId) {
		List<Version> all = this.objects.getOrDefault(key, List.of());
		for (int i = 0; i < all.size(); i++) {
			Version version = all.get(i);
			if (version.versionId().equals(versionId)) {
				if (version.retainUntil() != null && version.retainUntil().isAfter(this.clock.instant())) {
					throw new DrbatchException(FailureKind.STORE_ACCESS_DENIED,
							"target '" + this.name + "' refused to delete " + key + " version " + versionId
									+ ": retained (" + version.lockMode() + ") until " + version.retainUntil());
				}
				all.remove(i);
				if (all.isEmpty()) {
					this.objects.remove(key);
				}
				return;
			}
		}
	}

	@Override
	public synchronized void createWithObjectLock() {
		this.versioning = true;
	}

	@Override
	public synchronized void enableVersioning() {
		this.versioning = true;
	}

	@Override
	public synchronized void putDefaultRetention(LockMode mode, int days) {
		this.defaultLockMode = mode;
		this.defaultLockDays = days;
	}

	@Override
	public synchronized void putLifecycle(Integer abortIncompleteUploadsDays, Integer noncurrentVersionExpirationDays) {
		this.abortIncompleteUploadsDays = abortIncompleteUploadsDays;
		this.noncurrentVersionExpirationDays = noncurrentVersionExpirationDays;
	}

	@Override
	public synchronized Retention retain(String key, LockMode mode, Instant until) {
		List<Version> all = this.objects.get(key);
		Version current = current(key).orElseThrow(() -> missing(key));
		if (current.retainUntil() != null && mode != null && until.isBefore(current.retainUntil())
				&& current.lockMode() == LockMode.COMPLIANCE) {
			throw new DrbatchException(FailureKind.STORE_ACCESS_DENIED,
					"target '" + this.name + "' refused to shorten the COMPLIANCE retention of " + key);
		}
		all.set(all.indexOf(current), current.retained(mode, until));
		return new Retention(current.versionId(), mode, until);
	}

	@Override
	public synchronized Optional<Retention> retention(String key) {
		return current(key).flatMap(version -> retention(key, version.versionId()));
	}

	@Override
	public synchronized Optional<Retention> retention(String key, String versionId) {
		return this.objects.getOrDefault(key, List.of())
			.stream()
			.filter(version -> version.versionId().equals(versionId) && version.retainUntil() != null)
			.findFirst()
			.map(version -> new Retention(versionId, version.lockMode(), version.retainUntil()));
	}

	@Override
	public synchronized Optional<String> restoreStatus(String key) {
		Version current = current(key).orElseThrow(() -> missing(key));
		if (current.restored()) {
			return Optional
				.of("ongoing-request=\"false\", expiry-date=\"" + this.clock.instant().plusSeconds(86_400) + "\"");
		}
		return this.restoresRequested.contains(key) ? Optional.of("ongoing-request=\"true\"") : Optional.empty();
	}

	@Override
	public synchronized void requestRestore(String key, int days) {
		current(key).orElseThrow(() -> missing(key));
		if (!this.restoresRequested.contains(key)) {
			this.restoresRequested.add(key);
		}
	}

	/**
	 * Makes every object whose restore was requested readable, as the store does hours
	 * later.
	 */
	public synchronized void completeRestores() {
		for (String key : this.restoresRequested) {
			List<Version> all = this.objects.get(key);
			current(key).ifPresent(version -> all.set(all.indexOf(version), version.restoredCopy()));
		}
		this.restoresRequested.clear();
	}

	/**
	 * Replaces the bytes of the current version of {@code key} in place, as bit rot or an
	 * attacker would.
	 */
	public synchronized void corrupt(String key, int offset) {
		Version current = current(key).orElseThrow(() -> missing(key));
		current.bytes()[offset] ^= 0x5a;
	}

	private Version store(String key, byte[] bytes, String checksum, StorageClass storageClass) {
		Version version = new Version(nextVersion(), bytes, checksum, storageClass, this.clock.instant(), false, null,
				null, false);
		List<Version> all = this.objects.computeIfAbsent(key, k -> new ArrayList<>());
		if (!this.versioning) {
			all.removeIf(old -> old.retainUntil() == null || !old.retainUntil().isAfter(this.clock.instant()));
		}
		all.add(version);
		return version;
	}

	private Optional<Version> current(String key) {
		List<Version> all = this.objects.get(key);
		if (all == null || all.isEmpty() || all.get(all.size() - 1).deleteMarker()) {
			return Optional.empty();
		}
		return Optional.of(all.get(all.size() - 1));
	}

	private byte[] readable(String key) {
		Version version = current(key).orElseThrow(() -> missing(key));
		if (!version.readable()) {
			throw new DrbatchException(FailureKind.INTEGRITY, "target '" + this.name + "' refused to get " + key
					+ " (403 InvalidObjectState: the object is in " + version.storageClass() + ")");
		}
		return version.bytes();
	}

	private ObjectInfo info(String key, Version version) {
		return new ObjectInfo(key, version.bytes().length, version.versionId(), version.checksum(),
				version.storageClass() != null ? version.storageClass().name() : null, version.lastModified(),
				this.metadata.getOrDefault(version.versionId(), Map.of()));
	}

	private Upload open(String uploadId) {
		Upload upload = this.uploads.get(uploadId);
		if (upload == null) {
			throw new DrbatchException(FailureKind.INTEGRITY, "target '" + this.name + "' has no upload " + uploadId);
		}
		return upload;
	}

	private DrbatchException missing(String key) {
		return new DrbatchException(FailureKind.INTEGRITY,
				"object " + key + " is missing on target '" + this.name + "' (" + location() + ")");
	}

	private String nextVersion() {
		return "v" + this.versions.incrementAndGet();
	}

	/** One open upload of this store. */
	private final class Session implements UploadSession {

		private final String key;

		private final String uploadId;

		Session(String key, String uploadId) {
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
			byte[] bytes = Arrays.copyOf(content, length);
			if (!Arrays.equals(Sha256.of(bytes, 0, length), sha256)) {
				throw new DrbatchException(FailureKind.INTEGRITY,
						"target '" + InMemoryObjectStore.this.name + "' refused part " + partNumber + " of " + this.key
								+ ": its SHA-256 does not match (400 BadDigest)");
			}
			String eTag = "\"" + Base64.getEncoder().encodeToString(Arrays.copyOf(sha256, 12)) + "\"";
			synchronized (InMemoryObjectStore.this) {
				open(this.uploadId).parts().put(partNumber, new Part(bytes, sha256.clone(), eTag));
			}
			return new UploadedPart(partNumber, eTag, Sha256.base64(sha256), length);
		}

		@Override
		public ObjectInfo complete(List<UploadedPart> parts) {
			synchronized (InMemoryObjectStore.this) {
				Upload upload = open(this.uploadId);
				java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
				List<byte[]> digests = new ArrayList<>();
				for (UploadedPart part : parts) {
					Part held = upload.parts().get(part.partNumber());
					if (held == null || !held.eTag().equals(part.eTag())) {
						throw new DrbatchException(FailureKind.INTEGRITY,
								"target '" + InMemoryObjectStore.this.name + "' refused to complete upload of "
										+ this.key + ": no part " + part.partNumber() + " with ETag " + part.eTag()
										+ " (400 InvalidPart)");
					}
					bytes.writeBytes(held.bytes());
					digests.add(held.sha256());
				}
				InMemoryObjectStore.this.uploads.remove(this.uploadId);
				Version version = store(this.key, bytes.toByteArray(), Sha256.composite(digests),
						upload.storageClass());
				return info(this.key, version);
			}
		}

		@Override
		public void abort() {
			InMemoryObjectStore.this.abort(new PendingUpload(this.key, this.uploadId));
		}

	}

}
