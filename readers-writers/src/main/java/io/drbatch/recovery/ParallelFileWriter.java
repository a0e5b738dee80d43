package io.drbatch.recovery;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Phaser;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Writes the files of one sequential stream (a tar being extracted) on several threads:
 * the caller reads each file's content in chunks and hands every chunk to a writer
 * thread, which writes it at its offset, so that the kernel's copying of a base backup's
 * gigabytes into the page cache runs on several cores while the caller goes on
 * decompressing and parsing. Memory is bounded by {@code chunks x chunkSize}: the caller
 * waits for a free chunk. The first write that fails is rethrown by the next
 * {@link #write} or by {@link #finish}; what was written is left for the caller to
 * remove. Files are created {@code 0600}, as PostgreSQL requires.
 * <p>
 * {@link #write} and {@link #finish} belong to one thread (the stream's reader); the
 * writer threads are private. Not restartable: a new instance per extraction.
 */
final class ParallelFileWriter implements AutoCloseable {

	private static final FileAttribute<Set<PosixFilePermission>> OWNER_READ_WRITE = PosixFilePermissions
		.asFileAttribute(PosixFilePermissions.fromString("rw-------"));

	private final List<ExecutorService> writers;

	private int nextWriter;

	private final BlockingQueue<byte[]> free;

	private final int chunkSize;

	/** One party for the caller, one per chunk not yet written. */
	private final Phaser inFlight = new Phaser(1);

	private final AtomicReference<Throwable> failure = new AtomicReference<>();

	ParallelFileWriter(int threads, int chunkSize, int chunks) {
		List<ExecutorService> writers = new ArrayList<>();
		for (int i = 0; i < threads; i++) {
			writers.add(Executors.newSingleThreadExecutor(runnable -> {
				Thread thread = new Thread(runnable, "drbatch-extract-writer");
				thread.setDaemon(true);
				return thread;
			}));
		}
		this.writers = List.copyOf(writers);
		this.chunkSize = chunkSize;
		this.free = new ArrayBlockingQueue<>(chunks);
		for (int i = 0; i < chunks; i++) {
			this.free.add(new byte[chunkSize]);
		}
	}

	/**
	 * Creates {@code path} (it must not exist) and writes the next {@code size} bytes of
	 * {@code content} into it; returns once every chunk was handed over, before they are
	 * all written.
	 */
	void write(Path path, InputStream content, long size) throws IOException {
		rethrowFailure();
		Files.createFile(path, OWNER_READ_WRITE);
		ExecutorService writer = this.writers.get(this.nextWriter);
		this.nextWriter = (this.nextWriter + 1) % this.writers.size();
		long offset = 0;
		while (offset < size) {
			byte[] chunk = takeFreeChunk();
			int length = (int) Math.min(this.chunkSize, size - offset);
			int read = content.readNBytes(chunk, 0, length);
			if (read < length) {
				this.free.add(chunk);
				throw new IOException(path + ": the stream ended after " + (offset + read) + " of " + size + " bytes");
			}
			long position = offset;
			this.inFlight.register();
			writer.execute(() -> writeChunk(path, chunk, length, position));
			offset += length;
		}
	}

	private byte[] takeFreeChunk() throws IOException {
		try {
			byte[] chunk = this.free.take();
			rethrowFailure();
			return chunk;
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IOException("interrupted while extracting", ex);
		}
	}

	private void writeChunk(Path path, byte[] chunk, int length, long position) {
		try (FileChannel channel = FileChannel.open(path, StandardOpenOption.WRITE)) {
			ByteBuffer buffer = ByteBuffer.wrap(chunk, 0, length);
			long at = position;
			while (buffer.hasRemaining()) {
				at += channel.write(buffer, at);
			}
		}
		catch (IOException | RuntimeException ex) {
			this.failure.compareAndSet(null, new UncheckedIOException(path + ": " + ex.getMessage(),
					ex instanceof IOException io ? io : new IOException(ex)));
		}
		finally {
			this.free.add(chunk);
			this.inFlight.arriveAndDeregister();
		}
	}

	/** Waits until every chunk handed over is written; rethrows the first failure. */
	void finish() throws IOException {
		int phase = this.inFlight.arrive();
		try {
			this.inFlight.awaitAdvanceInterruptibly(phase);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IOException("interrupted while extracting", ex);
		}
		rethrowFailure();
	}

	private void rethrowFailure() throws IOException {
		Throwable failed = this.failure.get();
		if (failed instanceof UncheckedIOException io) {
			throw io.getCause();
		}
	}

	/** Stops the writer threads, waiting for a write under way to end. */
	@Override
	public void close() {
		this.writers.forEach(ExecutorService::shutdownNow);
		try {
			for (ExecutorService writer : this.writers) {
				writer.awaitTermination(1, TimeUnit.MINUTES);
			}
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

}
