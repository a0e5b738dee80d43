package io.drbatch.transfer;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.util.Map;
import java.time.Duration;

import io.drbatch.codec.Compression;
import io.drbatch.codec.StreamEncryption;
import io.drbatch.codec.Sha256;
import io.drbatch.failure.DrbatchException;
import io.drbatch.failure.FailureKind;
import io.drbatch.manifest.BackupManifest;
import io.drbatch.store.ObjectStore;

/**
 * Downloads one stored object of a backup into a local spool file, decompressing on the
 * way, and checks the stored bytes against the manifest (size and SHA-256) as they stream
 * through. A mismatch, or a stream that does not decompress, fails with
 * {@link FailureKind#INTEGRITY} naming the object, and the spool file is removed: nothing
 * unverified is left to restore from. Stateless and thread-safe.
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
		try (Stream stream = open(store, object, compression); OutputStream out = Files.newOutputStream(spoolFile)) {
			stream.transferTo(out);
			return stream.finish(spoolFile);
		}
		catch (IOException | RuntimeException ex) {
			deleteQuietly(spoolFile);
			if (ex instanceof RuntimeException runtime) {
				throw runtime;
			}
			throw new UncheckedIOException("cannot download " + object.key() + " to " + spoolFile, (IOException) ex);
		}
	}

	/**
	 * Opens {@code object} for streaming: its decompressed bytes, checked as they are
	 * read. Read it to the end, then call {@link Stream#finish(Path)}, which fails with
	 * {@link FailureKind#INTEGRITY} unless the stored bytes match the manifest. Bytes
	 * read before that call are unverified: a caller that used them must undo what it did
	 * with them when the check fails.
	 */
	public Stream open(ObjectStore store, BackupManifest.StoredObject object, Compression compression) {
		return new Stream(store, object, compression, null, Map.of());
	}

	/**
	 * As {@link #open(ObjectStore, BackupManifest.StoredObject, Compression)}, for an
	 * object encrypted with the key {@code keyId} ({@code null}: not encrypted),
	 * decrypted with the matching one of {@code keys}.
	 */
	public Stream open(ObjectStore store, BackupManifest.StoredObject object, Compression compression, String keyId,
			Map<String, StreamEncryption> keys) {
		return new Stream(store, object, compression, keyId, keys);
	}

	/**
	 * The decompressed bytes of one stored object, with their verification. A read that
	 * fails to decompress is reported as {@link FailureKind#INTEGRITY} naming the object.
	 * Not thread-safe.
	 */
	public static final class Stream extends InputStream {

		private final ObjectStore store;

		private final BackupManifest.StoredObject object;

		private final Compression compression;

		private final long started = System.nanoTime();

		private final MessageDigest digest = Sha256.newDigest();

		private final long[] stored = new long[1];

		private final CountingDigestInput counted;

		private final InputStream plain;

		private long plainBytes;

		private boolean closed;

		private Stream(ObjectStore store, BackupManifest.StoredObject object, Compression compression, String keyId,
				Map<String, StreamEncryption> keys) {
			this.store = store;
			this.object = object;
			this.compression = compression;
			this.counted = new CountingDigestInput(new DigestInputStream(store.get(object.key()), this.digest),
					this.stored);
			try {
				InputStream compressed = keyId != null ? StreamEncryption.decrypt(this.counted, keys, object.key())
						: this.counted;
				this.plain = compression.decompress(compressed);
			}
			catch (DrbatchException ex) {
				closeQuietly();
				throw ex;
			}
			catch (IOException ex) {
				closeQuietly();
				throw corrupt(ex);
			}
		}

		@Override
		public int read() throws IOException {
			byte[] one = new byte[1];
			return read(one, 0, 1) < 0 ? -1 : one[0] & 0xFF;
		}

		@Override
		public int read(byte[] buffer, int offset, int length) {
			try {
				int n = this.plain.read(buffer, offset, length);
				if (n > 0) {
					this.plainBytes += n;
				}
				return n;
			}
			catch (IOException ex) {
				throw corrupt(ex);
			}
		}

		/**
		 * Reads what is left of the stored object and checks its size and SHA-256 against
		 * the manifest.
		 * @param file where the bytes went, for the result (may be {@code null})
		 */
		public Downloaded finish(Path file) {
			try {
				this.counted.close();
			}
			catch (IOException ex) {
				throw new UncheckedIOException("cannot read " + this.object.key(), ex);
			}
			this.closed = true;
			String sha256 = Sha256.hex(this.digest.digest());
			if (this.stored[0] != this.object.size() || !sha256.equals(this.object.sha256())) {
				throw new DrbatchException(FailureKind.INTEGRITY,
						"object " + this.object.key() + " on target '" + this.store.name()
								+ "' does not match its manifest: " + this.stored[0] + " bytes with SHA-256 " + sha256
								+ ", expected " + this.object.size() + " bytes with SHA-256 " + this.object.sha256());
			}
			return new Downloaded(file, this.stored[0], this.plainBytes,
					Duration.ofNanos(System.nanoTime() - this.started));
		}

		private DrbatchException corrupt(IOException ex) {
			return new DrbatchException(FailureKind.INTEGRITY,
					"object " + this.object.key() + " on target '" + this.store.name()
							+ "' is corrupt: it does not decompress as " + this.compression.id() + " ("
							+ ex.getMessage() + ")",
					ex);
		}

		@Override
		public void close() {
			if (!this.closed) {
				this.closed = true;
				closeQuietly();
			}
		}

		private void closeQuietly() {
			try {
				this.counted.in().close();
			}
			catch (IOException ex) {
				// an abandoned download: the connection is released either way
			}
		}

	}

	private static void deleteQuietly(Path file) {
		try {
			Files.deleteIfExists(file);
		}
		catch (IOException ex) {
			// a spool file that cannot be deleted is left for the spool folder's owner
		}
	}

	/**
	 * Counts the bytes read and drains the stream on close, so the digest covers the
	 * whole object.
	 */
	private static final class CountingDigestInput extends java.io.FilterInputStream {

		private final long[] count;

		private boolean closed;

		/** The stream underneath, to abandon the download without draining it. */
		private InputStream in() {
			return this.in;
		}

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
