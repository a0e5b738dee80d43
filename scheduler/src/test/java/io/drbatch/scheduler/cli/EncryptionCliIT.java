package io.drbatch.scheduler.cli;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Random;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.s3.S3Client;

import io.drbatch.manifest.BackupCatalog;
import io.drbatch.manifest.BackupManifest;
import io.drbatch.testing.TestPostgres;
import io.drbatch.testing.TestS3;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Client-side encryption end to end through the CLI: daily-dump with a key from an
 * environment variable stores bytes that are not the plaintext (uncompressed here, so
 * only encryption can hide the rows) and records the key's fingerprint, never the key, in
 * the manifest; a drill with the key decrypts, verifies and PASSES; a drill with another
 * key, or with none, fails before restoring anything with one line naming the backup's
 * key id.
 */
class EncryptionCliIT {

	private static final String SOURCE = TestPostgres.newDatabase("cli_enc");

	private static final String BUCKET = TestS3.newBucket("cli-enc");

	private static final String CANARY = "canary-row-7d1f-visible-only-if-not-encrypted";

	@TempDir
	Path workDir;

	@AfterAll
	static void cleanUp() {
		TestPostgres.dropDatabase(SOURCE);
		TestS3.deleteBucket(BUCKET);
	}

	private static String key(int seed) {
		byte[] bytes = new byte[32];
		new Random(seed).nextBytes(bytes);
		return Base64.getEncoder().encodeToString(bytes);
	}

	private CliProcess cli(String key) {
		CliProcess cli = new CliProcess(this.workDir).source(SOURCE, SOURCE)
			.bucket(BUCKET)
			.env("DRBATCH_DUMP_COMPRESSION", "none");
		if (key != null) {
			cli.env("DRBATCH_TARGETS_0_ENCRYPTION_ENABLED", "true")
				.env("DRBATCH_TARGETS_0_ENCRYPTION_KEY_ENV", "DRBATCH_TEST_BACKUP_KEY")
				.env("DRBATCH_TEST_BACKUP_KEY", key);
		}
		return cli;
	}

	@Test
	void encryptedBackupsAreUnreadableWithoutTheirKeyAndRestoreWithIt() throws java.io.IOException {
		TestPostgres.execute(SOURCE, "CREATE TABLE secrets (id int PRIMARY KEY, note text);"
				+ "INSERT INTO secrets SELECT g, '" + CANARY + "' FROM generate_series(1, 1000) g");

		CliProcess.Result dump = cli(key(1)).run("run", "daily-dump", "backup.date=2026-11-20");
		assertThat(dump.exitCode()).as(dump.stdout() + dump.stderr()).isZero();
		BackupManifest backup = new BackupCatalog(TestS3.store(BUCKET, "cli")).list(SOURCE).get(0);
		assertThat(backup.dump().encryptionKeyId()).matches("sha256:[0-9a-f]{16}");
		byte[] stored;
		try (S3Client s3 = TestS3.client()) {
			stored = s3.getObjectAsBytes(r -> r.bucket(BUCKET).key("cli/" + backup.objects().get(0).key()))
				.asByteArray();
		}
		String raw = new String(stored, StandardCharsets.ISO_8859_1);
		assertThat(raw).startsWith("DRBENC1").doesNotContain(CANARY).doesNotContain("PGDMP");
		assertThat(raw).doesNotContain(key(1));
		assertThat(dump.stdout() + dump.stderr()).doesNotContain(key(1));

		CliProcess.Result passed = cli(key(1)).run("run", "restore-drill", "drill.date=2026-11-21");
		assertThat(passed.exitCode()).as(passed.stdout() + passed.stderr()).isZero();
		assertThat(passed.stdout()).contains("PASSED");

		CliProcess.Result wrongKey = cli(key(2)).run("run", "restore-drill", "drill.date=2026-11-22");
		assertThat(wrongKey.exitCode()).as(wrongKey.stderr()).isEqualTo(3);
		assertThat(wrongKey.errorLines()).singleElement()
			.asString()
			.contains("is encrypted with key " + backup.dump().encryptionKeyId(), "no configured key has that id");

		CliProcess.Result noKey = cli(null).run("run", "restore-drill", "drill.date=2026-11-23");
		assertThat(noKey.exitCode()).as(noKey.stderr()).isEqualTo(3);
		assertThat(noKey.errorLines()).singleElement()
			.asString()
			.contains(backup.dump().encryptionKeyId(), "no encryption key is configured");

		// by hand: the jar and the key turn the stored object back into the pg_dump
		// archive
		Path encrypted = this.workDir.resolve("dump.enc");
		Path plain = this.workDir.resolve("dump.pgdump");
		java.nio.file.Files.write(encrypted, stored);
		CliProcess.Result decrypted = new CliProcess(this.workDir).env("DRBATCH_TEST_BACKUP_KEY", key(1))
			.run("decrypt", "--key-env", "DRBATCH_TEST_BACKUP_KEY", "--in", encrypted.toString(), "--out",
					plain.toString());
		assertThat(decrypted.exitCode()).as(decrypted.stderr()).isZero();
		assertThat(readAll(plain)).startsWith("PGDMP").contains(CANARY);
		stored[stored.length / 2] ^= 1;
		java.nio.file.Files.write(encrypted, stored);
		CliProcess.Result altered = new CliProcess(this.workDir).env("DRBATCH_TEST_BACKUP_KEY", key(1))
			.run("decrypt", "--key-env", "DRBATCH_TEST_BACKUP_KEY", "--in", encrypted.toString(), "--out",
					plain.toString());
		assertThat(altered.exitCode()).isEqualTo(9);
		assertThat(altered.errorLines()).singleElement().asString().contains("fails authentication");
	}

	private static String readAll(Path file) {
		try {
			return new String(java.nio.file.Files.readAllBytes(file), StandardCharsets.ISO_8859_1);
		}
		catch (java.io.IOException ex) {
			throw new java.io.UncheckedIOException(ex);
		}
	}

}
