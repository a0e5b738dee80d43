package io.drbatch.wal;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

import io.drbatch.codec.Compression;
import io.drbatch.codec.Sha256;
import io.drbatch.codec.StreamEncryption;
import io.drbatch.failure.DrbatchException;
import io.drbatch.failure.FailureKind;
import io.drbatch.manifest.ManifestJson;
import io.drbatch.store.ObjectInfo;
import io.drbatch.store.ObjectStore;

/**
 * One source's WAL archive in a bucket: {@code wal/<database>/<system identifier>/}, so
 * that another cluster (initdb gives each its own system identifier) never writes into
 * this chain; a promoted standby or a recovered copy keeps the identifier and continues
 * the chain on a new timeline, with its history file. Holds
 * <ul>
 * <li>{@code <segment name>.zst}: a segment, zstd-compressed (then encrypted, with a
 * key), put whole and verified (size and the store's checksum) before the caller may let
 * the server recycle it;</li>
 * <li>{@code <timeline>.history}: a timeline's history file, as the server sent it;</li>
 * <li>{@code archive.json}: what the last run archived ({@link State}), for status and
 * metrics without a listing;</li>
 * <li>{@code runs/<millis>_<lsn>}: one empty object per run that archived WAL
 * ({@link Run}): when it switched segments and to where, so that a recovery time maps to
 * the WAL holding every commit before it.</li>
 * </ul>
 * A segment already there with the same content (after a crash between upload and the
 * slot's advance) is kept; one with other content is an {@link FailureKind#INTEGRITY}
 * failure naming it. Thread-safe as far as the store is. One class by design: it is the
 * layout of that folder, and every reader and writer of it goes through here.
 */
public final class WalArchive {

	public static final String SEGMENT_SUFFIX = ".zst";

	public static final String STATE = "archive.json";

	/**
	 * User metadata of a stored segment: the SHA-256 (hex) of its raw 16 MiB, so that a
	 * restore verifies what it decoded before PostgreSQL reads it.
	 */
	public static final String RAW_SHA256 = "drbatch-raw-sha256";

	/**
	 * What the last run archived.
	 *
	 * @param newestSegment the newest segment in the archive
	 * @param archivedThrough the end of that segment: the position the archive holds WAL
	 * up to
	 * @param archivedAt when that segment was stored
	 * @param serverFlushed the server's flushed WAL position when the run started
	 * @param slotRetainedBytes WAL the slot kept on the server at the end of the run
	 */
	public record State(String database, String systemIdentifier, int timeline, long segmentSize, String newestSegment,
			String archivedThrough, Instant archivedAt, String serverFlushed, Instant runAt, String slot,
			long slotRetainedBytes) {
	}

	/**
	 * One wal-archive run that completed: everything the server wrote before
	 * {@code switchedAt} lies before {@code switchedTo} and is in the archive. The runs,
	 * one empty object each under {@code runs/} (the key holds both values, so one
	 * listing reads them all), map a recovery time to the WAL a restore needs.
	 */
	public record Run(Instant switchedAt, Lsn switchedTo) implements Comparable<Run> {

		static final String FOLDER = "runs/";

		String key() {
			return FOLDER + String.format(Locale.ROOT, "%013d_%016X", this.switchedAt.toEpochMilli(),
					this.switchedTo.value());
		}

		static Optional<Run> parse(String name) {
			if (!name.matches("\\d{13}_[0-9A-F]{16}")) {
				return Optional.empty();
			}
			return Optional.of(new Run(Instant.ofEpochMilli(Long.parseLong(name.substring(0, 13))),
					new Lsn(Long.parseUnsignedLong(name.substring(14), 16))));
		}

		@Override
		public int compareTo(Run other) {
			return this.switchedAt.compareTo(other.switchedAt);
		}

	}

	private final ObjectStore store;

	private final String folder;

	private final long segmentSize;

	private final int level;

	private final StreamEncryption encryption;

	/**
	 * @param encryption the key new segments are encrypted with, or {@code null}
	 */
	public WalArchive(ObjectStore store, String database, String systemIdentifier, long segmentSize, int level,
			StreamEncryption encryption) {
		this.store = store;
		this.folder = folder(database, systemIdentifier);
		this.segmentSize = segmentSize;
		this.level = level;
		this.encryption = encryption;
	}

	/** The folder of one source's chain, with a trailing slash. */
	public static String folder(String database, String systemIdentifier) {
		return "wal/" + database + "/" + systemIdentifier + "/";
	}

	public ObjectStore store() {
		return this.store;
	}

	public String segmentKey(WalSegment segment) {
		return this.folder + segment.name() + SEGMENT_SUFFIX;
	}

	public String historyKey(int timeline) {
		return this.folder + TimelineHistory.fileName(timeline);
	}

	/** What happened to a segment handed to {@link #store}. */
	public enum Stored {

		/** Uploaded and verified. */
		UPLOADED,

		/** Already there with the same content. */
		ALREADY_THERE

	}

	/**
	 * One segment as it is stored: compressed (and encrypted), with the SHA-256 of its
	 * raw bytes, which is what tells whether a segment already in the archive is the
	 * same.
	 */
	public record EncodedSegment(WalSegment segment, byte[] stored, String rawSha256, long rawBytes) {
	}

	/**
	 * Encodes one segment as its bytes arrive, so that the raw segment is never held
	 * whole: only its compressed form is. Not thread-safe.
	 */
	public final class SegmentEncoder {

		private final WalSegment segment;

		private final MessageDigest digest = Sha256.newDigest();

		private final ByteArrayOutputStream buffer = new ByteArrayOutputStream(1 << 20);

		private final OutputStream out;

		private long written;

		SegmentEncoder(WalSegment segment) {
			this.segment = segment;
			try {
				OutputStream stored = WalArchive.this.encryption != null
						? WalArchive.this.encryption.encrypt(this.buffer) : this.buffer;
				this.out = Compression.ZSTD.compress(stored, WalArchive.this.level, 0);
			}
			catch (IOException ex) {
				throw new UncheckedIOException(ex);
			}
		}

		public void write(byte[] bytes, int offset, int length) {
			this.digest.update(bytes, offset, length);
			try {
				this.out.write(bytes, offset, length);
			}
			catch (IOException ex) {
				throw new UncheckedIOException(ex);
			}
			this.written += length;
		}

		public EncodedSegment finish() {
			try {
				this.out.close();
			}
			catch (IOException ex) {
				throw new UncheckedIOException(ex);
			}
			return new EncodedSegment(this.segment, this.buffer.toByteArray(), Sha256.hex(this.digest.digest()),
					this.written);
		}

	}

	/** An encoder for {@code segment}'s bytes. */
	public SegmentEncoder encoder(WalSegment segment) {
		return new SegmentEncoder(segment);
	}

	/** Encodes and stores the whole of a segment; see {@link #store}. */
	public Map.Entry<ObjectInfo, Stored> storeSegment(WalSegment segment, byte[] bytes) {
		SegmentEncoder encoder = encoder(segment);
		encoder.write(bytes, 0, bytes.length);
		return store(encoder.finish());
	}

	/**
	 * Stores an encoded segment, unless the archive holds it already with the same
	 * content.
	 * @return the object stored (or found), and whether it was uploaded
	 */
	public Map.Entry<ObjectInfo, Stored> store(EncodedSegment encoded) {
		WalSegment segment = encoded.segment();
		if (encoded.rawBytes() != this.segmentSize) {
			throw new IllegalArgumentException(segment + " has " + encoded.rawBytes() + " bytes");
		}
		String key = segmentKey(segment);
		Optional<ObjectInfo> existing = this.store.head(key);
		if (existing.isPresent()) {
			String stored = rawSha256(segment);
			if (stored.equals(encoded.rawSha256())) {
				return Map.entry(existing.get(), Stored.ALREADY_THERE);
			}
			throw new DrbatchException(FailureKind.INTEGRITY, "segment " + segment + " in the archive (" + key
					+ " on target '" + this.store.name() + "') has other content than the server's (SHA-256 " + stored
					+ ", the server's " + encoded.rawSha256()
					+ "): the archive mixes WAL of two clusters or was altered; a new base backup and a new chain are needed");
		}
		byte[] stored = encoded.stored();
		ObjectInfo info = this.store.put(key, stored, "application/octet-stream",
				Map.of(RAW_SHA256, encoded.rawSha256()));
		ObjectInfo check = this.store.head(key)
			.orElseThrow(() -> new DrbatchException(FailureKind.INTEGRITY,
					"segment " + key + " is missing on target '" + this.store.name() + "' right after its upload"));
		String expected = Sha256.base64(Sha256.of(stored, 0, stored.length));
		if (check.size() != stored.length
				|| (check.checksumSha256() != null && !check.checksumSha256().equals(expected))) {
			throw new DrbatchException(FailureKind.INTEGRITY,
					"segment " + key + " on target '" + this.store.name() + "' has " + check.size()
							+ " bytes and checksum " + check.checksumSha256() + " right after its upload, expected "
							+ stored.length + " bytes and " + expected);
		}
		return Map.entry(info, Stored.UPLOADED);
	}

	/** The SHA-256 of an archived segment's raw bytes, read as a stream. */
	private String rawSha256(WalSegment segment) {
		String key = segmentKey(segment);
		Map<String, StreamEncryption> keys = this.encryption != null ? Map.of(this.encryption.keyId(), this.encryption)
				: Map.of();
		MessageDigest digest = Sha256.newDigest();
		try (InputStream raw = new java.io.BufferedInputStream(this.store.get(key), 1 << 16);
				InputStream plain = StreamEncryption.decryptIfEncrypted(raw, keys, key);
				InputStream in = Compression.ZSTD.decompress(plain)) {
			byte[] buffer = new byte[1 << 16];
			int n;
			while ((n = in.read(buffer)) >= 0) {
				digest.update(buffer, 0, n);
			}
		}
		catch (IOException ex) {
			throw new DrbatchException(FailureKind.INTEGRITY,
					"cannot read segment " + key + " on target '" + this.store.name() + "': " + ex.getMessage(), ex);
		}
		return Sha256.hex(digest.digest());
	}

	/**
	 * The raw bytes of an archived segment (decrypted with {@code keys} when needed,
	 * decompressed).
	 */
	public byte[] readSegment(WalSegment segment) {
		return readSegment(segment,
				this.encryption != null ? Map.of(this.encryption.keyId(), this.encryption) : Map.of());
	}

	public byte[] readSegment(WalSegment segment, Map<String, StreamEncryption> keys) {
		String key = segmentKey(segment);
		try (InputStream raw = new java.io.BufferedInputStream(this.store.get(key), 1 << 16);
				InputStream plain = StreamEncryption.decryptIfEncrypted(raw, keys, key);
				InputStream in = Compression.ZSTD.decompress(plain)) {
			return in.readAllBytes();
		}
		catch (IOException ex) {
			throw new DrbatchException(FailureKind.INTEGRITY,
					"cannot read segment " + key + " on target '" + this.store.name() + "': " + ex.getMessage(), ex);
		}
	}

	/**
	 * Stores a timeline's history file, unless it is there already with the same text.
	 */
	public void storeHistory(TimelineHistory history) {
		String key = historyKey(history.timeline());
		byte[] bytes = history.text().getBytes(StandardCharsets.UTF_8);
		Optional<ObjectInfo> existing = this.store.head(key);
		if (existing.isPresent()) {
			try (InputStream in = this.store.get(key)) {
				if (MessageDigest.isEqual(in.readAllBytes(), bytes)) {
					return;
				}
			}
			catch (IOException ex) {
				throw new UncheckedIOException(ex);
			}
			throw new DrbatchException(FailureKind.INTEGRITY,
					"history file " + key + " on target '" + this.store.name() + "' differs from the server's");
		}
		this.store.put(key, bytes, "text/plain");
	}

	/**
	 * What the archive holds: its segments, history files and recorded runs.
	 *
	 * @param segments every segment, in order of position (then timeline)
	 * @param histories the history files, by timeline
	 * @param runs the completed runs recorded, oldest first
	 */
	public record Contents(List<WalSegment> segments, Map<Integer, TimelineHistory> histories, List<Run> runs) {
	}

	/**
	 * The archive's segments, history files and runs, from one listing of its folder:
	 * what a recovery plan or a chain check reads, at a third of the requests of
	 * {@link #segments()}, {@link #histories()} and {@link #runs()} each listing it.
	 */
	public Contents contents() {
		List<WalSegment> segments = new ArrayList<>();
		Map<Integer, TimelineHistory> histories = new TreeMap<>();
		List<Run> runs = new ArrayList<>();
		for (ObjectInfo object : this.store.list(this.folder)) {
			String name = object.key().substring(this.folder.length());
			if (name.startsWith(Run.FOLDER)) {
				Run.parse(name.substring(Run.FOLDER.length())).ifPresent(runs::add);
			}
			else {
				segmentNamed(name).ifPresent(segments::add);
				historyTimeline(name).ifPresent(timeline -> histories.put(timeline, readHistory(timeline, object)));
			}
		}
		segments.sort(null);
		runs.sort(null);
		return new Contents(List.copyOf(segments), histories, List.copyOf(runs));
	}

	/** The history files in the archive, by timeline. */
	public Map<Integer, TimelineHistory> histories() {
		Map<Integer, TimelineHistory> histories = new TreeMap<>();
		for (ObjectInfo object : this.store.list(this.folder)) {
			String name = object.key().substring(this.folder.length());
			historyTimeline(name).ifPresent(timeline -> histories.put(timeline, readHistory(timeline, object)));
		}
		return histories;
	}

	/** Every segment in the archive, in order of position (then timeline). */
	public List<WalSegment> segments() {
		List<WalSegment> segments = new ArrayList<>();
		for (ObjectInfo object : this.store.list(this.folder)) {
			segmentNamed(object.key().substring(this.folder.length())).ifPresent(segments::add);
		}
		segments.sort(null);
		return segments;
	}

	private Optional<WalSegment> segmentNamed(String name) {
		if (!name.endsWith(SEGMENT_SUFFIX)) {
			return Optional.empty();
		}
		return Optional
			.ofNullable(WalSegment.parse(name.substring(0, name.length() - SEGMENT_SUFFIX.length()), this.segmentSize));
	}

	private static Optional<Integer> historyTimeline(String name) {
		return name.matches("[0-9A-F]{8}\\.history") ? Optional.of(Integer.parseUnsignedInt(name.substring(0, 8), 16))
				: Optional.empty();
	}

	private TimelineHistory readHistory(int timeline, ObjectInfo object) {
		try (InputStream in = this.store.get(object.key())) {
			return TimelineHistory.parse(timeline, new String(in.readAllBytes(), StandardCharsets.UTF_8));
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	/** Records a completed run (see {@link Run}). */
	public void recordRun(Run run) {
		this.store.put(this.folder + run.key(), new byte[0], "application/octet-stream");
	}

	/** The completed runs recorded, oldest first. */
	public List<Run> runs() {
		List<Run> runs = new ArrayList<>();
		String prefix = this.folder + Run.FOLDER;
		for (ObjectInfo object : this.store.list(prefix)) {
			Run.parse(object.key().substring(prefix.length())).ifPresent(runs::add);
		}
		runs.sort(null);
		return runs;
	}

	/** The key of a recorded run, for retention. */
	public String runKey(Run run) {
		return this.folder + run.key();
	}

	public void writeState(State state) {
		this.store.put(this.folder + STATE, ManifestJson.write(state), "application/json");
	}

	public static Optional<State> readState(ObjectStore store, String database, String systemIdentifier) {
		String key = folder(database, systemIdentifier) + STATE;
		if (store.head(key).isEmpty()) {
			return Optional.empty();
		}
		try (InputStream in = store.get(key)) {
			return Optional.of(ManifestJson.read(in.readAllBytes(), State.class, key));
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

}
