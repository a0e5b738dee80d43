package io.drbatch.recovery;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ParallelFileWriterTests {

	private static final int CHUNK = 4096;

	@TempDir
	Path dir;

	@Test
	void filesOfOneStreamAreWrittenWhole() throws IOException {
		Random random = new Random(7);
		Map<String, byte[]> files = new LinkedHashMap<>();
		for (int size : new int[] { 0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 3 * CHUNK + 17, 40 * CHUNK }) {
			byte[] content = new byte[size];
			random.nextBytes(content);
			files.put("file-" + size, content);
		}
		InputStream stream = new ByteArrayInputStream(concatenated(files));

		try (ParallelFileWriter writer = new ParallelFileWriter(2, CHUNK, 3)) {
			for (Map.Entry<String, byte[]> file : files.entrySet()) {
				writer.write(this.dir.resolve(file.getKey()), stream, file.getValue().length);
			}
			writer.finish();
		}

		assertThat(stream.read()).as("nothing past the last file was read").isEqualTo(-1);
		for (Map.Entry<String, byte[]> file : files.entrySet()) {
			Path path = this.dir.resolve(file.getKey());
			assertThat(Files.readAllBytes(path)).as(file.getKey()).isEqualTo(file.getValue());
			assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(path))).isEqualTo("rw-------");
		}
	}

	@Test
	void aStreamThatEndsEarlyNamesTheFile() throws IOException {
		try (ParallelFileWriter writer = new ParallelFileWriter(2, CHUNK, 2)) {
			assertThatThrownBy(() -> writer.write(this.dir.resolve("short"),
					new ByteArrayInputStream(new byte[CHUNK + 5]), 2 * CHUNK))
				.isInstanceOf(IOException.class)
				.hasMessageContaining("short")
				.hasMessageContaining(CHUNK + 5 + " of " + 2 * CHUNK);
		}
	}

	@Test
	void aFailedWriteIsRethrownToTheReader() throws IOException {
		Path file = this.dir.resolve("removed");
		try (ParallelFileWriter writer = new ParallelFileWriter(1, CHUNK, 1)) {
			// the file disappears between its creation and its first chunk's write
			assertThatThrownBy(() -> {
				writer.write(file, removedOnFirstRead(new ByteArrayInputStream(new byte[5 * CHUNK]), file), 5 * CHUNK);
				writer.finish();
			}).isInstanceOf(IOException.class).hasMessageContaining("removed");
		}
	}

	/** Deletes {@code path} before the first byte of {@code in} is read. */
	private static InputStream removedOnFirstRead(InputStream in, Path path) {
		return new InputStream() {

			private boolean removed;

			@Override
			public int read() throws IOException {
				byte[] one = new byte[1];
				return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
			}

			@Override
			public int read(byte[] b, int off, int len) throws IOException {
				if (!this.removed) {
					Files.delete(path);
					this.removed = true;
				}
				return in.read(b, off, len);
			}
		};
	}

	private static byte[] concatenated(Map<String, byte[]> files) {
		int total = files.values().stream().mapToInt(content -> content.length).sum();
		byte[] all = new byte[total];
		int at = 0;
		for (byte[] content : files.values()) {
			System.arraycopy(content, 0, all, at, content.length);
			at += content.length;
		}
		return all;
	}

}
