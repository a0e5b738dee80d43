package io.drbatch.store;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.drbatch.codec.Sha256;
import io.drbatch.failure.DrbatchException;
import io.drbatch.failure.FailureKind;

/**
 * Copies one object from one store to another (another cloud, account or region: no
 * server-side copy is possible), streaming: a GET from the source feeds a multipart
 * upload on the destination with several parts in flight, memory bounded by
 * {@code partSize x (partsInFlight + 1)}, never the whole object (fewer parts in flight
 * when the original's parts are so large that those buffers would take more than half the
 * heap).
 *
 * <p>
 * The copy uses the part size the object was first uploaded with, so the destination's
 * composite checksum equals the one recorded for the original: the end-to-end check holds
 * even when the copy resumed. Verified against what is expected: size always, the
 * composite checksum when one was recorded, the SHA-256 of the whole stream when every
 * byte went through this copy, else the bytes read back from the destination.
 *
 * <p>
 * Resumable: an object already on the destination with the expected size and checksum is
 * not copied again; a multipart upload of the key left open by an interrupted attempt is
 * taken up from the parts the store holds (ListParts; a part whose checksum the store
 * does not list is checked against the source's bytes by its MD5 ETag), and only the rest
 * of the object is read from the source (ranged GET) and sent. A failure leaves the
 * upload open for the next attempt. Open uploads of the key that cannot be resumed from
 * are aborted.
 *
 * <p>
 * Failures are {@link Failure}s that tell whether the source or the destination failed,
 * so that a caller can go on with other destinations when one is down. Thread-safe (no
 * state between calls).
 */
public final class CrossStoreCopy {

	private static final Logger log = LoggerFactory.getLogger(CrossStoreCopy.class);

	private static final String CONTENT_TYPE = "application/octet-stream";

	private final int partsInFlight;

	public CrossStoreCopy(int partsInFlight) {
		this.partsInFlight = partsInFlight;
	}

	/**
	 * What the object must be: its size, hex SHA-256, composite checksum as recorded
	 * ({@code base64-N}, may be {@code null}) and the part size it was uploaded with.
	 */
	public record Expected(long size, String sha256, String s3Checksum, int partSize) {
	}

	/**
	 * @param alreadyThere the destination held the object, verified, and nothing was sent
	 * @param resumedParts parts an interrupted attempt had uploaded, kept and not sent
	 * again
	 * @param bytesSent bytes read from the source and uploaded by this call
	 * @param bytesReadToVerify bytes of the source read (not sent) to check resumed parts
	 * whose checksum the destination does not list
	 */
	public record Result(ObjectInfo info, boolean alreadyThere, int resumedParts, long bytesSent,
			long bytesReadToVerify) {
	}

	/** Which side of the copy failed. */
	public enum Side {

		SOURCE, DESTINATION

	}

	/** A failed copy, with the side that failed. */
	public static final class Failure extends DrbatchException {

		private final Side side;

		Failure(Side side, DrbatchException cause) {
			super(cause.kind(), cause.getMessage(), cause);
			this.side = side;
		}

		public Side side() {
			return this.side;
		}

	}

	/**
	 * Makes {@code toKey} on {@code to} a verified copy of {@code fromKey} on
	 * {@code from}, in {@code storageClass} ({@code null}: the destination's configured
	 * class).
	 */
	public Result copy(ObjectStore from, String fromKey, ObjectStore to, String toKey, Expected expected,
			StorageClass storageClass) {
		Optional<ObjectInfo> existing = onDestination(() -> to.head(toKey));
		if (existing.isPresent() && verified(to, existing.get(), expected)) {
			return new Result(existing.get(), true, 0, 0, 0);
		}
		List<UploadedPart> resumable = new ArrayList<>();
		long[] bytesReadToVerify = { 0 };
		UploadSession upload = takeUpPendingUpload(from, fromKey, to, toKey, expected, resumable, bytesReadToVerify);
		if (upload == null) {
			upload = onDestination(() -> to.startMultipart(toKey, CONTENT_TYPE, storageClass));
		}
		else {
			log.info("Resuming the copy of {} to target '{}' from {} uploaded part(s) ({} bytes)", fromKey, to.name(),
					resumable.size(), (long) resumable.size() * expected.partSize());
		}
		MultipartUploadStream out = MultipartUploadStream.resuming(upload, expected.partSize(), MultipartUploadStream
			.partsInFlightWithin(expected.partSize(), this.partsInFlight, Runtime.getRuntime().maxMemory() / 2),
				resumable);
		long offset = (long) resumable.size() * expected.partSize();
		try {
			if (offset < expected.size()) {
				send(from, fromKey, offset, out, expected);
			}
			try {
				out.close();
			}
			catch (IOException ex) {
				throw new Failure(Side.DESTINATION, new DrbatchException(FailureKind.STORE_UNAVAILABLE,
						"cannot complete the copy of " + toKey + " on target '" + to.name() + "': " + ex.getMessage(),
						ex));
			}
			catch (DrbatchException ex) {
				throw ex instanceof Failure failure ? failure : new Failure(Side.DESTINATION, ex);
			}
		}
		finally {
			out.abandon();
		}
		MultipartUploadStream.Result result = out.result();
		check(from, fromKey, to, toKey, expected, result);
		return new Result(result.info(), false, result.resumedParts(), result.bytesSent(), bytesReadToVerify[0]);
	}

	private void send(ObjectStore from, String fromKey, long offset, MultipartUploadStream out, Expected expected) {
		InputStream in = onSource(() -> offset == 0 ? from.get(fromKey) : from.get(fromKey, offset));
		byte[] buffer = new byte[1 << 20];
		long read = 0;
		try (in) {
			while (true) {
				int n;
				try {
					n = in.read(buffer);
				}
				catch (IOException ex) {
					throw new Failure(Side.SOURCE,
							new DrbatchException(FailureKind.STORE_UNAVAILABLE, "reading " + fromKey + " from target '"
									+ from.name() + "' failed after " + (offset + read) + " bytes: " + ex.getMessage(),
									ex));
				}
				if (n < 0) {
					break;
				}
				read += n;
				try {
					out.write(buffer, 0, n);
				}
				catch (IOException ex) {
					throw new Failure(Side.DESTINATION, new DrbatchException(FailureKind.STORE_UNAVAILABLE,
							"uploading " + fromKey + " failed: " + ex.getMessage(), ex));
				}
				catch (DrbatchException ex) {
					throw ex instanceof Failure failure ? failure : new Failure(Side.DESTINATION, ex);
				}
			}
		}
		catch (IOException ex) {
			log.debug("Closing the source stream of {}: {}", fromKey, ex.getMessage());
		}
		if (offset + read != expected.size()) {
			throw new Failure(Side.SOURCE,
					new DrbatchException(FailureKind.INTEGRITY, "object " + fromKey + " on target '" + from.name()
							+ "' has " + (offset + read) + " bytes, its manifest says " + expected.size()));
		}
	}

	/**
	 * The upload an interrupted attempt left open for {@code key}, when there is exactly
	 * one and it holds usable parts (1..k, each a full part whose content is known to be
	 * the original's), its parts in {@code parts}. Otherwise every open upload of the key
	 * is aborted and {@code null} returned: with several, the copy starts afresh, since
	 * some S3-compatible servers drop the parts of every upload of a key, or the
	 * completed object itself, when one upload of that key is aborted.
	 */
	private UploadSession takeUpPendingUpload(ObjectStore from, String fromKey, ObjectStore to, String key,
			Expected expected, List<UploadedPart> parts, long[] bytesReadToVerify) {
		List<ObjectStore.PendingUpload> pending = onDestination(() -> to.pendingUploads(key)).stream()
			.filter(upload -> upload.key().equals(key))
			.toList();
		if (pending.size() == 1) {
			List<UploadedPart> usable = usablePrefix(from, fromKey,
					onDestination(() -> to.uploadedParts(pending.get(0))), expected, bytesReadToVerify);
			if (!usable.isEmpty()) {
				parts.addAll(usable);
				return to.reopen(pending.get(0));
			}
		}
		pending.forEach(upload -> abort(to, upload));
		return null;
	}

	/**
	 * The uploaded parts 1..k that can stay: full parts whose checksum the store lists
	 * (the final composite check proves them), or, where the store lists none (some
	 * S3-compatible servers), whose ETag is the MD5 of the original's bytes at that
	 * place, read from the source (read again, not sent again).
	 */
	private static List<UploadedPart> usablePrefix(ObjectStore from, String fromKey, List<UploadedPart> uploaded,
			Expected expected, long[] bytesReadToVerify) {
		List<UploadedPart> sorted = new ArrayList<>(uploaded);
		sorted.sort(Comparator.comparingInt(UploadedPart::partNumber));
		List<UploadedPart> usable = new ArrayList<>();
		long maxParts = expected.size() / expected.partSize();
		for (UploadedPart part : sorted) {
			if (part.partNumber() != usable.size() + 1 || part.size() != expected.partSize()
					|| usable.size() >= maxParts) {
				break;
			}
			if (part.checksumSha256() != null) {
				usable.add(part);
				continue;
			}
			String[] digests = digestsOf(from, fromKey, (long) usable.size() * expected.partSize(),
					expected.partSize());
			bytesReadToVerify[0] += expected.partSize();
			if (part.eTag() == null || !part.eTag().replace("\"", "").equalsIgnoreCase(digests[0])) {
				break;
			}
			usable.add(new UploadedPart(part.partNumber(), part.eTag(), digests[1], part.size()));
		}
		return usable;
	}

	/** Hex MD5 and base64 SHA-256 of a range of the source object. */
	private static String[] digestsOf(ObjectStore from, String key, long offset, int length) {
		try (InputStream in = onSource(() -> from.getRange(key, offset, length))) {
			byte[] bytes = in.readNBytes(length);
			if (bytes.length != length) {
				throw new Failure(Side.SOURCE, new DrbatchException(FailureKind.INTEGRITY,
						"object " + key + " on target '" + from.name() + "' ends before byte " + (offset + length)));
			}
			byte[] md5 = MessageDigest.getInstance("MD5").digest(bytes);
			return new String[] { java.util.HexFormat.of().formatHex(md5), Sha256.base64(Sha256.of(bytes, 0, length)) };
		}
		catch (IOException ex) {
			throw new Failure(Side.SOURCE, new DrbatchException(FailureKind.STORE_UNAVAILABLE,
					"reading " + key + " from target '" + from.name() + "' failed: " + ex.getMessage(), ex));
		}
		catch (java.security.NoSuchAlgorithmException ex) {
			throw new IllegalStateException(ex);
		}
	}

	private static void abort(ObjectStore to, ObjectStore.PendingUpload upload) {
		log.info("Aborting the open upload {} of {} on target '{}' (nothing in it to resume from)", upload.uploadId(),
				upload.key(), to.name());
		onDestination(() -> {
			to.abort(upload);
			return null;
		});
	}

	/**
	 * Whether an existing object has the expected size and content (its checksum, else
	 * its bytes read back).
	 */
	private static boolean verified(ObjectStore to, ObjectInfo info, Expected expected) {
		if (info.size() != expected.size()) {
			return false;
		}
		if (info.checksumSha256() != null && expected.s3Checksum() != null) {
			return info.checksumSha256().equals(expected.s3Checksum());
		}
		return sha256Of(to, info.key()).equals(expected.sha256());
	}

	/**
	 * Checks the completed copy against the manifest. When every byte came from the
	 * source in this call, the SHA-256 of those bytes is checked first: a source object
	 * that no longer matches its manifest is the source's fault (bit rot, an overwrite),
	 * so the failure names the source, and the copy just completed is deleted so that no
	 * corrupt object stays on the destination. A composite checksum that differs after
	 * resumed parts is the destination's.
	 */
	private static void check(ObjectStore from, String fromKey, ObjectStore to, String key, Expected expected,
			MultipartUploadStream.Result result) {
		if (result.size() != expected.size()) {
			throw new Failure(Side.DESTINATION, new DrbatchException(FailureKind.INTEGRITY, "the copy " + key
					+ " on target '" + to.name() + "' has " + result.size() + " bytes, expected " + expected.size()));
		}
		if (result.sha256() != null && !result.sha256().equals(expected.sha256())) {
			discard(to, key);
			throw new Failure(Side.SOURCE,
					new DrbatchException(FailureKind.INTEGRITY,
							"object " + fromKey + " on target '" + from.name() + "' is corrupt: its bytes have SHA-256 "
									+ result.sha256() + ", its manifest records " + expected.sha256()
									+ "; nothing was copied to target '" + to.name()
									+ "' (restore the object from a good copy, or take a new backup)"));
		}
		boolean checked = result.sha256() != null;
		if (expected.s3Checksum() != null) {
			if (!expected.s3Checksum().equals(result.compositeChecksum())) {
				throw new Failure(Side.DESTINATION,
						new DrbatchException(FailureKind.INTEGRITY,
								"the copy " + key + " on target '" + to.name() + "' has checksum "
										+ result.compositeChecksum() + ", the manifest records "
										+ expected.s3Checksum()));
			}
			checked = true;
		}
		if (!checked && !sha256Of(to, key).equals(expected.sha256())) {
			throw new Failure(Side.DESTINATION, new DrbatchException(FailureKind.INTEGRITY, "the copy " + key
					+ " on target '" + to.name() + "' does not have the SHA-256 its manifest records"));
		}
	}

	/**
	 * Deletes a copy that must not stay; a failure is logged, the caller's failure says
	 * what happened.
	 */
	private static void discard(ObjectStore to, String key) {
		try {
			to.delete(key);
		}
		catch (RuntimeException ex) {
			log.warn("Could not delete the corrupt copy {} on target '{}': {}", key, to.name(), ex.getMessage());
		}
	}

	private static String sha256Of(ObjectStore store, String key) {
		MessageDigest digest = Sha256.newDigest();
		byte[] buffer = new byte[1 << 20];
		try (InputStream in = onDestination(() -> store.get(key))) {
			int n;
			while ((n = in.read(buffer)) >= 0) {
				digest.update(buffer, 0, n);
			}
		}
		catch (IOException ex) {
			throw new UncheckedIOException("cannot read back " + key + " from target '" + store.name() + "'", ex);
		}
		return Sha256.hex(digest.digest());
	}

	private static <T> T onSource(java.util.function.Supplier<T> call) {
		try {
			return call.get();
		}
		catch (DrbatchException ex) {
			throw ex instanceof Failure failure ? failure : new Failure(Side.SOURCE, ex);
		}
	}

	private static <T> T onDestination(java.util.function.Supplier<T> call) {
		try {
			return call.get();
		}
		catch (DrbatchException ex) {
			throw ex instanceof Failure failure ? failure : new Failure(Side.DESTINATION, ex);
		}
	}

}
