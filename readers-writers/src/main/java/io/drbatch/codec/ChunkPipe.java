package io.drbatch.codec;

import java.io.IOException;
import java.io.InputStream;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A bounded hand-over of byte chunks from one producing thread to one consuming thread,
 * read by the consumer as an {@link InputStream}: the stages of a stream (download and
 * checksum, decompression, parsing) run on different cores instead of taking turns on
 * one. Memory: at most {@code capacity} chunks in the pipe.
 *
 * <p>
 * The producer ends the stream with {@link #finish()} or {@link #fail(Throwable)} (the
 * consumer reads what came before, then every read throws that failure). The consumer
 * closing its stream, or {@link #abandon()} by whoever gives up, makes the producer's
 * next {@link #put} fail instead of waiting for room that will never come; what was
 * handed over before counts as delivered. One producer, one consumer.
 */
public final class ChunkPipe {

	private static final byte[] END = new byte[0];

	private final BlockingQueue<byte[]> chunks;

	private final Input input = new Input();

	private volatile Throwable producerFailure;

	private volatile boolean abandoned;

	public ChunkPipe(int capacity) {
		this.chunks = new ArrayBlockingQueue<>(capacity);
	}

	/**
	 * Reads {@code source} to its end on a new daemon thread named {@code name}, in
	 * chunks of {@code chunkSize}, at most {@code capacity} ahead of the returned
	 * stream's reader. A failure reading {@code source} is thrown by the returned stream,
	 * and closes {@code source}; closing the returned stream stops the thread (whose next
	 * hand-over fails, which closes {@code source}). At the end of {@code source} it is
	 * left open: the caller closes it, and may read what a decoder left after its end.
	 */
	public static InputStream readAhead(InputStream source, String name, int chunkSize, int capacity) {
		ChunkPipe pipe = new ChunkPipe(capacity);
		Thread thread = new Thread(() -> {
			try {
				while (true) {
					byte[] chunk = source.readNBytes(chunkSize);
					if (chunk.length == 0) {
						break;
					}
					pipe.put(chunk);
				}
				pipe.finish();
			}
			catch (Throwable ex) {
				pipe.fail(ex);
				try {
					source.close();
				}
				catch (IOException | RuntimeException closing) {
					ex.addSuppressed(closing);
				}
			}
		}, name);
		thread.setDaemon(true);
		thread.start();
		return pipe.input();
	}

	/** Hands {@code chunk} over (the pipe keeps it: the caller must not reuse it). */
	public void put(byte[] chunk) throws IOException {
		if (chunk.length > 0) {
			offer(chunk);
		}
	}

	/** Marks the end of the stream. */
	public void finish() throws IOException {
		offer(END);
	}

	/**
	 * Ends the stream with {@code failure}, which the consumer's read throws once it has
	 * taken the chunks handed over before. Never waits: a consumer waiting on a full pipe
	 * sees the failure within its next poll.
	 */
	public void fail(Throwable failure) {
		this.producerFailure = failure;
		this.chunks.offer(END);
	}

	/** Gives the stream up: the producer's next {@link #put} fails. */
	public void abandon() {
		this.abandoned = true;
		this.chunks.clear();
	}

	/** The consumer's side. */
	public InputStream input() {
		return this.input;
	}

	/**
	 * Hands {@code chunk} over, waiting for room while the reader is there. A chunk once
	 * handed over counts as delivered, even if the reader gives up right after (a reader
	 * that took the end and closed its stream has read everything).
	 */
	private void offer(byte[] chunk) throws IOException {
		try {
			while (!this.abandoned) {
				if (this.chunks.offer(chunk, 100, TimeUnit.MILLISECONDS)) {
					return;
				}
			}
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IOException("interrupted while handing a stream on", ex);
		}
		this.chunks.clear();
		throw new IOException("the stream's reader has stopped");
	}

	private final class Input extends InputStream {

		private byte[] current = new byte[0];

		private int position;

		private boolean ended;

		@Override
		public int read() throws IOException {
			byte[] one = new byte[1];
			return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
		}

		@Override
		public int read(byte[] buffer, int offset, int length) throws IOException {
			if (length == 0) {
				return 0;
			}
			while (this.position == this.current.length) {
				if (this.ended) {
					rethrowProducerFailure();
					return -1;
				}
				byte[] next;
				try {
					next = ChunkPipe.this.chunks.poll(100, TimeUnit.MILLISECONDS);
				}
				catch (InterruptedException ex) {
					Thread.currentThread().interrupt();
					throw new IOException("interrupted while reading a stream", ex);
				}
				if (next == null) {
					// the failure's end marker finds no room when the pipe was full
					if (ChunkPipe.this.producerFailure != null && ChunkPipe.this.chunks.isEmpty()) {
						this.ended = true;
					}
					continue;
				}
				this.current = next;
				this.position = 0;
				this.ended = this.current == END;
			}
			int n = Math.min(length, this.current.length - this.position);
			System.arraycopy(this.current, this.position, buffer, offset, n);
			this.position += n;
			return n;
		}

		private void rethrowProducerFailure() throws IOException {
			Throwable failure = ChunkPipe.this.producerFailure;
			if (failure instanceof IOException io) {
				throw io;
			}
			if (failure != null) {
				throw new IOException(
						failure.getMessage() != null ? failure.getMessage() : failure.getClass().getSimpleName(),
						failure);
			}
		}

		@Override
		public void close() {
			abandon();
		}

	}

}
