package io.drbatch.wal;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.drbatch.codec.Compression;
import io.drbatch.codec.StreamEncryption;
import io.drbatch.failure.DrbatchException;
import io.drbatch.failure.FailureKind;
import io.drbatch.manifest.ManifestJson;
import io.drbatch.pg.ChildProcess;
import io.drbatch.pg.PgClientTools;
import io.drbatch.pg.PgConnectionSpec;
import io.drbatch.store.MultipartUploadStream;
import io.drbatch.store.ObjectStore;

/**
 * Takes a physical base backup of a source cluster into one object: {@code pg_basebackup}
 * writes a tar to its standard output ({@code -Ft -D -}) with the WAL needed for
 * consistency inside ({@code -X fetch}), after a fast checkpoint, with a
 * {@code backup_manifest} of the server's default CRC-32C file checksums (for
 * {@code pg_verifybackup}; SHA-256 there doubled the server's work, 12.8 s against 6.3 s
 * for the 3.1 GB benchmark cluster, while drbatch's own SHA-256 of the stored object
 * already covers every byte end to end).
 *
 * <p>
 * A pg_basebackup of version 15 or later compresses the tar itself
 * ({@code --compress=client-zstd:level=L,workers=W}): its native zstd works beside the
 * JVM, and the JVM moves a tenth of the bytes (on the 2.9 GB benchmark cluster the stream
 * took 12.4 s with the JVM compressing, docs/BENCHMARKS.md, session 12). An older one
 * writes a plain tar that drbatch compresses. Either way the stored object is the same
 * zstd-compressed tar, and the stream goes straight on (encrypted, with a key) into a
 * multipart upload with several parts in flight, while a {@link BaseBackupTarReader} on
 * its own thread reads the same bytes to capture {@code backup_label} and
 * {@code backup_manifest} and count the tar. Memory is bounded by
 * {@code partSize x (partsInFlight + 1)} plus the reader's chunks; nothing is written to
 * local disk. The password reaches pg_basebackup through a private pgpass file. The
 * upload is completed only after pg_basebackup succeeded and both files were found; on
 * any failure it is aborted. Thread-safe: one instance serves any number of backups (it
 * asks pg_basebackup its version once).
 */
public final class BaseBackupStreamer {

	private static final Logger log = LoggerFactory.getLogger(BaseBackupStreamer.class);

	private static final Pattern START = Pattern.compile("^START WAL LOCATION: ([0-9A-F]+/[0-9A-F]+)",
			Pattern.MULTILINE);

	private static final Pattern TIMELINE = Pattern.compile("^START TIMELINE: (\\d+)", Pattern.MULTILINE);

	private static final int BUFFER = 256 * 1024;

	/** How the backup is taken and stored. */
	public record Settings(String pgBaseBackup, int level, int compressionWorkers, int partSize, int partsInFlight,
			StreamEncryption encryption) {
	}

	/**
	 * What one backup produced.
	 *
	 * @param backupLabel the {@code backup_label} file's text
	 * @param startLsn where recovery from this backup starts
	 * @param stopLsn the first position recovery must reach for the backup to be
	 * consistent
	 * @param tarBytes bytes pg_basebackup wrote
	 */
	public record Outcome(String backupLabel, Lsn startLsn, Lsn stopLsn, int timeline, Instant started, Instant stopped,
			long tarBytes, MultipartUploadStream.Result upload, Duration duration) {
	}

	/**
	 * The first pg_basebackup that compresses on the client
	 * ({@code --compress=client-zstd}).
	 */
	static final int CLIENT_COMPRESSION_SINCE = 15;

	/**
	 * What a pg_basebackup built without zstd says of {@code --compress=client-zstd}
	 * (lower case; PostgreSQL's src/common/compression.c).
	 */
	static final String WITHOUT_ZSTD = "does not support compression with zstd";

	private final Settings settings;

	private volatile Boolean toolCompresses;

	public BaseBackupStreamer(Settings settings) {
		this.settings = settings;
	}

	/**
	 * The pg_basebackup command for {@code source} (no password: that goes through a
	 * pgpass file).
	 * @param toolCompresses whether pg_basebackup compresses the tar with zstd
	 */
	public List<String> command(PgConnectionSpec source, boolean toolCompresses) {
		List<String> command = new ArrayList<>(List.of(this.settings.pgBaseBackup(), "--host=" + source.host(),
				"--port=" + source.port(), "--username=" + source.username(), "--no-password", "--pgdata=-",
				"--format=tar", "--wal-method=fetch", "--checkpoint=fast", "--label=drbatch"));
		if (toolCompresses) {
			command.add("--compress=client-zstd:level=" + this.settings.level() + ",workers="
					+ this.settings.compressionWorkers());
		}
		return command;
	}

	/** Whether the configured pg_basebackup compresses with zstd itself (asked once). */
	boolean toolCompresses() {
		Boolean known = this.toolCompresses;
		if (known == null) {
			known = PgClientTools
				.majorVersion(PgClientTools.versionOf(this.settings.pgBaseBackup())) >= CLIENT_COMPRESSION_SINCE;
			this.toolCompresses = known;
		}
		return known;
	}

	/**
	 * Backs {@code source} up into {@code key}. A pg_basebackup of version 15 or later
	 * built without zstd refuses {@code --compress=client-zstd} before it connects; the
	 * backup is then taken again with drbatch compressing, as for an older one, and so
	 * are this instance's later backups.
	 */
	public Outcome backup(PgConnectionSpec source, ObjectStore store, String key) {
		boolean toolCompresses = toolCompresses();
		try {
			return backup(source, store, key, toolCompresses);
		}
		catch (DrbatchException ex) {
			if (!toolCompresses || ex.getMessage() == null
					|| !ex.getMessage().toLowerCase(java.util.Locale.ROOT).contains(WITHOUT_ZSTD)) {
				throw ex;
			}
			log.warn("{} was built without zstd ({}); drbatch compresses the base backup itself",
					this.settings.pgBaseBackup(), ex.getMessage());
			this.toolCompresses = false;
			return backup(source, store, key, false);
		}
	}

	private Outcome backup(PgConnectionSpec source, ObjectStore store, String key, boolean toolCompresses) {
		long startedNanos = System.nanoTime();
		Instant started = Instant.now();
		log.info("Base backup of '{}' ({}) to {} on target '{}'", source.name(), source.describe(), key, store.name());
		MultipartUploadStream upload = new MultipartUploadStream(store.startMultipart(key, "application/octet-stream"),
				this.settings.partSize(), this.settings.partsInFlight());
		try (ChildProcess pgBaseBackup = ChildProcess.start(command(source, toolCompresses), source, false);
				BaseBackupTarReader reader = BaseBackupTarReader.start(toolCompresses ? Compression.ZSTD : null,
						source.name())) {
			pgBaseBackup.stdin().close();
			OutputStream stored = this.settings.encryption() != null ? this.settings.encryption().encrypt(upload)
					: upload;
			OutputStream sink = toolCompresses ? stored
					: Compression.ZSTD.compress(stored, this.settings.level(), this.settings.compressionWorkers());
			BaseBackupTarReader.Found found;
			try (InputStream tar = pgBaseBackup.stdout()) {
				byte[] buffer = new byte[BUFFER];
				int n;
				while ((n = tar.read(buffer)) >= 0) {
					sink.write(buffer, 0, n);
					reader.feed(buffer, 0, n);
				}
				// the tool has closed its output: its own failure, with what it said,
				// comes
				// before whatever the reader makes of a stream cut short
				pgBaseBackup.waitForSuccess();
				found = reader.finish();
			}
			catch (IOException ex) {
				throw new IOException(ex.getMessage() + " (pg_basebackup said: " + pgBaseBackup.stderrSummary() + ")",
						ex);
			}
			String label = found.backupLabel();
			String manifest = found.backupManifest();
			if (label == null || manifest == null) {
				throw new DrbatchException(FailureKind.TOOL_FAILED, "pg_basebackup's tar of '" + source.name()
						+ "' holds no " + (label == null ? "backup_label" : "backup_manifest"));
			}
			Instant stopped = Instant.now();
			sink.close();
			Outcome outcome = new Outcome(label, startOf(label), stopOf(manifest), timelineOf(label), started, stopped,
					found.tarBytes(), upload.result(), Duration.ofNanos(System.nanoTime() - startedNanos));
			log.info("Base backup of '{}': {} bytes of tar, {} stored, WAL {} to {} on timeline {}, in {} s",
					source.name(), outcome.tarBytes(), outcome.upload().size(), outcome.startLsn(), outcome.stopLsn(),
					outcome.timeline(), String.format("%.1f", outcome.duration().toMillis() / 1000.0));
			return outcome;
		}
		catch (IOException ex) {
			upload.abort();
			throw new DrbatchException(FailureKind.STORE_UNAVAILABLE,
					"streaming the base backup of '" + source.name() + "' to " + key + " failed: " + ex.getMessage(),
					ex);
		}
		catch (RuntimeException | Error ex) {
			upload.abort();
			throw ex;
		}
	}

	static Lsn startOf(String label) {
		Matcher matcher = START.matcher(label);
		if (!matcher.find()) {
			throw new DrbatchException(FailureKind.INTEGRITY, "backup_label has no START WAL LOCATION: " + label);
		}
		return Lsn.parse(matcher.group(1));
	}

	static int timelineOf(String label) {
		Matcher matcher = TIMELINE.matcher(label);
		return matcher.find() ? Integer.parseInt(matcher.group(1)) : 1;
	}

	/**
	 * The end of the last WAL range the manifest lists: where the backup becomes
	 * consistent.
	 */
	@SuppressWarnings("unchecked")
	static Lsn stopOf(String manifest) {
		java.util.Map<String, Object> json = ManifestJson.read(manifest.getBytes(StandardCharsets.UTF_8),
				java.util.Map.class, "backup_manifest");
		List<java.util.Map<String, Object>> ranges = (List<java.util.Map<String, Object>>) json.get("WAL-Ranges");
		if (ranges == null || ranges.isEmpty()) {
			throw new DrbatchException(FailureKind.INTEGRITY, "backup_manifest has no WAL-Ranges");
		}
		return Lsn.parse(String.valueOf(ranges.get(ranges.size() - 1).get("End-LSN")));
	}

}
