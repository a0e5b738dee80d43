package io.drbatch.jobs.replication;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.springframework.batch.core.scope.context.ChunkContext;
import org.springframework.batch.core.scope.context.StepContext;
import org.springframework.batch.core.step.StepExecution;
import org.springframework.batch.test.MetaDataInstanceFactory;

import io.drbatch.codec.Sha256;
import io.drbatch.jobs.TestProperties;
import io.drbatch.jobs.config.DrbatchProperties;
import io.drbatch.jobs.wiring.SourceDatabases;
import io.drbatch.jobs.wiring.StoreTargets;
import io.drbatch.manifest.BackupManifest;
import io.drbatch.manifest.BaseBackupCatalog;
import io.drbatch.manifest.BaseBackupManifest;
import io.drbatch.manifest.ManifestJson;
import io.drbatch.store.MultipartUploadStream;
import io.drbatch.testing.InMemoryObjectStore;
import io.drbatch.wal.WalArchive;
import io.drbatch.wal.WalSegment;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Replication of point-in-time recovery on in-memory stores: a secondary gets every base
 * backup (manifest last) and every WAL object of the primary, locked when it is a locked
 * target, and a second run copies nothing.
 */
class PitrReplicationTests {

	private static final long SEGMENT = 16L * 1024 * 1024;

	private static final Instant NOW = Instant.parse("2026-11-26T12:00:00Z");

	private final InMemoryObjectStore primary = new InMemoryObjectStore("primary", Clock.fixed(NOW, ZoneOffset.UTC),
			null);

	private final InMemoryObjectStore second = new InMemoryObjectStore("second", Clock.fixed(NOW, ZoneOffset.UTC),
			null);

	private final DrbatchProperties properties = TestProperties.bind("drbatch.sources[0].name=shop",
			"drbatch.sources[0].pitr.enabled=true", "drbatch.targets[0].name=primary", "drbatch.targets[0].bucket=one",
			"drbatch.targets[1].name=second", "drbatch.targets[1].bucket=two", "drbatch.targets[1].lock.enabled=true",
			"drbatch.targets[1].lock.days=5");

	private BaseBackupManifest baseBackup() throws Exception {
		String id = "20261126T020000Z";
		byte[] data = new byte[6 * 1024 * 1024];
		new java.util.Random(3).nextBytes(data);
		MultipartUploadStream out = new MultipartUploadStream(
				this.primary.startMultipart(BaseBackupCatalog.dataKey("shop", id), "application/octet-stream"),
				5 * 1024 * 1024, 1);
		try (out) {
			out.write(data);
		}
		WalSegment first = new WalSegment(1, 3, SEGMENT);
		BaseBackupManifest manifest = new BaseBackupManifest(1, id, "shop", NOW, "7300000000000000001", "15", 150000, 1,
				first.start().plus(40).toString(), first.start().plus(400).toString(), first.name(), first.name(), NOW,
				NOW.plusSeconds(20), SEGMENT, "zstd", null, data.length,
				List.of(new BackupManifest.StoredObject("base", BaseBackupCatalog.dataKey("shop", id), data.length,
						Sha256.hex(Sha256.of(data, 0, data.length)), out.result().compositeChecksum(), 2,
						5 * 1024 * 1024)),
				null, null);
		this.primary.put(BaseBackupCatalog.manifestKey("shop", id), ManifestJson.write(manifest), "application/json");
		return manifest;
	}

	private void run() throws Exception {
		StepExecution step = MetaDataInstanceFactory.createStepExecution();
		new PitrReplicationTasklet(new SourceDatabases(this.properties.sources()),
				StoreTargets.of(this.primary, this.second), this.properties, Clock.fixed(NOW, ZoneOffset.UTC))
			.execute(step.createStepContribution(), new ChunkContext(new StepContext(step)));
		assertThat(new ReplicationLedger(step.getJobExecution()).targetFailure("second")).isNull();
	}

	@Test
	void aSecondaryGetsTheBaseBackupsAndTheWalLockedAndASecondRunCopiesNothing() throws Exception {
		this.second.enableVersioning();
		BaseBackupManifest backup = baseBackup();
		WalArchive archive = new WalArchive(this.primary, "shop", "7300000000000000001", SEGMENT, 1, null);
		for (long n = 3; n <= 5; n++) {
			archive.storeSegment(new WalSegment(1, n, SEGMENT), new byte[(int) SEGMENT]);
		}

		run();

		assertThat(new BaseBackupCatalog(this.second).list("shop")).extracting(BaseBackupManifest::backupId)
			.containsExactly(backup.backupId());
		assertThat(this.second.head(backup.objects().get(0).key())).get()
			.satisfies(info -> assertThat(info.checksumSha256()).isEqualTo(backup.objects().get(0).s3Checksum()));
		WalArchive copy = new WalArchive(this.second, "shop", "7300000000000000001", SEGMENT, 1, null);
		assertThat(copy.segments()).extracting(WalSegment::number).containsExactly(3L, 4L, 5L);
		assertThat(copy.readSegment(new WalSegment(1, 4, SEGMENT))).hasSize((int) SEGMENT);
		assertThat(this.second.head(copy.segmentKey(new WalSegment(1, 4, SEGMENT))).orElseThrow().metadata())
			.as("the raw checksum a restore verifies travels with the copy")
			.containsEntry(WalArchive.RAW_SHA256, Sha256.hex(Sha256.of(new byte[(int) SEGMENT], 0, (int) SEGMENT)));
		assertThat(this.second.retention(copy.segmentKey(new WalSegment(1, 4, SEGMENT)))).get()
			.satisfies(
					retention -> assertThat(retention.retainUntil()).isEqualTo(NOW.plus(java.time.Duration.ofDays(5))));
		int versions = this.second.versions(copy.segmentKey(new WalSegment(1, 4, SEGMENT))).size();

		run();

		assertThat(this.second.versions(copy.segmentKey(new WalSegment(1, 4, SEGMENT)))).as("not copied again")
			.hasSize(versions);
	}

}
