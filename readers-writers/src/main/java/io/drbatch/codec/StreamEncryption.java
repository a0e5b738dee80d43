package io.drbatch.codec;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Map;

import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

import io.drbatch.failure.DrbatchException;
import io.drbatch.failure.FailureKind;

/**
 * Client-side encryption of a backup object: AES-256-GCM over segments of 1 MiB, so that
 * a stream of any size is encrypted and decrypted in bounded memory and every segment is
 * authenticated before its bytes are used.
 *
 * <p>
 * Format, version 1: a header ({@code DRBENC1\0}, the key id's length in one byte, the
 * key id in UTF-8, a random 7-byte nonce prefix), then each segment's ciphertext and
 * 16-byte tag. A segment's 12-byte nonce is the prefix, the segment's index (4 bytes,
 * big-endian) and a last-segment flag (1 byte), and the header is its associated data: a
 * segment cannot be moved, dropped, or taken from another object, and a stream cut at a
 * segment boundary lacks its flagged last segment, so truncation is detected too. The key
 * id is the key's fingerprint ({@code sha256:} and 16 hex digits of the SHA-256 of the
 * key), which names a key without revealing it.
 *
 * <p>
 * Immutable and thread-safe; each stream it makes is for one thread.
 */
public final class StreamEncryption {

	/** How the manifest names this format. */
	public static final String ALGORITHM = "AES-256-GCM-1MiB-segments-v1";

	private static final byte[] MAGIC = "DRBENC1\0".getBytes(StandardCharsets.US_ASCII);

	private static final int SEGMENT = 1024 * 1024;

	private static final int TAG_BYTES = 16;

	private static final int NONCE_PREFIX_BYTES = 7;

	private static final SecureRandom RANDOM = new SecureRandom();

	private final SecretKeySpec key;

	private final String keyId;

	private StreamEncryption(byte[] key) {
		if (key.length != 32) {
			throw new DrbatchException(FailureKind.BAD_CONFIGURATION,
					"an encryption key must be 32 bytes (AES-256), base64-encoded; this one has " + key.length
							+ " bytes");
		}
		this.key = new SecretKeySpec(key, "AES");
		this.keyId = fingerprint(key);
	}

	/** A key given as base64 text (as an environment variable or a key file holds it). */
	public static StreamEncryption ofBase64(String base64, String source) {
		byte[] key;
		try {
			key = Base64.getDecoder().decode(base64.strip());
		}
		catch (IllegalArgumentException ex) {
			throw new DrbatchException(FailureKind.BAD_CONFIGURATION,
					source + " is not base64 (a 32-byte key, e.g. " + "from 'openssl rand -base64 32')");
		}
		try {
			return new StreamEncryption(key);
		}
		catch (DrbatchException ex) {
			throw new DrbatchException(FailureKind.BAD_CONFIGURATION, source + ": " + ex.getMessage());
		}
		finally {
			Arrays.fill(key, (byte) 0);
		}
	}

	/** {@code sha256:} and the first 16 hex digits of the SHA-256 of the key. */
	public String keyId() {
		return this.keyId;
	}

	private static String fingerprint(byte[] key) {
		return "sha256:" + HexFormat.of().formatHex(Sha256.of(key, 0, key.length), 0, 8);
	}

	@Override
	public String toString() {
		return "StreamEncryption[" + this.keyId + "]";
	}

	/**
	 * Encrypts what is written into {@code out}; closing the returned stream writes the
	 * last segment and closes {@code out}.
	 */
	public OutputStream encrypt(OutputStream out) throws IOException {
		byte[] noncePrefix = new byte[NONCE_PREFIX_BYTES];
		RANDOM.nextBytes(noncePrefix);
		byte[] header = header(this.keyId, noncePrefix);
		out.write(header);
		return new Encrypting(out, header, noncePrefix);
	}

	/**
	 * {@code in}, decrypted when it starts like a stream written by {@link #encrypt},
	 * else as it is: for objects that carry no manifest saying whether they are encrypted
	 * (WAL segments). {@code in} must support mark/reset.
	 */
	public static InputStream decryptIfEncrypted(InputStream in, Map<String, StreamEncryption> keys, String object)
			throws IOException {
		in.mark(MAGIC.length);
		byte[] head = in.readNBytes(MAGIC.length);
		in.reset();
		return Arrays.equals(head, MAGIC) ? decrypt(in, keys, object) : in;
	}

	/**
	 * Decrypts a stream written by {@link #encrypt} with the key among {@code keys} (by
	 * key id) that it names. Fails with {@link FailureKind#BAD_CONFIGURATION} naming the
	 * key id when no configured key matches, and with {@link FailureKind#INTEGRITY} when
	 * the bytes were altered, truncated or are not an encrypted backup.
	 */
	public static InputStream decrypt(InputStream in, Map<String, StreamEncryption> keys, String object)
			throws IOException {
		DataInputStream data = new DataInputStream(in);
		byte[] magic = new byte[MAGIC.length];
		try {
			data.readFully(magic);
			if (!Arrays.equals(magic, MAGIC)) {
				throw integrity(object, "it does not start like an encrypted backup");
			}
			int idLength = data.readUnsignedByte();
			byte[] id = new byte[idLength];
			data.readFully(id);
			String keyId = new String(id, StandardCharsets.UTF_8);
			byte[] noncePrefix = new byte[NONCE_PREFIX_BYTES];
			data.readFully(noncePrefix);
			StreamEncryption encryption = keys.get(keyId);
			if (encryption == null) {
				throw new DrbatchException(FailureKind.BAD_CONFIGURATION,
						object + " is encrypted with key " + keyId + ", and no configured key has that id"
								+ (keys.isEmpty() ? " (no encryption key is configured)"
										: " (configured: " + String.join(", ", keys.keySet()) + ")")
								+ "; set drbatch.targets[N].encryption.key-env or .key-file to that key");
			}
			return encryption.new Decrypting(data, header(keyId, noncePrefix), noncePrefix, object);
		}
		catch (EOFException ex) {
			throw integrity(object, "it ends inside its encryption header");
		}
	}

	private static byte[] header(String keyId, byte[] noncePrefix) {
		byte[] id = keyId.getBytes(StandardCharsets.UTF_8);
		return ByteBuffer.allocate(MAGIC.length + 1 + id.length + noncePrefix.length)
			.put(MAGIC)
			.put((byte) id.length)
			.put(id)
			.put(noncePrefix)
			.array();
	}

	private Cipher cipher(int mode, byte[] noncePrefix, int index, boolean last, byte[] header) {
		try {
			byte[] nonce = ByteBuffer.allocate(12).put(noncePrefix).putInt(index).put((byte) (last ? 1 : 0)).array();
			Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
			cipher.init(mode, this.key, new GCMParameterSpec(TAG_BYTES * 8, nonce));
			cipher.updateAAD(header);
			return cipher;
		}
		catch (GeneralSecurityException ex) {
			throw new IllegalStateException("AES-GCM is not available in this JVM", ex);
		}
	}

	private static DrbatchException integrity(String object, String why) {
		return new DrbatchException(FailureKind.INTEGRITY, "cannot decrypt " + object + ": " + why);
	}

	/**
	 * Buffers one segment, encrypts it when full; the last (possibly empty) segment at
	 * close.
	 */
	private final class Encrypting extends FilterOutputStream {

		private final byte[] header;

		private final byte[] noncePrefix;

		private final byte[] segment = new byte[SEGMENT];

		private int filled;

		private int index;

		private boolean closed;

		Encrypting(OutputStream out, byte[] header, byte[] noncePrefix) {
			super(out);
			this.header = header;
			this.noncePrefix = noncePrefix;
		}

		@Override
		public void write(int b) throws IOException {
			write(new byte[] { (byte) b }, 0, 1);
		}

		@Override
		public void write(byte[] bytes, int offset, int length) throws IOException {
			while (length > 0) {
				if (this.filled == SEGMENT) {
					seal(false);
				}
				int n = Math.min(length, SEGMENT - this.filled);
				System.arraycopy(bytes, offset, this.segment, this.filled, n);
				this.filled += n;
				offset += n;
				length -= n;
			}
		}

		private void seal(boolean last) throws IOException {
			try {
				this.out.write(cipher(Cipher.ENCRYPT_MODE, this.noncePrefix, this.index++, last, this.header)
					.doFinal(this.segment, 0, this.filled));
			}
			catch (GeneralSecurityException ex) {
				throw new IOException("encryption failed", ex);
			}
			this.filled = 0;
		}

		@Override
		public void flush() {
			// segments are written whole; the underlying stream is flushed at close
		}

		@Override
		public void close() throws IOException {
			if (this.closed) {
				return;
			}
			this.closed = true;
			seal(true);
			this.out.close();
		}

	}

	/**
	 * Reads and authenticates one segment at a time, looking one byte ahead to know the
	 * last one.
	 */
	private final class Decrypting extends InputStream {

		private final DataInputStream in;

		private final byte[] header;

		private final byte[] noncePrefix;

		private final String object;

		private final byte[] sealed = new byte[SEGMENT + TAG_BYTES];

		private byte[] plain = new byte[0];

		private int position;

		private int index;

		private boolean ended;

		private int lookahead = -2;

		Decrypting(DataInputStream in, byte[] header, byte[] noncePrefix, String object) {
			this.in = in;
			this.header = header;
			this.noncePrefix = noncePrefix;
			this.object = object;
		}

		@Override
		public int read() throws IOException {
			byte[] one = new byte[1];
			return read(one, 0, 1) < 0 ? -1 : one[0] & 0xFF;
		}

		@Override
		public int read(byte[] buffer, int offset, int length) throws IOException {
			while (this.position == this.plain.length) {
				if (this.ended) {
					return -1;
				}
				nextSegment();
			}
			int n = Math.min(length, this.plain.length - this.position);
			System.arraycopy(this.plain, this.position, buffer, offset, n);
			this.position += n;
			return n;
		}

		private void nextSegment() throws IOException {
			int filled = 0;
			if (this.lookahead >= 0) {
				this.sealed[filled++] = (byte) this.lookahead;
			}
			while (filled < this.sealed.length) {
				int n = this.in.read(this.sealed, filled, this.sealed.length - filled);
				if (n < 0) {
					break;
				}
				filled += n;
			}
			this.lookahead = filled == this.sealed.length ? this.in.read() : -1;
			boolean last = this.lookahead < 0;
			if (filled < TAG_BYTES) {
				throw integrity(this.object, "it ends inside segment " + this.index + " (truncated)");
			}
			try {
				this.plain = cipher(Cipher.DECRYPT_MODE, this.noncePrefix, this.index, last, this.header)
					.doFinal(this.sealed, 0, filled);
			}
			catch (javax.crypto.AEADBadTagException ex) {
				throw integrity(this.object,
						"segment " + this.index + " fails authentication: the object was altered or "
								+ "truncated, or the key with its id is not the key it was encrypted with");
			}
			catch (GeneralSecurityException ex) {
				throw new IOException("decryption failed", ex);
			}
			this.index++;
			this.position = 0;
			this.ended = last;
		}

		@Override
		public void close() throws IOException {
			this.in.close();
		}

	}

}
