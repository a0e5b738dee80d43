package io.drbatch.jobs.support;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.security.MessageDigest;

import io.drbatch.codec.Sha256;
import io.drbatch.failure.DrbatchException;
import io.drbatch.failure.FailureKind;
import io.drbatch.manifest.BackupManifest;
import io.drbatch.store.ObjectInfo;
import io.drbatch.store.ObjectStore;

/**
 * Checks a stored object against what its manifest says: size, and the store's own SHA-256 checksum when it
 * reports one (the composite checksum of a multipart object), else the SHA-256 of the bytes read back. Used by
 * daily-dump before it writes a manifest, and by archive-tiering for every copy. Stateless.
 */
public final class StoredObjectCheck {

	private StoredObjectCheck() {
	}

	/** Fails with {@link FailureKind#INTEGRITY} naming the object when it is missing or differs. */
	public static void verify(ObjectStore store, BackupManifest.StoredObject object) {
		ObjectInfo info = store.head(object.key())
			.orElseThrow(() -> new DrbatchException(FailureKind.INTEGRITY,
					"object " + object.key() + " is missing on target '" + store.name() + "'"));
		if (info.size() != object.size()) {
			throw new DrbatchException(FailureKind.INTEGRITY, "object " + object.key() + " on target '" + store.name()
					+ "' has " + info.size() + " bytes, expected " + object.size());
		}
		if (info.checksumSha256() != null && object.s3Checksum() != null) {
			if (!info.checksumSha256().equals(object.s3Checksum())) {
				throw new DrbatchException(FailureKind.INTEGRITY, "object " + object.key() + " on target '" + store.name()
						+ "' has checksum " + info.checksumSha256() + ", expected " + object.s3Checksum());
			}
			return;
		}
		String actual = sha256Of(store, object.key());
		if (!actual.equals(object.sha256())) {
			throw new DrbatchException(FailureKind.INTEGRITY, "object " + object.key() + " on target '" + store.name()
					+ "' has SHA-256 " + actual + ", expected " + object.sha256());
		}
	}

	/**
	 * Reads the object back and compares the SHA-256 of its bytes with the manifest's, whatever checksum the store
	 * reports (bit rot under an unchanged checksum shows here); fails with {@link FailureKind#INTEGRITY}.
	 */
	public static void verifyBytes(ObjectStore store, BackupManifest.StoredObject object) {
		String actual = sha256Of(store, object.key());
		if (!actual.equals(object.sha256())) {
			throw new DrbatchException(FailureKind.INTEGRITY, "object " + object.key() + " on target '" + store.name()
					+ "' has SHA-256 " + actual + ", expected " + object.sha256());
		}
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
