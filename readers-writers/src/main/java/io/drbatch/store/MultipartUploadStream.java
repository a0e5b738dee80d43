package io.drbatch.store;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import io.drbatch.codec.Sha256;
import io.drbatch.failure.DrbatchException;
import io.drbatch.failure.FailureKind;

/**
 * An {@link OutputStream} that cuts what is written into parts of a fixed size and
 * uploads each one as a part of a multipart upload while the writer goes on producing the
 * next. The writer's thread computes the SHA-256 of the whole object; each part's own
 * SHA-256 (sent for the store to verify) is computed on the uploading thread. Memory is
 * bounded by {@code partSize x (partsInFlight + 1)}: the writer blocks while every buffer
 * is in flight.
 *
 * <p>
 * {@link #close()} uploads the last part, completes the upload and checks the result
 * (size, and the composite SHA-256 where the store reports one); the outcome is then in
 * {@link #result()}. On any failure, and on {@link #abort()}, the upload is aborted so
 * that no incomplete upload is left behind by this process (a process killed outright
 * leaves one; callers clean those up by prefix on relaunch).
 *
 * <p>
 * {@link #resuming} takes up an upload that already holds parts 1..k: what is written
 * becomes parts k+1 on, and a failure leaves the upload open with the parts it holds, so
 * that the next attempt resumes from them.
 *
 * <p>
 * S3 allows {@value #MAX_PARTS} parts in one upload: a stream that would need one more
 * fails with {@link PartLimitExceeded} as soon as the byte that needs it is written, not
 * at completion; {@link #partSizeFor} picks a part size that keeps an object of an
 * expected size under the limit.
 *
 * <p>
 * Not thread-safe: one writer thread.
 */
public final class MultipartUploadStream extends OutputStream {

	/** The most parts S3 accepts in one multipart upload. */
	public static final int MAX_PARTS = 10_000;

	private static final int MIB = 1024 * 1024;

	/**
	 * The largest part {@link #partSizeFor} chooses (each buffer is one array in the
	 * heap).
	 */
	public static final int LARGEST_PART = 512 * MIB;

	private final UploadSession upload;

	private final int partSize;

	private final int maxParts;

	private final BlockingQueue<byte[]> freeBuffers;

	private final ExecutorService uploaders;

	private final List<CompletableFuture<UploadedPart>> parts = new ArrayList<>();

	private final MessageDigest wholeDigest = Sha256.newDigest();

	private byte[] current;

	private int filled;

	private long size;

	private boolean closed;

	private Result result;

	private long backpressureNanos;

	private final int resumedParts;

	private final boolean abortOnFailure;

	public MultipartUploadStream(UploadSession upload, int partSize, int partsInFlight) {
		this(upload, partSize, partsInFlight, List.of(), true, MAX_PARTS);
	}

	/** With a lower part limit than S3's, so that tests reach it. */
	MultipartUploadStream(UploadSession upload, int partSize, int partsInFlight, int maxParts) {
		this(upload, partSize, partsInFlight, List.of(), true, maxParts);
	}

	/**
	 * The part size for an object expected to be at most {@code expectedBytes}:
	 * {@code minimum}, or, when that would take more than 90% of {@link #MAX_PARTS}
	 * parts, the whole number of MiB that takes about that many, at most
	 * {@link #LARGEST_PART}.
	 */
	public static int partSizeFor(long expectedBytes, int minimum) {
		long parts = MAX_PARTS * 9L / 10;
		long needed = (expectedBytes + parts - 1) / parts;
		if (needed <= minimum) {
			return minimum;
		}
		long rounded = (needed + MIB - 1) / MIB * MIB;
		return (int) Math.min(rounded, LARGEST_PART);
	}

	/**
	 * The parts in flight, at most {@code configured} and at least 1, whose buffers
	 * ({@code partSize x (parts + 1)}) stay within {@code budgetBytes}: an object cut
	 * into large parts (a large database's dump) is streamed with fewer of them in flight
	 * rather than running out of memory.
	 */
	public static int partsInFlightWithin(int partSize, int configured, long budgetBytes) {
		return (int) Math.max(1, Math.min(configured, budgetBytes / partSize - 1));
	}

	/** Thrown by a write that would need more parts than the store allows. */
	public static final class PartLimitExceeded extends IOException {

		private static final long serialVersionUID = 1L;

		private final long bytesWritten;

		PartLimitExceeded(int maxParts, int partSize, long bytesWritten) {
			super("the object outgrew " + maxParts + " parts of " + partSize / MIB + " MiB (" + bytesWritten
					+ " bytes written), the most one multipart upload can hold");
			this.bytesWritten = bytesWritten;
		}

		public long bytesWritten() {
			return this.bytesWritten;
		}

	}

	/**
	 * A stream that adds parts to {@code upload}, which already holds {@code uploaded}
	 * (parts 1..k, each of {@code partSize} bytes, with their SHA-256 checksums). A
	 * failure does not abort the upload.
	 */
	public static MultipartUploadStream resuming(UploadSession upload, int partSize, int partsInFlight,
			List<UploadedPart> uploaded) {
		for (int i = 0; i < uploaded.size(); i++) {
			UploadedPart part = uploaded.get(i);
			if (part.partNumber() != i + 1 || part.size() != partSize || part.checksumSha256() == null) {
				throw new IllegalArgumentException("parts to resume from must be 1.." + uploaded.size() + " of "
						+ partSize + " bytes with checksums; part " + part.partNumber() + " is not");
			}
		}
		return new MultipartUploadStream(upload, partSize, partsInFlight, uploaded, false, MAX_PARTS);
	}

	private MultipartUploadStream(UploadSession upload, int partSize, int partsInFlight, List<UploadedPart> uploaded,
			boolean abortOnFailure, int maxParts) {
		if (partsInFlight < 1) {
			throw new IllegalArgumentException("partsInFlight must be at least 1");
		}
		this.upload = upload;
		this.partSize = partSize;
		this.maxParts = maxParts;
		this.freeBuffers = new ArrayBlockingQueue<>(partsInFlight + 1);
		this.uploaders = Executors.newFixedThreadPool(partsInFlight, runnable -> {
			Thread thread = new Thread(runnable, "part-upload-" + upload.key());
			thread.setDaemon(true);
			return thread;
		});
		for (int i = 0; i < partsInFlight; i++) {
			this.freeBuffers.add(new byte[partSize]);
		}
		this.current = new byte[partSize];
		for (UploadedPart part : uploaded) {
			this.parts.add(CompletableFuture.completedFuture(part));
			this.size += part.size();
		}
		this.resumedParts = uploaded.size();
		this.abortOnFailure = abortOnFailure;
	}

	@Override
	public void write(int b) throws IOException {
		write(new byte[] { (byte) b }, 0, 1);
	}

	@Override
	public void write(byte[] b, int off, int len) throws IOException {
		ensureOpen();
		while (len > 0) {
			if (this.filled == 0 && this.parts.size() >= this.maxParts) {
				throw new PartLimitExceeded(this.maxParts, this.partSize, this.size);
			}
			int n = Math.min(len, this.partSize - this.filled);
			System.arraycopy(b, off, this.current, this.filled, n);
			this.filled += n;
			off += n;
			len -= n;
			if (this.filled == this.partSize) {
				sendCurrentPart();
			}
		}
	}

	private void ensureOpen() throws IOException {
		if (this.closed) {
			throw new IOException("upload of " + this.upload.key() + " is already closed");
		}
	}

	private void sendCurrentPart() throws IOException {
		failFastOnPartError();
		byte[] buffer = this.current;
		int length = this.filled;
		int partNumber = this.parts.size() + 1;
		this.wholeDigest.update(buffer, 0, length);
		this.size += length;
		this.parts.add(CompletableFuture.supplyAsync(() -> {
			try {
				return this.upload.uploadPart(partNumber, buffer, length, Sha256.of(buffer, 0, length));
			}
			finally {
				this.freeBuffers.add(buffer);
			}
		}, this.uploaders));
		long waitStarted = System.nanoTime();
		try {
			this.current = this.freeBuffers.take();
			this.backpressureNanos += System.nanoTime() - waitStarted;
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new InterruptedIOException("interrupted while waiting for a part upload of " + this.upload.key());
		}
		this.filled = 0;
	}

	private void failFastOnPartError() throws IOException {
		for (CompletableFuture<UploadedPart> part : this.parts) {
			if (part.isCompletedExceptionally()) {
				awaitParts();
			}
		}
	}

	private List<UploadedPart> awaitParts() throws IOException {
		List<UploadedPart> done = new ArrayList<>();
		for (CompletableFuture<UploadedPart> part : this.parts) {
			try {
				done.add(part.get());
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				throw new InterruptedIOException("interrupted while uploading " + this.upload.key());
			}
			catch (ExecutionException ex) {
				if (ex.getCause() instanceof RuntimeException runtime) {
					throw runtime;
				}
				throw new IOException("part upload of " + this.upload.key() + " failed", ex.getCause());
			}
		}
		done.sort(Comparator.comparingInt(UploadedPart::partNumber));
		return done;
	}

	/**
	 * Uploads the last part and completes the upload. Fails with
	 * {@link FailureKind#INTEGRITY} when the store reports another size or composite
	 * checksum than the bytes that were sent.
	 */
	@Override
	public void close() throws IOException {
		if (this.closed) {
			return;
		}
		try {
			if (this.filled > 0 || this.parts.isEmpty()) {
				sendCurrentPart();
			}
			else {
				failFastOnPartError();
			}
			this.closed = true;
			List<UploadedPart> completed = awaitParts();
			ObjectInfo info = this.upload.complete(completed);
			String composite = Sha256
				.composite(completed.stream().map(part -> Base64.getDecoder().decode(part.checksumSha256())).toList());
			if (info.size() != this.size) {
				throw new DrbatchException(FailureKind.INTEGRITY, "store reports " + info.size() + " bytes for "
						+ this.upload.key() + " after upload, but " + this.size + " were sent");
			}
			if (info.checksumSha256() != null && !info.checksumSha256().equals(composite)) {
				throw new DrbatchException(FailureKind.INTEGRITY, "store reports checksum " + info.checksumSha256()
						+ " for " + this.upload.key() + ", expected " + composite);
			}
			this.result = new Result(info, this.size,
					this.resumedParts == 0 ? Sha256.hex(this.wholeDigest.digest()) : null, composite, completed.size(),
					this.partSize, this.resumedParts, this.size - (long) this.resumedParts * this.partSize);
		}
		catch (IOException | RuntimeException ex) {
			if (this.abortOnFailure) {
				abort();
			}
			else {
				this.uploaders.shutdownNow();
			}
			throw ex;
		}
		finally {
			this.closed = true;
			this.uploaders.shutdownNow();
		}
	}

	/**
	 * Abandons the upload: in-flight parts are cancelled and the multipart upload is
	 * aborted.
	 */
	public void abort() {
		this.closed = true;
		this.uploaders.shutdownNow();
		this.upload.abort();
	}

	/**
	 * Stops uploading and leaves the multipart upload open with the parts the store
	 * already holds, for a later attempt to resume ({@link #resuming}); parts still in
	 * flight are cancelled.
	 */
	public void abandon() {
		this.closed = true;
		this.uploaders.shutdownNow();
	}

	/** Time the writer spent blocked because every part buffer was still uploading. */
	public java.time.Duration backpressure() {
		return java.time.Duration.ofNanos(this.backpressureNanos);
	}

	/** The completed object; available after a successful {@link #close()}. */
	public Result result() {
		if (this.result == null) {
			throw new IllegalStateException("upload of " + this.upload.key() + " has not completed");
		}
		return this.result;
	}

	/**
	 * @param sha256 hex SHA-256 of the whole object as stored; {@code null} for a resumed
	 * upload, whose first parts were not written through this stream
	 * @param compositeChecksum the S3 composite checksum of its parts ({@code base64-N})
	 * @param resumedParts parts the upload already held when this stream took it up
	 * @param bytesSent bytes this stream uploaded (the size less the resumed parts)
	 */
	public record Result(ObjectInfo info, long size, String sha256, String compositeChecksum, int partCount,
			int partSize, int resumedParts, long bytesSent) {
	}

}
