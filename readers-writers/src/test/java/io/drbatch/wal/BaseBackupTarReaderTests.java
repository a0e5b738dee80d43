package io.drbatch.wal;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Random;

import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import io.drbatch.codec.Compression;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * {@link BaseBackupTarReader}: finds both files and counts the tar, fed in uneven chunks,
 * plain and zstd-compressed; a stream that is not what it should be fails the feeder or
 * {@code finish()} with the reader's cause instead of leaving the feeder waiting.
 */
class BaseBackupTarReaderTests {

	private static final String LABEL = "START WAL LOCATION: 0/2000028 (file 000000010000000000000002)\n";

	private static final String MANIFEST = "{\"WAL-Ranges\": [{\"End-LSN\": \"0/2000100\"}]}";

	@Test
	void aPlainTarIsReadWhole() throws IOException {
		byte[] tar = tar();
		BaseBackupTarReader.Found found = feedAll(BaseBackupTarReader.start(null, "plain"), tar);
		assertThat(found.backupLabel()).isEqualTo(LABEL);
		assertThat(found.backupManifest()).isEqualTo(MANIFEST);
		assertThat(found.tarBytes()).isEqualTo(tar.length);
	}

	@Test
	void aCompressedTarIsDecodedAndCountedUncompressed() throws IOException {
		byte[] tar = tar();
		ByteArrayOutputStream compressed = new ByteArrayOutputStream();
		try (OutputStream zstd = Compression.ZSTD.compress(compressed, 1, 0)) {
			zstd.write(tar);
		}
		BaseBackupTarReader.Found found = feedAll(BaseBackupTarReader.start(Compression.ZSTD, "zstd"),
				compressed.toByteArray());
		assertThat(found.backupLabel()).isEqualTo(LABEL);
		assertThat(found.backupManifest()).isEqualTo(MANIFEST);
		assertThat(found.tarBytes()).isEqualTo(tar.length);
	}

	@Test
	@Timeout(60)
	void bytesThatAreNotZstdFailTheFeederInsteadOfHangingIt() {
		byte[] garbage = new byte[64 * 1024 * BaseBackupTarReader.CHUNKS * 4];
		new Random(7).nextBytes(garbage);
		try (BaseBackupTarReader reader = BaseBackupTarReader.start(Compression.ZSTD, "garbage")) {
			assertThatThrownBy(() -> feedAll(reader, garbage)).isInstanceOf(IOException.class)
				.hasMessageContaining("the base backup's tar cannot be read");
		}
	}

	private static BaseBackupTarReader.Found feedAll(BaseBackupTarReader reader, byte[] bytes) throws IOException {
		try (reader) {
			int offset = 0;
			int size = 1;
			while (offset < bytes.length) {
				int n = Math.min(size, bytes.length - offset);
				reader.feed(bytes, offset, n);
				offset += n;
				size = size * 3 % 70_001 + 1;
			}
			return reader.finish();
		}
	}

	private static byte[] tar() throws IOException {
		ByteArrayOutputStream bytes = new ByteArrayOutputStream();
		try (TarArchiveOutputStream tar = new TarArchiveOutputStream(bytes)) {
			add(tar, "backup_label", LABEL.getBytes(StandardCharsets.UTF_8));
			byte[] data = new byte[300_000];
			new Random(3).nextBytes(data);
			add(tar, "base/1/1259", data);
			add(tar, "backup_manifest", MANIFEST.getBytes(StandardCharsets.UTF_8));
		}
		return bytes.toByteArray();
	}

	private static void add(TarArchiveOutputStream tar, String name, byte[] content) throws IOException {
		TarArchiveEntry entry = new TarArchiveEntry(name);
		entry.setSize(content.length);
		tar.putArchiveEntry(entry);
		tar.write(content);
		tar.closeArchiveEntry();
	}

}
