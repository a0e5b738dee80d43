package io.drbatch.recovery;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.util.Map;

import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

import io.drbatch.codec.ChunkPipe;
import io.drbatch.codec.Compression;
import io.drbatch.codec.CountingInputStream;
import io.drbatch.codec.Sha256;
import io.drbatch.codec.StreamEncryption;
import io.drbatch.failure.DrbatchException;
import io.drbatch.failure.FailureKind;
import io.drbatch.manifest.BackupManifest;
import io.drbatch.manifest.BaseBackupManifest;
import io.drbatch.store.ObjectStore;

/**
 * Restores a base backup's object into an empty data directory as it streams from the
 * store, in stages on their own threads: the download, counted and hashed, reads ahead on
 * a thread of its own; the calling thread decrypts, decompresses and extracts the tar
 * file by file (commons-compress), directories 0700 and files 0600 as PostgreSQL
 * requires; writer threads write the files' bytes ({@link ParallelFileWriter}). Once the
 * stream ends, its size and SHA-256 must be the manifest's, else the restore fails naming
 * the object (the caller empties the directory): nothing unverified is ever started. The
 * tar's own {@code backup_label} and {@code backup_manifest} must be there. Memory is
 * bounded by the download's read-ahead (4 MiB), the stream buffers and the writers' 16
 * MiB; the object is never held whole. Stateless.
 */
public final class BaseBackupExtractor {

	/**
	 * Writing a cluster's files costs the kernel more than decompressing and parsing them
	 * costs drbatch (about 7 CPU-seconds for 3 GB on the benchmark machine), so files are
	 * written on two threads beside the reading one.
	 */
	private static final int WRITER_THREADS = 2;

	private static final int CHUNK_SIZE = 1 << 20;

	/** At most this many chunks (MiB) read ahead of the writers. */
	private static final int CHUNKS = 16;

	/**
	 * The download (with its count and SHA-256) runs on a thread of its own, this many
	 * chunks of this size ahead of the thread that decompresses and parses the tar.
	 */
	private static final int STAGE_CHUNK = 256 * 1024;

	private static final int STAGE_CHUNKS = 16;

	private BaseBackupExtractor() {
	}

	/** What was extracted. */
	public record Extracted(long storedBytes, long tarBytes, int files) {
	}

	public static Extracted extract(ObjectStore store, BaseBackupManifest manifest, Map<String, StreamEncryption> keys,
			Path data) {
		BackupManifest.StoredObject object = manifest.objects().get(0);
		String where = "base backup " + manifest.backupId() + " (" + object.key() + " on target '" + store.name()
				+ "')";
		MessageDigest digest = Sha256.newDigest();
		long stored;
		long tarBytes;
		int files = 0;
		boolean label = false;
		boolean backupManifest = false;
		try {
			Files.createDirectories(data);
			Files.setPosixFilePermissions(data, PosixFilePermissions.fromString("rwx------"));
			// counted and hashed below the buffer: the decryptor's peek (mark/reset) is
			// served by the buffer, so no byte is counted twice
			try (CountingInputStream counted = new CountingInputStream(store.get(object.key()));
					DigestInputStream hashed = new DigestInputStream(counted, digest);
					InputStream downloaded = ChunkPipe.readAhead(hashed, "base-backup-download", STAGE_CHUNK,
							STAGE_CHUNKS);
					BufferedInputStream buffered = new BufferedInputStream(downloaded, 1 << 20);
					InputStream plain = StreamEncryption.decryptIfEncrypted(buffered, keys, object.key());
					CountingInputStream tar = new CountingInputStream(Compression.ZSTD.decompress(plain));
					TarArchiveInputStream entries = new TarArchiveInputStream(tar);
					ParallelFileWriter writer = new ParallelFileWriter(WRITER_THREADS, CHUNK_SIZE, CHUNKS)) {
				TarArchiveEntry entry;
				while ((entry = entries.getNextEntry()) != null) {
					Path path = data.resolve(entry.getName()).normalize();
					if (!path.startsWith(data)) {
						throw new DrbatchException(FailureKind.INTEGRITY,
								where + " holds an entry outside the data directory: " + entry.getName());
					}
					if (entry.isDirectory()) {
						Files.createDirectories(path);
						Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rwx------"));
					}
					else if (entry.isSymbolicLink()) {
						throw new DrbatchException(FailureKind.INTEGRITY, where + " holds a symbolic link ("
								+ entry.getName() + "): tablespaces outside the data directory are not restored");
					}
					else {
						Files.createDirectories(path.getParent());
						writer.write(path, entries, entry.getSize());
						files++;
						label |= entry.getName().equals("backup_label");
						backupManifest |= entry.getName().equals("backup_manifest");
					}
				}
				writer.finish();
				entries.transferTo(OutputStream.nullOutputStream());
				buffered.transferTo(OutputStream.nullOutputStream());
				stored = counted.count();
				tarBytes = tar.count();
			}
		}
		catch (IOException ex) {
			throw new DrbatchException(FailureKind.INTEGRITY, where + " cannot be read: " + ex.getMessage(), ex);
		}
		String sha256 = Sha256.hex(digest.digest());
		if (stored != object.size() || !sha256.equals(object.sha256())) {
			throw new DrbatchException(FailureKind.INTEGRITY,
					where + " does not match its manifest: " + stored + " bytes with SHA-256 " + sha256 + ", expected "
							+ object.size() + " bytes with " + object.sha256());
		}
		if (!label || !backupManifest) {
			throw new DrbatchException(FailureKind.INTEGRITY,
					where + " lacks " + (!label ? "backup_label" : "backup_manifest") + "; it is not a base backup");
		}
		return new Extracted(stored, tarBytes, files);
	}

}
