package io.drbatch.wal;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashMap;
import java.util.Map;

import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

import io.drbatch.codec.Compression;
import io.drbatch.codec.CountingInputStream;
import io.drbatch.pg.PgConnectionSpec;
import io.drbatch.store.ObjectStore;
import io.drbatch.testing.TestCluster;
import io.drbatch.testing.TestPostgres;
import io.drbatch.testing.TestS3;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link BaseBackupStreamer} against a real cluster and the S3 test server, every way a
 * tar can arrive: compressed by a pg_basebackup of version 15 or later; plain from an
 * older one (a wrapper that reports version 14 and runs the real tool, which then gets no
 * {@code --compress}); plain after a pg_basebackup 16 built without zstd refused
 * {@code --compress}. Each time the stored object is a zstd tar holding
 * {@code backup_label} and {@code backup_manifest}, the outcome's tar size is the
 * object's decompressed size, and its LSNs are the label's and the manifest's.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BaseBackupStreamerTests {

	private final TestCluster cluster = TestCluster.create("bbstream");

	private final String bucket = TestS3.newBucket("bbstream");

	@TempDir
	Path work;

	@AfterAll
	void cleanUp() {
		this.cluster.close();
		TestS3.deleteBucket(this.bucket);
	}

	@Test
	void aTarCompressedByPgBasebackupIsStoredWhole() throws IOException {
		BaseBackupStreamer streamer = streamer("pg_basebackup");
		assertThat(streamer.toolCompresses()).as("pg_basebackup %s compresses", TestCluster.binary("pg_basebackup"))
			.isTrue();
		assertStoredBackup(streamer, "new/base.tar.zst");
	}

	@Test
	void aPlainTarFromAnOlderPgBasebackupIsCompressedByDrbatch() throws IOException {
		Path wrapper = this.work.resolve("pg_basebackup_14");
		Files.writeString(wrapper, """
				#!/bin/sh
				if [ "$1" = "--version" ]; then echo "pg_basebackup (PostgreSQL) 14.13"; exit 0; fi
				for argument in "$@"; do
				  case "$argument" in --compress*) echo "no --compress expected" >&2; exit 9;; esac
				done
				exec %s "$@"
				""".formatted(TestCluster.binary("pg_basebackup")));
		Files.setPosixFilePermissions(wrapper, PosixFilePermissions.fromString("rwxr-xr-x"));
		BaseBackupStreamer streamer = streamer(wrapper.toString());
		assertThat(streamer.toolCompresses()).isFalse();
		assertStoredBackup(streamer, "old/base.tar.zst");
	}

	/**
	 * A pg_basebackup 16 built without zstd (a wrapper that refuses {@code --compress}
	 * with PostgreSQL's words, before connecting, and runs the real tool otherwise): the
	 * backup is taken again with drbatch compressing, and so are the next ones.
	 */
	@Test
	void aPgBasebackupBuiltWithoutZstdFallsBackToDrbatchCompressing() throws IOException {
		Path wrapper = this.work.resolve("pg_basebackup_no_zstd");
		Files.writeString(wrapper,
				"""
						#!/bin/sh
						if [ "$1" = "--version" ]; then echo "pg_basebackup (PostgreSQL) 16.4"; exit 0; fi
						for argument in "$@"; do
						  case "$argument" in --compress*)
						    echo "pg_basebackup: error: invalid compression specification: this build does not support compression with ZSTD" >&2
						    exit 1;;
						  esac
						done
						exec %s "$@"
						"""
					.formatted(TestCluster.binary("pg_basebackup")));
		Files.setPosixFilePermissions(wrapper, PosixFilePermissions.fromString("rwxr-xr-x"));
		BaseBackupStreamer streamer = streamer(wrapper.toString());
		assertThat(streamer.toolCompresses()).as("version 16 is expected to compress").isTrue();

		assertStoredBackup(streamer, "no-zstd/base.tar.zst");

		assertThat(streamer.toolCompresses()).as("after the refusal").isFalse();
		assertStoredBackup(streamer, "no-zstd/again.tar.zst");
	}

	private BaseBackupStreamer streamer(String pgBaseBackup) {
		return new BaseBackupStreamer(new BaseBackupStreamer.Settings(pgBaseBackup, 1, 1, 5 * 1024 * 1024, 2, null));
	}

	private void assertStoredBackup(BaseBackupStreamer streamer, String key) throws IOException {
		PgConnectionSpec source = new PgConnectionSpec("bbstream", this.cluster.host(), this.cluster.port(), "postgres",
				TestPostgres.SCRAM_USER, TestPostgres.SCRAM_PASSWORD, null);
		ObjectStore store = TestS3.store(this.bucket, "it");

		BaseBackupStreamer.Outcome outcome = streamer.backup(source, store, key);

		Map<String, String> files = new HashMap<>();
		long tarBytes;
		try (InputStream stored = store.get(key);
				CountingInputStream tar = new CountingInputStream(Compression.ZSTD.decompress(stored));
				TarArchiveInputStream entries = new TarArchiveInputStream(tar)) {
			TarArchiveEntry entry;
			while ((entry = entries.getNextEntry()) != null) {
				if (entry.getName().equals("backup_label") || entry.getName().equals("backup_manifest")) {
					files.put(entry.getName(), new String(entries.readAllBytes(), StandardCharsets.UTF_8));
				}
			}
			tar.transferTo(java.io.OutputStream.nullOutputStream());
			tarBytes = tar.count();
		}
		assertThat(files).containsKeys("backup_label", "backup_manifest");
		assertThat(outcome.backupLabel()).isEqualTo(files.get("backup_label"));
		assertThat(outcome.tarBytes()).as("the tar's size").isEqualTo(tarBytes);
		assertThat(outcome.upload().size()).isEqualTo(store.head(key).orElseThrow().size());
		assertThat(outcome.startLsn()).isEqualTo(BaseBackupStreamer.startOf(files.get("backup_label")));
		assertThat(outcome.stopLsn()).isEqualTo(BaseBackupStreamer.stopOf(files.get("backup_manifest")));
		assertThat(outcome.stopLsn().compareTo(outcome.startLsn())).isPositive();
	}

}
