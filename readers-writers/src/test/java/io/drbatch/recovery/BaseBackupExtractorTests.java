package io.drbatch.recovery;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

import io.drbatch.codec.Compression;
import io.drbatch.codec.Sha256;
import io.drbatch.failure.DrbatchException;
import io.drbatch.manifest.BackupManifest;
import io.drbatch.manifest.BaseBackupManifest;
import io.drbatch.store.S3ObjectStore;
import io.drbatch.testing.TestS3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A base backup's stored object extracted from the S3 test server: every file whole with
 * PostgreSQL's permissions (large files cross the parallel writers' chunks), and the
 * object refused, naming it, when its bytes are not the manifest's or when an entry would
 * land outside the data directory.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BaseBackupExtractorTests {

	private final String bucket = TestS3.newBucket("extract");

	private final S3ObjectStore store = TestS3.store(this.bucket, "x");

	@TempDir
	Path work;

	@AfterAll
	void cleanUp() {
		this.store.close();
		TestS3.deleteBucket(this.bucket);
	}

	private static Map<String, byte[]> cluster() {
		Random random = new Random(11);
		Map<String, byte[]> files = new LinkedHashMap<>();
		files.put("backup_label", "START WAL LOCATION: 0/2000028\n".getBytes(StandardCharsets.UTF_8));
		files.put("PG_VERSION", "15\n".getBytes(StandardCharsets.UTF_8));
		files.put("global/pg_control", new byte[8192]);
		byte[] relation = new byte[(5 << 20) + 4321];
		random.nextBytes(relation);
		files.put("base/5/16384", relation);
		files.put("base/5/16384_fsm", new byte[0]);
		files.put("backup_manifest", "{\"PostgreSQL-Backup-Manifest-Version\": 1}\n".getBytes(StandardCharsets.UTF_8));
		return files;
	}

	private static byte[] tarZst(Map<String, byte[]> files) throws IOException {
		ByteArrayOutputStream stored = new ByteArrayOutputStream();
		try (OutputStream zst = Compression.ZSTD.compress(stored, 1, 0);
				TarArchiveOutputStream tar = new TarArchiveOutputStream(zst)) {
			for (String directory : List.of("global", "base", "base/5")) {
				tar.putArchiveEntry(new TarArchiveEntry(directory + "/"));
				tar.closeArchiveEntry();
			}
			for (Map.Entry<String, byte[]> file : files.entrySet()) {
				TarArchiveEntry entry = new TarArchiveEntry(file.getKey());
				entry.setSize(file.getValue().length);
				tar.putArchiveEntry(entry);
				tar.write(file.getValue());
				tar.closeArchiveEntry();
			}
		}
		return stored.toByteArray();
	}

	private BaseBackupManifest stored(String key, byte[] object, String sha256) {
		this.store.put(key, object, "application/zstd");
		return new BaseBackupManifest(BaseBackupManifest.FORMAT_VERSION, "b1", "db", Instant.now(), "7", "15.4", 150004,
				1, "0/2000028", "0/2000100", "000000010000000000000002", "000000010000000000000002", Instant.now(),
				Instant.now(), 16L << 20, "zstd", null, 0,
				List.of(new BackupManifest.StoredObject("base", key, object.length, sha256, null, 1, object.length)),
				null, null);
	}

	@Test
	void everyFileIsExtractedWholeWithPostgresqlsPermissions() throws IOException {
		Map<String, byte[]> files = cluster();
		byte[] object = tarZst(files);
		Path data = this.work.resolve("data");

		BaseBackupExtractor.Extracted extracted = BaseBackupExtractor.extract(this.store,
				stored("whole.tar.zst", object, Sha256.hex(Sha256.of(object, 0, object.length))), Map.of(), data);

		assertThat(extracted.files()).isEqualTo(files.size());
		assertThat(extracted.storedBytes()).isEqualTo(object.length);
		for (Map.Entry<String, byte[]> file : files.entrySet()) {
			Path path = data.resolve(file.getKey());
			assertThat(Files.readAllBytes(path)).as(file.getKey()).isEqualTo(file.getValue());
			assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(path))).isEqualTo("rw-------");
		}
		assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(data.resolve("base/5"))))
			.isEqualTo("rwx------");
	}

	@Test
	void anObjectWhoseBytesAreNotTheManifestsIsRefusedNamingIt() throws IOException {
		byte[] object = tarZst(cluster());
		String recorded = Sha256.hex(Sha256.of(new byte[] { 1, 2, 3 }, 0, 3));

		assertThatThrownBy(() -> BaseBackupExtractor.extract(this.store, stored("changed.tar.zst", object, recorded),
				Map.of(), this.work.resolve("changed")))
			.isInstanceOf(DrbatchException.class)
			.hasMessageContaining("changed.tar.zst")
			.hasMessageContaining("does not match its manifest")
			.hasMessageContaining(recorded);
	}

	@Test
	void anEntryOutsideTheDataDirectoryIsRefused() throws IOException {
		Map<String, byte[]> files = cluster();
		files.put("../escaped", new byte[10]);
		byte[] object = tarZst(files);

		assertThatThrownBy(() -> BaseBackupExtractor.extract(this.store,
				stored("escape.tar.zst", object, Sha256.hex(Sha256.of(object, 0, object.length))), Map.of(),
				this.work.resolve("inside")))
			.isInstanceOf(DrbatchException.class)
			.hasMessageContaining("outside the data directory: ../escaped");
		assertThat(this.work.resolve("escaped")).doesNotExist();
	}

}
