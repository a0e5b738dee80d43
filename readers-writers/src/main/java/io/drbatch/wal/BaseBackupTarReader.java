package io.drbatch.wal;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

import io.drbatch.codec.ChunkPipe;
import io.drbatch.codec.Compression;
import io.drbatch.codec.CountingInputStream;

/**
 * Reads a base backup's tar, as it streams by, on a thread of its own: it finds
 * {@code backup_label} and {@code backup_manifest} and counts the tar's bytes, decoding
 * zstd first when the tar arrives compressed. The thread that stores the stream hands
 * every chunk to {@link #feed} and goes on; it waits only when the reader is
 * {@value #CHUNKS} chunks behind, so the tool producing the stream is never held up by
 * the parsing while it keeps pace. Memory: at most {@value #CHUNKS} chunks of the
 * caller's buffer size.
 *
 * <p>
 * One feeding thread; {@link #finish()} (or {@link #close()} on failure) from that same
 * thread. Not reusable: one instance per backup.
 */
final class BaseBackupTarReader implements AutoCloseable {

	static final int CHUNKS = 32;

	/** What the tar held. */
	record Found(String backupLabel, String backupManifest, long tarBytes) {
	}

	private final ChunkPipe pipe = new ChunkPipe(CHUNKS);

	private final Compression compression;

	private final Thread thread;

	private volatile Throwable failure;

	private volatile Found found;

	private BaseBackupTarReader(Compression compression, String name) {
		this.compression = compression;
		this.thread = new Thread(this::read, "tar-reader-" + name);
		this.thread.setDaemon(true);
	}

	/**
	 * Starts the reader.
	 * @param compression how the fed bytes are compressed; {@code null} for a plain tar
	 */
	static BaseBackupTarReader start(Compression compression, String name) {
		BaseBackupTarReader reader = new BaseBackupTarReader(compression, name);
		reader.thread.start();
		return reader;
	}

	/** Hands over a copy of {@code length} bytes; fails if the reader has failed. */
	void feed(byte[] buffer, int offset, int length) throws IOException {
		try {
			this.pipe.put(Arrays.copyOfRange(buffer, offset, offset + length));
		}
		catch (IOException ex) {
			awaitReader();
			rethrowFailure();
			throw ex;
		}
	}

	/**
	 * Marks the end of the stream and waits until the reader has read it.
	 * @return what the tar held (either file may be {@code null} if it was absent)
	 */
	Found finish() throws IOException {
		try {
			this.pipe.finish();
		}
		catch (IOException ex) {
			awaitReader();
			rethrowFailure();
			throw ex;
		}
		awaitReader();
		rethrowFailure();
		return this.found;
	}

	/**
	 * Waits for the reader's thread to end (it ends once the pipe is finished or given
	 * up).
	 */
	private void awaitReader() throws IOException {
		try {
			this.thread.join();
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IOException("interrupted while reading the base backup's tar", ex);
		}
	}

	private void rethrowFailure() throws IOException {
		Throwable cause = this.failure;
		if (cause != null) {
			throw new IOException("the base backup's tar cannot be read: " + cause.getMessage(), cause);
		}
	}

	private void read() {
		try (InputStream queued = this.pipe.input();
				CountingInputStream tar = new CountingInputStream(
						this.compression == null ? queued : this.compression.decompress(queued));
				TarArchiveInputStream entries = new TarArchiveInputStream(tar)) {
			String label = null;
			String manifest = null;
			TarArchiveEntry entry;
			while ((entry = entries.getNextEntry()) != null) {
				if (entry.getName().equals("backup_label")) {
					label = new String(entries.readAllBytes(), StandardCharsets.UTF_8);
				}
				else if (entry.getName().equals("backup_manifest")) {
					manifest = new String(entries.readAllBytes(), StandardCharsets.UTF_8);
				}
			}
			// the end-of-archive blocks and any padding after them count as the tar's
			// bytes
			tar.transferTo(java.io.OutputStream.nullOutputStream());
			this.found = new Found(label, manifest, tar.count());
		}
		catch (Throwable ex) {
			this.failure = ex;
			this.pipe.abandon();
		}
	}

	@Override
	public void close() {
		if (this.thread.isAlive()) {
			this.thread.interrupt();
		}
	}

}
