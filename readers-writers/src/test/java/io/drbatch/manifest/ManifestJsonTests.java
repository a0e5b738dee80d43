package io.drbatch.manifest;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.drbatch.codec.Compression;
import io.drbatch.failure.DrbatchException;
import io.drbatch.failure.FailureKind;
import io.drbatch.pg.DumpFormat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ManifestJsonTests {

	static BackupManifest sample() {
		return new BackupManifest(1, "20261126T020000Z", "omnihub", Tier.DAILY, Instant.parse("2026-11-26T02:01:00Z"),
				new BackupManifest.Source("omnihub", "db", 5432, "15.20", 150020,
						Instant.parse("2026-11-26T02:00:00.5Z"), "00000003-1"),
				new BackupManifest.Dump("custom", "pg_dump (PostgreSQL) 15.20", "zstd", 3, null, 1000, 42),
				List.of(new BackupManifest.StoredObject("dump", "daily/omnihub/20261126T020000Z/dump.pgdump.zst", 100,
						"ab", "cd-1", 1, 16777216)),
				List.of(new BackupManifest.TableRows("Sales", "Ordérs \"2026\"", 7)),
				new BackupManifest.Job("daily-dump", 1, 2, "dev"));
	}

	@Test
	void roundTripsWithIsoInstantsAndUnicodeNames() {
		byte[] json = ManifestJson.write(sample());
		String text = new String(json, StandardCharsets.UTF_8);
		assertThat(text).contains("\"snapshotTime\" : \"2026-11-26T02:00:00.500Z\"").contains("Ordérs");
		assertThat(ManifestJson.read(json, BackupManifest.class, "m")).isEqualTo(sample());
	}

	@Test
	void ignoresFieldsFromNewerVersions() {
		String json = ManifestJson.writeString(sample()).replaceFirst("\\{", "{ \"futureField\": 1,");
		assertThat(ManifestJson.read(json, BackupManifest.class).backupId()).isEqualTo("20261126T020000Z");
	}

	@Test
	void malformedManifestIsAnIntegrityFailureNamingTheSource() {
		assertThatThrownBy(() -> ManifestJson.read("{ not json".getBytes(StandardCharsets.UTF_8), BackupManifest.class,
				"manifest daily/x/manifest.json"))
			.isInstanceOf(DrbatchException.class)
			.hasMessageContaining("manifest daily/x/manifest.json")
			.satisfies(ex -> assertThat(((DrbatchException) ex).kind()).isEqualTo(FailureKind.INTEGRITY));
	}

	@Test
	void layoutPutsEveryObjectOfABackupInOneFolder() {
		assertThat(BackupLayout.dumpKey(Tier.DAILY, "omnihub", "20261126T020000Z", DumpFormat.CUSTOM, Compression.ZSTD))
			.isEqualTo("daily/omnihub/20261126T020000Z/dump.pgdump.zst");
		assertThat(BackupLayout.dumpKey(Tier.DAILY, "omnihub", "20261126T020000Z", DumpFormat.PLAIN, Compression.GZIP))
			.isEqualTo("daily/omnihub/20261126T020000Z/dump.sql.gz");
		assertThat(BackupLayout.manifestKey(Tier.DAILY, "omnihub", "20261126T020000Z"))
			.isEqualTo("daily/omnihub/20261126T020000Z/manifest.json");
		assertThat(BackupLayout.newBackupId(Instant.parse("2026-11-26T02:00:00.789Z"))).isEqualTo("20261126T020000Z");
	}

}
