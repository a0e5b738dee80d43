package io.drbatch.pg;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Copies a pg_dump custom-format archive from a stream into a file while reading its
 * structure: the header, the table of contents, then one data block after another. It
 * tells its {@link Listener} when the table of contents is in the file and, for every
 * data block, once the whole block is in the file; before that call it writes the block's
 * position into the block's TOC entry in the file. pg_dump writing to a pipe leaves those
 * positions unset, which makes {@code pg_restore -j} scan the archive for every table;
 * with them set, pg_restore seeks straight to a block, and can restore it while later
 * blocks are still arriving.
 *
 * <p>
 * While copying a table's data block it also tells its listener, every
 * {@value #ROW_RANGE_BYTES} bytes or so and at the block's end, which range of whole rows
 * is now in the file ({@link Listener#rowsWritten}), so that a table can be loaded in
 * slices over several connections while later rows still arrive
 * ({@link ParallelTableLoader}).
 *
 * <p>
 * Archive versions 1.12 to 1.16 (pg_dump 9.x to 17) are understood. Any other version, or
 * a structure that does not parse, is still copied byte for byte; the copy then reports
 * {@link Result#indexed()} false and the caller restores it the ordinary way. Not
 * thread-safe: one thread copies; the listener is called on that thread.
 *
 * <p>
 * One class by design: the archive is parsed in a single pass as it streams by (header,
 * TOC, then block after block), and each step of that parse needs the state the previous
 * one left (offsets, the TOC entries read, the block being copied); splitting it would
 * pass that state around without making any part readable alone.
 */
public final class CustomArchiveSpooler {

	private static final int OLDEST_VERSION = version(1, 12, 0);

	private static final int NEWEST_VERSION = version(1, 16, 255);

	private static final int VERSION_1_14 = version(1, 14, 0);

	private static final int VERSION_1_15 = version(1, 15, 0);

	private static final int VERSION_1_16 = version(1, 16, 0);

	private static final int CUSTOM_FORMAT = 1;

	private static final int BLOCK_DATA = 1;

	private static final int BLOCK_LARGE_OBJECTS = 3;

	private static final int OFFSET_SET = 2;

	private static final int OFFSET_NOT_SET = 1;

	private static final int COPY_BUFFER = 1024 * 1024;

	/** Roughly how many bytes of rows {@link Listener#rowsWritten} reports at a time. */
	static final int ROW_RANGE_BYTES = 32 * 1024 * 1024;

	public static final int SECTION_NONE = 1;

	public static final int SECTION_PRE_DATA = 2;

	public static final int SECTION_DATA = 3;

	public static final int SECTION_POST_DATA = 4;

	/**
	 * Told about the archive's progress into the file; exceptions it throws stop the
	 * copy.
	 */
	public interface Listener {

		/** The header and the whole table of contents are in the file. */
		void tableOfContentsWritten(List<TocEntry> entries, ArchiveFacts facts);

		/**
		 * The rows of {@code table}'s data block between the chunk headers at
		 * {@code from} and {@code to} (exclusive) are in the file: each range begins with
		 * a row, and the last one of a block ends after the block's end marker. Ranges of
		 * one block are reported in order, before {@link #dataBlockWritten}.
		 */
		default void rowsWritten(TocEntry table, long from, long to) {
		}

		/**
		 * The data block of {@code entry} is wholly in the file, and its position is set
		 * in the TOC.
		 */
		void dataBlockWritten(TocEntry entry, DataBlock block);

	}

	/**
	 * One entry of the archive's table of contents.
	 *
	 * @param section {@link #SECTION_NONE}, {@link #SECTION_PRE_DATA},
	 * {@link #SECTION_DATA} or {@link #SECTION_POST_DATA}, as pg_dump numbers them
	 * @param hasData whether a data block belongs to it (table data, large objects)
	 * @param copyStatement the {@code COPY ... FROM stdin;} that loads a table's data
	 * block, else {@code null}
	 * @param dependencies dump ids of the entries this one depends on
	 */
	public record TocEntry(int dumpId, String desc, String namespace, String tag, int section, boolean hasData,
			String copyStatement, List<Integer> dependencies) {

		/**
		 * Whether this is a table's (or partition's) rows, loadable with
		 * {@link #copyStatement()}.
		 */
		public boolean isTableData() {
			return "TABLE DATA".equals(this.desc) && this.copyStatement != null && !this.copyStatement.isBlank();
		}

		/** {@code TABLE DATA public.accounts}, for logs. */
		public String describe() {
			return this.desc + " " + (this.namespace != null && !this.namespace.isEmpty() ? this.namespace + "." : "")
					+ this.tag;
		}

	}

	/**
	 * Where one data block lies in the file.
	 *
	 * @param start position of the block header
	 * @param end position after the block
	 */
	public record DataBlock(long start, long end) {

		public long size() {
			return this.end - this.start;
		}

	}

	/**
	 * What the archive holds, as far as a loader of its data blocks needs to know.
	 *
	 * @param intSize bytes of an integer's magnitude in the archive (chunk lengths)
	 * @param uncompressedData whether data blocks hold their rows as they are (pg_dump
	 * {@code -Z0})
	 * @param encoding the archive's client encoding (its {@code ENCODING} entry),
	 * {@code null} if not read
	 */
	public record ArchiveFacts(int intSize, boolean uncompressedData, String encoding) {
	}

	/**
	 * @param bytes bytes copied into the file
	 * @param indexed whether the structure was read to the end, every data block reported
	 * and its position set
	 */
	public record Result(long bytes, boolean indexed) {
	}

	private final InputStream in;

	private final FileChannel out;

	private final Listener listener;

	private final int rowRangeBytes;

	private final ByteBuffer pending = ByteBuffer.allocate(COPY_BUFFER);

	/**
	 * Read ahead from {@link #in}: pg_dump writes table data as one length-prefixed chunk
	 * per row.
	 */
	private final byte[] input = new byte[COPY_BUFFER];

	private int inputPosition;

	private int inputLimit;

	private long position;

	private int version;

	private int intSize;

	private int offsetSize;

	private boolean uncompressedData;

	private String encoding;

	/** Whether the last byte copied by {@link #copyBytes} was a newline. */
	private boolean lastCopiedNewline;

	private final java.util.Map<Integer, Long> offsetFields = new java.util.HashMap<>();

	private final java.util.Map<Integer, TocEntry> entriesById = new java.util.HashMap<>();

	public CustomArchiveSpooler(InputStream in, FileChannel out, Listener listener) {
		this(in, out, listener, ROW_RANGE_BYTES);
	}

	CustomArchiveSpooler(InputStream in, FileChannel out, Listener listener, int rowRangeBytes) {
		this.in = in;
		this.out = out;
		this.listener = listener;
		this.rowRangeBytes = rowRangeBytes;
	}

	/**
	 * Copies the whole stream into the file. An {@link IOException} from the stream or
	 * the file ends the copy; one from the structure (a version it does not know, a block
	 * it cannot read) does not: the rest is copied as is.
	 */
	public Result copy() throws IOException {
		boolean indexed;
		try {
			indexed = readArchive();
		}
		catch (MalformedArchive ex) {
			indexed = false;
		}
		if (this.inputPosition < this.inputLimit) {
			indexed = false;
			writeThrough(this.input, this.inputPosition, this.inputLimit - this.inputPosition);
			this.inputPosition = this.inputLimit;
		}
		flush();
		byte[] buffer = new byte[COPY_BUFFER];
		int n;
		while ((n = this.in.read(buffer)) >= 0) {
			indexed = indexed && n == 0;
			writeThrough(buffer, 0, n);
		}
		flush();
		return new Result(this.position, indexed);
	}

	private boolean readArchive() throws IOException {
		if (!readHeader()) {
			return false;
		}
		List<TocEntry> entries = readTableOfContents();
		flush();
		this.listener.tableOfContentsWritten(entries,
				new ArchiveFacts(this.intSize, this.uncompressedData, this.encoding));
		while (true) {
			int type = nextByte();
			if (type < 0) {
				return true;
			}
			long blockStart = this.position;
			writeByte(type);
			int dumpId = readInt();
			Long field = this.offsetFields.get(dumpId);
			TocEntry entry = this.entriesById.get(dumpId);
			if (field == null || entry == null) {
				throw new MalformedArchive("data block for dump id " + dumpId + " that is not in the TOC");
			}
			if (type == BLOCK_DATA && entry.isTableData()) {
				copyRows(entry);
			}
			else if (type == BLOCK_DATA) {
				skipChunks();
			}
			else if (type == BLOCK_LARGE_OBJECTS) {
				for (int oid = readInt(); oid != 0; oid = readInt()) {
					skipChunks();
				}
			}
			else {
				throw new MalformedArchive("unknown data block type " + type);
			}
			flush();
			writeOffset(field, blockStart);
			this.listener.dataBlockWritten(entry, new DataBlock(blockStart, this.position));
		}
	}

	private boolean readHeader() throws IOException {
		byte[] magic = readBytes(5);
		if (!"PGDMP".equals(new String(magic, StandardCharsets.US_ASCII))) {
			throw new MalformedArchive("not a pg_dump custom-format archive");
		}
		int major = readByte();
		int minor = readByte();
		int revision = readByte();
		this.version = version(major, minor, revision);
		if (this.version < OLDEST_VERSION || this.version > NEWEST_VERSION) {
			return false;
		}
		this.intSize = readByte();
		this.offsetSize = readByte();
		if (this.intSize < 1 || this.intSize > 8 || this.offsetSize < 1 || this.offsetSize > 8
				|| readByte() != CUSTOM_FORMAT) {
			throw new MalformedArchive("unexpected integer sizes or format");
		}
		if (this.version >= VERSION_1_15) {
			this.uncompressedData = readByte() == 0;
		}
		else {
			this.uncompressedData = readInt() == 0;
		}
		for (int i = 0; i < 7; i++) {
			readInt();
		}
		readString();
		readString();
		readString();
		return true;
	}

	private List<TocEntry> readTableOfContents() throws IOException {
		int count = readInt();
		List<TocEntry> entries = new ArrayList<>(Math.max(0, count));
		for (int i = 0; i < count; i++) {
			int dumpId = readInt();
			boolean hadDumper = readInt() != 0;
			readString();
			readString();
			String tag = readString();
			String desc = readString();
			int section = readInt();
			String definition = readString();
			readString();
			String copyStatement = readString();
			String namespace = readString();
			readString();
			if (this.version >= VERSION_1_14) {
				readString();
			}
			if (this.version >= VERSION_1_16) {
				readInt();
			}
			readString();
			readString();
			List<Integer> dependencies = new ArrayList<>();
			for (String dependency = readString(); dependency != null; dependency = readString()) {
				try {
					dependencies.add(Integer.valueOf(dependency.strip()));
				}
				catch (NumberFormatException ex) {
					throw new MalformedArchive("dependency '" + dependency + "' is not a dump id");
				}
			}
			long offsetField = this.position;
			int flag = readByte();
			readBytes(this.offsetSize);
			boolean hasData = hadDumper && (flag == OFFSET_NOT_SET || flag == OFFSET_SET);
			if ("ENCODING".equals(desc) && definition != null) {
				this.encoding = quoted(definition);
			}
			TocEntry entry = new TocEntry(dumpId, desc, namespace, tag, section, hasData, copyStatement,
					List.copyOf(dependencies));
			entries.add(entry);
			this.entriesById.put(dumpId, entry);
			if (hasData) {
				this.offsetFields.put(dumpId, offsetField);
			}
		}
		return entries;
	}

	/** {@code UTF8} of {@code SET client_encoding = 'UTF8';}. */
	private static String quoted(String definition) {
		int open = definition.indexOf('\'');
		int close = definition.indexOf('\'', open + 1);
		return open >= 0 && close > open ? definition.substring(open + 1, close) : null;
	}

	/**
	 * Copies a table's data block (chunks up to the zero-length one that ends it),
	 * reporting ranges of whole rows as they are in the file. A row of COPY text ends
	 * with a newline (a newline inside a value is written as {@code \n}), so a chunk that
	 * follows one ending with a newline begins a row.
	 */
	private void copyRows(TocEntry table) throws IOException {
		long rangeStart = this.position;
		while (true) {
			int length = readInt();
			if (length == 0) {
				flush();
				this.listener.rowsWritten(table, rangeStart, this.position);
				return;
			}
			if (length < 0) {
				throw new MalformedArchive("negative chunk length");
			}
			copyBytes(length);
			if (this.lastCopiedNewline && this.position - rangeStart >= this.rowRangeBytes) {
				flush();
				this.listener.rowsWritten(table, rangeStart, this.position);
				rangeStart = this.position;
			}
		}
	}

	private void skipChunks() throws IOException {
		for (int length = readInt(); length != 0; length = readInt()) {
			if (length < 0) {
				throw new MalformedArchive("negative chunk length");
			}
			copyBytes(length);
		}
	}

	/** Copies {@code length} bytes from the stream into the file without reading them. */
	private void copyBytes(int length) throws IOException {
		int remaining = length;
		while (remaining > 0) {
			if (this.inputPosition == this.inputLimit && !fill()) {
				throw new EOFException("archive ends inside a data block");
			}
			int n = Math.min(remaining, this.inputLimit - this.inputPosition);
			writeThrough(this.input, this.inputPosition, n);
			this.inputPosition += n;
			remaining -= n;
			this.lastCopiedNewline = this.input[this.inputPosition - 1] == '\n';
		}
	}

	private int nextByte() throws IOException {
		if (this.inputPosition == this.inputLimit && !fill()) {
			return -1;
		}
		return this.input[this.inputPosition++] & 0xFF;
	}

	private boolean fill() throws IOException {
		int n = this.in.read(this.input, 0, this.input.length);
		while (n == 0) {
			n = this.in.read(this.input, 0, this.input.length);
		}
		this.inputPosition = 0;
		this.inputLimit = Math.max(n, 0);
		return n > 0;
	}

	private void writeOffset(long field, long blockStart) throws IOException {
		ByteBuffer value = ByteBuffer.allocate(1 + this.offsetSize);
		value.put((byte) OFFSET_SET);
		long remaining = blockStart;
		for (int i = 0; i < this.offsetSize; i++) {
			value.put((byte) (remaining & 0xFF));
			remaining >>>= 8;
		}
		value.flip();
		while (value.hasRemaining()) {
			this.out.write(value, field + value.position());
		}
	}

	/**
	 * pg_dump's integer: a sign byte, then {@code intSize} bytes, least significant
	 * first.
	 */
	private int readInt() throws IOException {
		int sign = readByte();
		long value = 0;
		for (int i = 0; i < this.intSize; i++) {
			value |= ((long) readByte()) << (8 * i);
		}
		if (value > Integer.MAX_VALUE) {
			throw new MalformedArchive("integer out of range");
		}
		return sign != 0 ? (int) -value : (int) value;
	}

	/** pg_dump's string: its length as an integer (-1 for null), then its bytes. */
	private String readString() throws IOException {
		int length = readInt();
		if (length < 0) {
			return null;
		}
		return new String(readBytes(length), StandardCharsets.UTF_8);
	}

	private int readByte() throws IOException {
		int b = nextByte();
		if (b < 0) {
			throw new EOFException("archive ends inside a header, table of contents or block header");
		}
		writeByte(b);
		return b;
	}

	private void writeByte(int b) throws IOException {
		this.position++;
		this.pending.put((byte) b);
		if (!this.pending.hasRemaining()) {
			flush();
		}
	}

	private byte[] readBytes(int length) throws IOException {
		byte[] bytes = new byte[length];
		for (int i = 0; i < length; i++) {
			int b = readByte();
			bytes[i] = (byte) b;
		}
		return bytes;
	}

	private void writeThrough(byte[] bytes, int offset, int length) throws IOException {
		this.position += length;
		int done = 0;
		while (done < length) {
			int n = Math.min(length - done, this.pending.remaining());
			this.pending.put(bytes, offset + done, n);
			done += n;
			if (!this.pending.hasRemaining()) {
				flush();
			}
		}
	}

	private void flush() throws IOException {
		this.pending.flip();
		while (this.pending.hasRemaining()) {
			this.out.write(this.pending);
		}
		this.pending.clear();
	}

	private static int version(int major, int minor, int revision) {
		return (major * 256 + minor) * 256 + revision;
	}

	/**
	 * The stream is not the archive structure this class reads; the rest is copied
	 * without reading it.
	 */
	private static final class MalformedArchive extends IOException {

		MalformedArchive(String message) {
			super(message);
		}

	}

}
