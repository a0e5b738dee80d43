package io.drbatch.codec;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Locale;
import java.util.zip.Deflater;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

import com.github.luben.zstd.ZstdInputStream;
import com.github.luben.zstd.ZstdOutputStream;

/**
 * Stream compression of backup objects. Each algorithm writes a standard container
 * ({@code .zst} frames, {@code .gz} members) so that a stored dump can be decompressed by
 * the {@code zstd} or {@code gunzip} command-line tools without drbatch. Streams returned
 * here are not thread-safe.
 */
public enum Compression {

	/**
	 * Default level 1: a dump is bound by pg_dump's single server backend, and level 1
	 * keeps up with it while leaving CPU to the database; level 3 stores about 3% less
	 * for about twice the CPU (bench/dump.sh).
	 */
	ZSTD("zst", 1, 19, 1), GZIP("gz", 1, 9, 6), NONE("", 0, 0, 0);

	private static final int GZIP_BUFFER = 256 * 1024;

	private final String extension;

	private final int minLevel;

	private final int maxLevel;

	private final int defaultLevel;

	Compression(String extension, int minLevel, int maxLevel, int defaultLevel) {
		this.extension = extension;
		this.minLevel = minLevel;
		this.maxLevel = maxLevel;
		this.defaultLevel = defaultLevel;
	}

	/** File-name suffix including the dot, or empty for {@link #NONE}. */
	public String suffix() {
		return this.extension.isEmpty() ? "" : "." + this.extension;
	}

	public int defaultLevel() {
		return this.defaultLevel;
	}

	public boolean acceptsLevel(int level) {
		return level >= this.minLevel && level <= this.maxLevel;
	}

	public String levelRange() {
		return this.minLevel + ".." + this.maxLevel;
	}

	public String id() {
		return name().toLowerCase(Locale.ROOT);
	}

	public static Compression fromId(String id) {
		return valueOf(id.toUpperCase(Locale.ROOT));
	}

	/**
	 * Wraps {@code out}; closing the returned stream finishes the container and closes
	 * {@code out}.
	 * @param workers extra zstd compression threads (0 compresses on the calling thread);
	 * ignored by gzip
	 */
	public OutputStream compress(OutputStream out, int level, int workers) throws IOException {
		switch (this) {
			case ZSTD: {
				ZstdOutputStream zstd = new ZstdOutputStream(out, level);
				if (workers > 0) {
					zstd.setWorkers(workers);
				}
				return zstd;
			}
			case GZIP:
				return new GZIPOutputStream(out, GZIP_BUFFER) {
					{
						this.def.setLevel(level == 0 ? Deflater.DEFAULT_COMPRESSION : level);
					}
				};
			default:
				return out;
		}
	}

	/**
	 * Wraps {@code in} with the matching decompressor; concatenated gzip members and zstd
	 * frames are read whole.
	 */
	public InputStream decompress(InputStream in) throws IOException {
		switch (this) {
			case ZSTD:
				return new ZstdInputStream(in).setContinuous(false);
			case GZIP:
				return new GZIPInputStream(in, GZIP_BUFFER);
			default:
				return in;
		}
	}

}
