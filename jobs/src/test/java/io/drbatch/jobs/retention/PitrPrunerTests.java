package io.drbatch.jobs.retention;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.drbatch.manifest.BackupManifest;
import io.drbatch.manifest.BaseBackupCatalog;
import io.drbatch.manifest.BaseBackupManifest;
import io.drbatch.manifest.ManifestJson;
import io.drbatch.store.LockMode;
import io.drbatch.testing.InMemoryObjectStore;
import io.drbatch.wal.WalArchive;
import io.drbatch.wal.WalSegment;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Point-in-time recovery's retention on an in-memory store with Object Lock enforced:
 * every base backup of the last seven days stays, and the newest older one (recovery to
 * the window's first minute starts from it); older ones go, and the WAL before the
 * anchor's start; a locked segment stays and is reported; a dry run deletes nothing.
 */
class PitrPrunerTests {

	private static final long SEGMENT = 16L * 1024 * 1024;

	private static final LocalDate DATE = LocalDate.parse("2026-11-26");

	private static final Instant NOW = DATE.plusDays(1).atStartOfDay(ZoneOffset.UTC).toInstant();

	private final InMemoryObjectStore store = new InMemoryObjectStore("primary", Clock.fixed(NOW, ZoneOffset.UTC),
			null);

	private final WalArchive archive = new WalArchive(this.store, "shop", "7300000000000000001", SEGMENT, 1, null);

	{
		this.store.enableVersioning();
		for (long n = 1; n <= 40; n++) {
			this.store.put(this.archive.segmentKey(new WalSegment(1, n, SEGMENT)), new byte[] { (byte) n }, "x");
		}
	}

	/**
	 * A base backup started {@code daysAgo} days before the retention date's end, at
	 * segment {@code segment}.
	 */
	private BaseBackupManifest base(int daysAgo, long segment) {
		Instant start = NOW.minus(Duration.ofDays(daysAgo));
		String id = io.drbatch.manifest.BackupLayout.newBackupId(start);
		WalSegment first = new WalSegment(1, segment, SEGMENT);
		BaseBackupManifest manifest = new BaseBackupManifest(1, id, "shop", start, "7300000000000000001", "15.19",
				150019, 1, first.start().plus(40).toString(), first.start().plus(400).toString(), first.name(),
				first.name(), start, start.plusSeconds(30), SEGMENT, "zstd", null, 100,
				List.of(new BackupManifest.StoredObject("base", BaseBackupCatalog.dataKey("shop", id), 1, "00", null, 1,
						1)),
				null, null);
		this.store.put(BaseBackupCatalog.dataKey("shop", id), new byte[] { 1 }, "x");
		this.store.put(BaseBackupCatalog.manifestKey("shop", id), ManifestJson.write(manifest), "application/json");
		return manifest;
	}

	private List<String> ids() {
		return new BaseBackupCatalog(this.store).list("shop").stream().map(BaseBackupManifest::backupId).toList();
	}

	@Test
	void theWindowAndItsAnchorStayAndOlderBaseBackupsAndWalGo() {
		BaseBackupManifest oldest = base(12, 3);
		BaseBackupManifest anchor = base(8, 10);
		BaseBackupManifest recent = base(4, 20);
		BaseBackupManifest newest = base(1, 30);
		for (long n = 2; n <= 40; n += 4) {
			this.archive.recordRun(
					new WalArchive.Run(NOW.minus(Duration.ofHours(400 - n)), new WalSegment(1, n, SEGMENT).start()));
		}

		List<String> report = new PitrPruner(7, Clock.fixed(NOW, ZoneOffset.UTC)).prune(this.store, "shop", DATE,
				false);

		assertThat(ids()).containsExactly(newest.backupId(), recent.backupId(), anchor.backupId());
		assertThat(this.archive.segments()).extracting(WalSegment::number).first().isEqualTo(10L);
		assertThat(this.archive.segments()).hasSize(31);
		assertThat(this.archive.runs()).as("records of runs that ended before the anchor's start go")
			.extracting(run -> run.switchedTo().segmentNumber(SEGMENT))
			.containsExactly(14L, 18L, 22L, 26L, 30L, 34L, 38L);
		assertThat(report).anyMatch(line -> line.startsWith("deleted primary base/shop/" + oldest.backupId()))
			.anyMatch(line -> line.startsWith("deleted 9 WAL segment(s) of shop") && line.contains(anchor.backupId()));
	}

	@Test
	void withoutABaseBackupOlderThanTheWindowTheOldestIsTheAnchor() {
		base(5, 12);
		base(2, 25);

		new PitrPruner(7, Clock.fixed(NOW, ZoneOffset.UTC)).prune(this.store, "shop", DATE, false);

		assertThat(ids()).hasSize(2);
		assertThat(this.archive.segments()).extracting(WalSegment::number).first().isEqualTo(12L);
	}

	@Test
	void aLockedSegmentStaysAndIsReportedAndADryRunDeletesNothing() {
		base(9, 6);
		base(1, 30);
		String locked = this.archive.segmentKey(new WalSegment(1, 2, SEGMENT));
		this.store.retain(locked, LockMode.COMPLIANCE, NOW.plus(Duration.ofDays(3)));

		List<String> dry = new PitrPruner(7, Clock.fixed(NOW, ZoneOffset.UTC)).prune(this.store, "shop", DATE, true);
		assertThat(dry).singleElement().asString().startsWith("would delete 5 WAL segment(s)");
		assertThat(this.archive.segments()).hasSize(40);

		List<String> report = new PitrPruner(7, Clock.fixed(NOW, ZoneOffset.UTC)).prune(this.store, "shop", DATE,
				false);

		assertThat(this.store.head(locked)).isPresent();
		assertThat(this.archive.segments()).extracting(WalSegment::number).startsWith(2L, 6L);
		assertThat(report).anyMatch(line -> line.contains("retained by lock until"));
	}

}
