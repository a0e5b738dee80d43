package io.drbatch.jobs.tiering;

import java.time.Clock;
import java.time.DayOfWeek;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.springframework.batch.infrastructure.item.Chunk;

import io.drbatch.jobs.config.DrbatchProperties;
import io.drbatch.jobs.wiring.StoreTargets;
import io.drbatch.manifest.BackupCatalog;
import io.drbatch.manifest.BackupLayout;
import io.drbatch.manifest.BackupManifest;
import io.drbatch.manifest.Tier;
import io.drbatch.store.LockMode;
import io.drbatch.store.StorageClass;
import io.drbatch.testing.InMemoryObjectStore;
import io.drbatch.testing.TestBackups;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * archive-tiering's planning, copying and manifests on an in-memory store with Object
 * Lock enforced, in milliseconds. ({@code ArchiveTieringJobTests} runs the job against
 * the S3 test server.)
 */
class TieringTests {

	private static final int PART = 5 * 1024 * 1024;

	private static final Instant NOW = Instant.parse("2026-11-26T04:00:00Z");

	private static final LocalDate DATE = LocalDate.parse("2026-11-26");

	private final Clock clock = Clock.fixed(NOW, ZoneOffset.UTC);

	private final InMemoryObjectStore store = new InMemoryObjectStore("primary", this.clock, null);

	private final DrbatchProperties.Tiering tiering = new DrbatchProperties.Tiering(DayOfWeek.SUNDAY,
			StorageClass.STANDARD_IA, StorageClass.GLACIER);

	private final List<BackupManifest> written = new ArrayList<>();

	private BackupManifest daily(String snapshot) {
		Instant time = Instant.parse(snapshot);
		BackupManifest backup = TestBackups.daily(this.store, "shop", time, PART + 1234, PART, time.getEpochSecond());
		this.written.add(backup);
		return backup;
	}

	private List<Promotion> due() {
		return PromotionReader.due("shop", new BackupCatalog(this.store).list("shop"), DATE, this.tiering);
	}

	@Test
	void theWeekdaysNewestDailyGoesWeeklyAndTheMonthsFirstGoesMonthly() {
		BackupManifest firstOfMonth = daily("2026-11-01T02:00:00Z");
		daily("2026-11-22T02:00:00Z");
		BackupManifest sundayNewest = daily("2026-11-22T14:00:00Z");
		daily("2026-11-25T02:00:00Z");
		daily("2026-10-31T02:00:00Z");

		assertThat(due()).containsExactly(new Promotion(sundayNewest, Tier.WEEKLY, StorageClass.STANDARD_IA),
				new Promotion(firstOfMonth, Tier.MONTHLY, StorageClass.GLACIER));
	}

	@Test
	void nothingIsDueWithoutADailyOnTheWeekdayOrInTheMonth() {
		daily("2026-10-31T02:00:00Z");
		daily("2026-11-27T02:00:00Z");

		assertThat(due()).isEmpty();
	}

	@Test
	void aPromotionIsCopiedServerSideVerifiedAndLockedForItsTiersRetentionAndThenNoLongerDue() throws Exception {
		BackupManifest sunday = daily("2026-11-22T02:00:00Z");
		String folder = BackupLayout.folder(Tier.WEEKLY, "shop", sunday.backupId());
		this.store.startMultipart(folder + "dump.pgdump.zst", "application/octet-stream");
		StoreTargets targets = StoreTargets.of(this.store);
		DrbatchProperties.Retention retention = new DrbatchProperties.Retention(null, new DrbatchProperties.Keep(90, 4),
				null, null);
		DrbatchProperties.Lock lock = new DrbatchProperties.Lock(true, LockMode.COMPLIANCE, 30, 7, null);

		Promotion promotion = due().get(0);
		BackupManifest weekly = new TierCopyProcessor(targets, this.clock).process(promotion);
		new TierManifestWriter(targets, lock, retention, this.clock).write(Chunk.of(weekly));

		BackupManifest stored = new BackupCatalog(this.store)
			.read(BackupLayout.manifestKey(Tier.WEEKLY, "shop", sunday.backupId()));
		Instant until = NOW.plus(Duration.ofDays(90));
		assertThat(stored.retainUntil()).isEqualTo(until);
		String copyKey = stored.objects().get(0).key();
		assertThat(copyKey).startsWith(folder);
		assertThat(this.store.head(copyKey)).get().satisfies(info -> {
			assertThat(info.storageClass()).isEqualTo("STANDARD_IA");
			assertThat(info.checksumSha256()).isEqualTo(sunday.objects().get(0).s3Checksum());
		});
		assertThat(this.store.retention(copyKey)).get().satisfies(r -> assertThat(r.retainUntil()).isEqualTo(until));
		assertThat(this.store.pendingUploads(folder)).as("the interrupted attempt's upload is aborted").isEmpty();
		assertThat(due()).as("a backup already in its tier is not copied again; the month's first is still due")
			.extracting(Promotion::tier)
			.containsExactly(Tier.MONTHLY);
	}

}
