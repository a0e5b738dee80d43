package io.drbatch.jobs.backup;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.util.Optional;

import io.drbatch.codec.Sha256;
import io.drbatch.manifest.BackupManifest;
import io.drbatch.store.ObjectInfo;
import io.drbatch.store.ObjectStore;

/**
 * Checks a stored object against what its manifest says: size, the store's own SHA-256
 * checksum where both the store and the manifest have one (the composite checksum of a
 * multipart object), and the SHA-256 of the bytes read back as far as {@link Depth} asks.
 * Used by daily-dump before it writes a manifest, by archive-tiering for every copy and
 * by replication for every copy it finds. Stateless.
 */
public final class StoredObjectCheck {

	/** How far a check goes beyond size and the store's checksum. */
	public enum Depth {

		/**
		 * Bytes read back only where the manifest records a checksum the store no longer
		 * reports (the object was overwritten by something else): the every-few-minutes
		 * check of what is already there.
		 */
		QUICK,

		/**
		 * Bytes read back whenever the store's checksum cannot confirm the object: for
		 * what a job just wrote.
		 */
		CONFIRMED,

		/** Bytes always read back (bit rot under an unchanged checksum shows here). */
		FULL

	}

	private StoredObjectCheck() {
	}

	/** What is wrong with {@code object} on {@code store}, if anything. */
	public static Optional<Mismatch> check(ObjectStore store, BackupManifest.StoredObject object, Depth depth) {
		Optional<ObjectInfo> found = store.head(object.key());
		if (found.isEmpty()) {
			return Optional.of(new Mismatch(Mismatch.Kind.MISSING, object.key(), "is missing"));
		}
		ObjectInfo info = found.get();
		if (info.size() != object.size()) {
			return Optional.of(new Mismatch(Mismatch.Kind.SIZE, object.key(),
					"has " + info.size() + " bytes, expected " + object.size()));
		}
		boolean comparable = info.checksumSha256() != null && object.s3Checksum() != null;
		if (comparable && !info.checksumSha256().equals(object.s3Checksum())) {
			return Optional.of(new Mismatch(Mismatch.Kind.CHECKSUM, object.key(),
					"has checksum " + info.checksumSha256() + ", expected " + object.s3Checksum()));
		}
		boolean readBack = switch (depth) {
			case QUICK -> object.s3Checksum() != null && info.checksumSha256() == null;
			case CONFIRMED -> !comparable;
			case FULL -> true;
		};
		if (readBack) {
			String actual = sha256Of(store, object.key());
			if (!actual.equals(object.sha256())) {
				return Optional.of(new Mismatch(Mismatch.Kind.CONTENT, object.key(),
						"has SHA-256 " + actual + ", expected " + object.sha256()));
			}
		}
		return Optional.empty();
	}

	/**
	 * Fails with {@link io.drbatch.failure.FailureKind#INTEGRITY} naming the object when
	 * it is missing or differs; bytes are read back when the store's checksum cannot
	 * confirm them ({@link Depth#CONFIRMED}).
	 */
	public static void verify(ObjectStore store, BackupManifest.StoredObject object) {
		check(store, object, Depth.CONFIRMED).ifPresent(mismatch -> {
			throw mismatch.toFailure(store.name());
		});
	}

	private static String sha256Of(ObjectStore store, String key) {
		MessageDigest digest = Sha256.newDigest();
		byte[] buffer = new byte[1 << 20];
		try (InputStream in = store.get(key)) {
			int n;
			while ((n = in.read(buffer)) >= 0) {
				digest.update(buffer, 0, n);
			}
		}
		catch (IOException ex) {
			throw new UncheckedIOException("cannot read back " + key, ex);
		}
		return Sha256.hex(digest.digest());
	}

}
