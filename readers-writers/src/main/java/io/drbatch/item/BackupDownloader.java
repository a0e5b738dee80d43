package io.drbatch.item;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.time.Duration;

import io.drbatch.codec.Compression;
import io.drbatch.codec.Sha256;
import io.drbatch.failure.DrbatchException;
import io.drbatch.failure.FailureKind;
import io.drbatch.manifest.BackupManifest;
import io.drbatch.store.ObjectStore;

/**
 * Downloads one stored object of a backup into a local spool file, decompressing on the way, and checks the
 * stored bytes against the manifest (size and SHA-256) as they stream through. A mismatch, or a stream that
 * does not decompress, fails with {@link FailureKind#INTEGRITY} naming the object, and the spool file is
 * removed: nothing unverified is left to restore from. Stateless and thread-safe.
 */
public final class BackupDownloader {

	private static final int BUFFER = 1024 * 1024;

	/**
	 * @param storedBytes bytes read from the store (verified)
	 * @param spooledBytes bytes written to the spool file after decompression
	 */
	public record Downloaded(Path file, long storedBytes, long spooledBytes, Duration duration) {
	}

	public Downloaded download(ObjectStore store, BackupManifest.StoredObject object, Compression compression,
			Path spoolFile) {
		long started = System.nanoTime();
		MessageDigest digest = Sha256.newDigest();
		long[] stored = new long[1];
		long spooled = 0;
		try (InputStream raw = store.get(object.key());
				InputStream counted = new CountingDigestInput(new DigestInputStream(raw, digest), stored);
				OutputStream out = Files.newOutputStream(spoolFile)) {
			try (InputStream plain = compression.decompress(counted)) {
				byte[] buffer = new byte[BUFFER];
				int n;
				while ((n = plain.read(buffer)) >= 0) {
					out.write(buffer, 0, n);
					spooled += n;
				}
			}
			catch (IOException ex) {
				deleteQuietly(spoolFile);
				throw new DrbatchException(FailureKind.INTEGRITY, "object " + object.key() + " on target '" + store.name()
						+ "' is corrupt: it does not decompress as " + compression.id() + " (" + ex.getMessage() + ")", ex);
			}
		}
		catch (IOException ex) {
			deleteQuietly(spoolFile);
			throw new UncheckedIOException("cannot download " + object.key() + " to " + spoolFile, ex);
		}
		String sha256 = Sha256.hex(digest.digest());
		if (stored[0] != object.size() || !sha256.equals(object.sha256())) {
			deleteQuietly(spoolFile);
			throw new DrbatchException(FailureKind.INTEGRITY, "object " + object.key() + " on target '" + store.name()
					+ "' does not match its manifest: " + stored[0] + " bytes with SHA-256 " + sha256 + ", expected "
					+ object.size() + " bytes with SHA-256 " + object.sha256());
		}
		return new Downloaded(spoolFile, stored[0], spooled, Duration.ofNanos(System.nanoTime() - started));
	}

	private static void deleteQuietly(Path file) {
		try {
			Files.deleteIfExists(file);
		}
		catch (IOException ex) {
			// a spool file that cannot be deleted is left for the spool folder's owner
		}
	}

	/** Counts the bytes read and drains the stream on close, so the digest covers the whole object. */
	private static final class CountingDigestInput extends java.io.FilterInputStream {

		private final long[] count;

		private boolean closed;

		CountingDigestInput(InputStream in, long[] count) {
			super(in);
			this.count = count;
		}

		@Override
		public int read() throws IOException {
			int b = super.read();
			if (b >= 0) {
				this.count[0]++;
			}
			return b;
		}

		@Override
		public int read(byte[] b, int off, int len) throws IOException {
			int n = super.read(b, off, len);
			if (n > 0) {
				this.count[0] += n;
			}
			return n;
		}

		@Override
		public void close() throws IOException {
			if (this.closed) {
				return;
			}
			this.closed = true;
			byte[] rest = new byte[BUFFER];
			while (read(rest, 0, rest.length) >= 0) {
				// trailing bytes after the compressed stream still belong to the object
			}
			super.close();
		}

	}

}
