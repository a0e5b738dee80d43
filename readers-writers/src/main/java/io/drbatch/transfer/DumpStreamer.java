package io.drbatch.transfer;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.drbatch.codec.Compression;
import io.drbatch.codec.StreamEncryption;
import io.drbatch.codec.CountingOutputStream;
import io.drbatch.failure.DrbatchException;
import io.drbatch.failure.FailureKind;
import io.drbatch.pg.ChildProcess;
import io.drbatch.pg.DumpFormat;
import io.drbatch.pg.ExportedSnapshot;
import io.drbatch.pg.PgClientTools;
import io.drbatch.pg.PgConnectionSpec;
import io.drbatch.pg.TableRowCount;
import io.drbatch.store.MultipartUploadStream;
import io.drbatch.store.ObjectStore;

/**
 * Dumps one database into one object: exports a snapshot, runs {@code pg_dump --snapshot}
 * on it as a child process, and streams its output through compression (and, when
 * configured, encryption) into a multipart upload with several parts in flight, while a
 * second backend counts the rows of every table in the same snapshot. Nothing is held
 * whole in memory or written to local disk; memory is bounded by
 * {@code partSize x (partsInFlight + 1)} plus the compressor's window.
 *
 * <p>
 * The configured part size holds up to {@value MultipartUploadStream#MAX_PARTS} parts,
 * S3's limit (156 GiB stored with 16 MiB parts); for a database whose size on disk would
 * not fit, the part size grows to fit it, with fewer parts in flight if the heap needs it
 * ({@link #planParts}). A dump that outgrows the limit all the same fails as soon as it
 * does, naming the setting to raise.
 *
 * <p>
 * The upload is completed only after pg_dump has exited successfully and the counts are
 * in; on any failure it is aborted and nothing is left in the store by this call (a
 * process killed outright leaves an open upload, which the caller removes on relaunch).
 * Stateless: one instance serves any number of sequential or concurrent dumps.
 */
public final class DumpStreamer {

	private static final Logger log = LoggerFactory.getLogger(DumpStreamer.class);

	private static final int PUMP_BUFFER = 1024 * 1024;

	private final Settings settings;

	public DumpStreamer(Settings settings) {
		this.settings = settings;
	}

	/**
	 * @param compressionWorkers extra zstd threads; 0 compresses on the pumping thread
	 * @param encryption encrypts the compressed stream before it is uploaded;
	 * {@code null} for none
	 */
	public record Settings(String pgDump, DumpFormat format, Compression compression, int compressionLevel,
			int compressionWorkers, int partSize, int partsInFlight, StreamEncryption encryption) {
	}

	/** What one dump produced. */
	public record Outcome(String snapshotId, Instant snapshotTime, String snapshotWalPosition,
			boolean snapshotWalPositionExact, String snapshotTransactions, String serverVersion, int serverVersionNum,
			String pgDumpVersion, List<TableRowCount> tables, long uncompressedBytes,
			MultipartUploadStream.Result upload, Duration duration) {
	}

	/**
	 * How a dump is cut into parts.
	 *
	 * @param capped the heap did not allow parts large enough for the database's size on
	 * disk
	 */
	record PartPlan(int partSize, int partsInFlight, boolean capped) {
	}

	/**
	 * The part size and parts in flight for a database of {@code databaseBytes} on disk:
	 * the configured ones when they fit S3's part limit, else larger parts (whole MiB)
	 * with at most {@code configuredInFlight} in flight and all buffers within half of
	 * {@code heapBytes}; when even two buffers of the needed size do not fit (or the
	 * needed size is beyond the largest part), the largest parts that do, as many in
	 * flight as fit.
	 */
	static PartPlan planParts(long databaseBytes, int configuredPartSize, int configuredInFlight, long heapBytes) {
		int needed = MultipartUploadStream.partSizeFor(databaseBytes, configuredPartSize);
		if (needed == configuredPartSize) {
			return new PartPlan(configuredPartSize, configuredInFlight, false);
		}
		long budget = heapBytes / 2;
		int mib = 1024 * 1024;
		if ((long) needed * 2 > budget || (long) needed * MultipartUploadStream.MAX_PARTS < databaseBytes) {
			int largest = (int) Math.max(configuredPartSize, Math.min(needed, budget / 2 / mib * mib));
			return new PartPlan(largest, MultipartUploadStream.partsInFlightWithin(largest, configuredInFlight, budget),
					true);
		}
		return new PartPlan(needed, MultipartUploadStream.partsInFlightWithin(needed, configuredInFlight, budget),
				false);
	}

	public Outcome dump(PgConnectionSpec source, ObjectStore store, String key) {
		long started = System.nanoTime();
		PgClientTools tools = new PgClientTools(this.settings.pgDump());
		try (ExportedSnapshot snapshot = ExportedSnapshot.export(source)) {
			String pgDumpVersion = tools.requireDumpCompatible(snapshot.serverVersionNum());
			List<String> command = this.settings.format()
				.pgDumpCommand(this.settings.pgDump(), source, snapshot.snapshotId());
			log.info("Dumping database '{}' ({}) in snapshot {} to {} on target '{}'", source.name(), source.describe(),
					snapshot.snapshotId(), key, store.name());
			long databaseBytes = snapshot.databaseSize();
			PartPlan parts = planParts(databaseBytes, this.settings.partSize(), this.settings.partsInFlight(),
					Runtime.getRuntime().maxMemory());
			if (parts.capped()) {
				log.warn("Database '{}' is {} MiB on disk; a dump of it over {} MiB stored would outgrow S3's {} parts "
						+ "of {} MiB, the largest drbatch takes with this heap: give it more heap (DRBATCH_JAVA_OPTS -Xmx)",
						source.name(), databaseBytes >> 20,
						(long) parts.partSize() * MultipartUploadStream.MAX_PARTS >> 20,
						MultipartUploadStream.MAX_PARTS, parts.partSize() >> 20);
			}
			else if (parts.partSize() != this.settings.partSize()) {
				log.info(
						"Database '{}' is {} MiB on disk: parts of {} MiB, {} in flight, keep its dump within S3's {} parts",
						source.name(), databaseBytes >> 20, parts.partSize() >> 20, parts.partsInFlight(),
						MultipartUploadStream.MAX_PARTS);
			}
			MultipartUploadStream upload = new MultipartUploadStream(
					store.startMultipart(key, "application/octet-stream"), parts.partSize(), parts.partsInFlight());
			try (ChildProcess pgDump = ChildProcess.start(command, source, false)) {
				pgDump.stdin().close();
				CompletableFuture<List<TableRowCount>> counts = CompletableFuture.supplyAsync(snapshot::countRows);
				OutputStream stored = this.settings.encryption() != null ? this.settings.encryption().encrypt(upload)
						: upload;
				OutputStream compressed = this.settings.compression()
					.compress(stored, this.settings.compressionLevel(), this.settings.compressionWorkers());
				CountingOutputStream counted = new CountingOutputStream(compressed);
				long readNanos = pump(pgDump.stdout(), counted, pgDump);
				long dumpEnded = System.nanoTime();
				pgDump.waitForSuccess();
				List<TableRowCount> tables = joinCounts(counts);
				long countsEnded = System.nanoTime();
				counted.close();
				Duration duration = Duration.ofNanos(System.nanoTime() - started);
				log.info(
						"Dump of '{}' streamed in {} s: waiting for pg_dump {} s, blocked on uploads {} s; "
								+ "row counts done {} s after the dump; completing the upload took {} s",
						source.name(), seconds(dumpEnded - started), seconds(readNanos),
						seconds(upload.backpressure().toNanos()), seconds(Math.max(0, countsEnded - dumpEnded)),
						seconds(System.nanoTime() - countsEnded));
				return new Outcome(snapshot.snapshotId(), snapshot.snapshotTime(), snapshot.walPosition(),
						snapshot.walPositionExact(), snapshot.transactions(), snapshot.serverVersion(),
						snapshot.serverVersionNum(), pgDumpVersion, tables, counted.count(), upload.result(), duration);
			}
			catch (IOException ex) {
				upload.abort();
				MultipartUploadStream.PartLimitExceeded tooLarge = partLimit(ex);
				if (tooLarge != null) {
					throw new DrbatchException(FailureKind.BAD_CONFIGURATION, "the dump of '" + source.name()
							+ "' outgrew " + MultipartUploadStream.MAX_PARTS + " parts of " + (parts.partSize() >> 20)
							+ " MiB, the most one S3 upload holds: set drbatch.dump.part-size to at least "
							+ (MultipartUploadStream.partSizeFor(tooLarge.bytesWritten() * 2, parts.partSize()) >> 20)
							+ "MB (memory: part size x (parts-in-flight + 1)) and relaunch", ex);
				}
				throw new DrbatchException(FailureKind.STORE_UNAVAILABLE,
						"streaming the dump of '" + source.name() + "' to " + key + " failed: " + ex.getMessage(), ex);
			}
			catch (RuntimeException | Error ex) {
				upload.abort();
				throw ex;
			}
		}
	}

	private static MultipartUploadStream.PartLimitExceeded partLimit(Throwable failure) {
		for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
			if (cause instanceof MultipartUploadStream.PartLimitExceeded limit) {
				return limit;
			}
		}
		return null;
	}

	private static String seconds(long nanos) {
		return String.format("%.1f", nanos / 1e9);
	}

	/**
	 * Copies pg_dump's output into {@code out}; returns the time spent waiting for
	 * pg_dump to produce it.
	 */
	private static long pump(InputStream in, OutputStream out, ChildProcess pgDump) throws IOException {
		byte[] buffer = new byte[PUMP_BUFFER];
		long readNanos = 0;
		try (in) {
			while (true) {
				long readStarted = System.nanoTime();
				int n = in.read(buffer);
				readNanos += System.nanoTime() - readStarted;
				if (n < 0) {
					return readNanos;
				}
				out.write(buffer, 0, n);
			}
		}
		catch (IOException ex) {
			throw new IOException(ex.getMessage() + " (pg_dump said: " + pgDump.stderrSummary() + ")", ex);
		}
	}

	private static List<TableRowCount> joinCounts(CompletableFuture<List<TableRowCount>> counts) {
		try {
			return counts.join();
		}
		catch (CompletionException ex) {
			if (ex.getCause() instanceof RuntimeException runtime) {
				throw runtime;
			}
			throw new UncheckedIOException(new IOException(ex.getCause()));
		}
	}

}
