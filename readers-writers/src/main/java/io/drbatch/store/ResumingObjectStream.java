package io.drbatch.store;

import java.io.IOException;
import java.io.InputStream;
import java.util.function.BiFunction;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The body of one object version, read from a GET that may break mid-body (a connection
 * reset, a proxy timing out): when a read fails, the rest is asked for again from the
 * byte where it broke (a ranged GET pinned to the same ETag, so a version replaced
 * meanwhile is never spliced in), up to {@code attempts} times per break, with a doubling
 * pause. The caller sees one unbroken stream or the last failure. Not thread-safe: one
 * reader.
 */
final class ResumingObjectStream extends InputStream {

	private static final Logger log = LoggerFactory.getLogger(ResumingObjectStream.class);

	private final String key;

	private final long end;

	private final BiFunction<Long, String, InputStream> reopen;

	private final String eTag;

	private final int attempts;

	private InputStream current;

	private long position;

	/**
	 * @param first the open body, starting at {@code start}
	 * @param end the position after the last byte wanted ({@code -1}: the object's end,
	 * as the first GET said)
	 * @param reopen opens the body from a position (inclusive) to {@code end}, for the
	 * given ETag
	 */
	ResumingObjectStream(String key, InputStream first, long start, long end, String eTag,
			BiFunction<Long, String, InputStream> reopen, int attempts) {
		this.key = key;
		this.current = first;
		this.position = start;
		this.end = end;
		this.eTag = eTag;
		this.reopen = reopen;
		this.attempts = attempts;
	}

	@Override
	public int read() throws IOException {
		byte[] one = new byte[1];
		int n = read(one, 0, 1);
		return n < 0 ? -1 : one[0] & 0xff;
	}

	@Override
	public int read(byte[] buffer, int offset, int length) throws IOException {
		IOException failure = null;
		for (int attempt = 0; attempt <= this.attempts; attempt++) {
			try {
				int n = this.current.read(buffer, offset, length);
				if (n > 0) {
					this.position += n;
				}
				else if (n < 0 && this.end >= 0 && this.position < this.end) {
					throw new IOException(
							"the body of " + this.key + " ended at byte " + this.position + " of " + this.end);
				}
				return n;
			}
			catch (IOException ex) {
				failure = ex;
				if (attempt == this.attempts || this.eTag == null) {
					break;
				}
				log.warn("Reading {} broke at byte {} ({}); asking for the rest again", this.key, this.position,
						ex.getMessage());
				closeQuietly();
				pause(attempt);
				try {
					this.current = this.reopen.apply(this.position, this.eTag);
				}
				catch (RuntimeException reopenFailure) {
					failure.addSuppressed(reopenFailure);
					throw failure;
				}
			}
		}
		throw failure;
	}

	private static void pause(int attempt) throws IOException {
		try {
			Thread.sleep(200L << attempt);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new java.io.InterruptedIOException("interrupted while resuming a read");
		}
	}

	private void closeQuietly() {
		try {
			this.current.close();
		}
		catch (IOException | RuntimeException ex) {
			log.debug("Closing a broken body of {}: {}", this.key, ex.getMessage());
		}
	}

	@Override
	public void close() throws IOException {
		this.current.close();
	}

}
