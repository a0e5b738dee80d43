package io.drbatch.jobs.retention;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

import io.drbatch.jobs.config.DrbatchProperties;
import io.drbatch.manifest.BackupCatalog;
import io.drbatch.manifest.BackupLayout;
import io.drbatch.manifest.BackupManifest;
import io.drbatch.manifest.Tier;
import io.drbatch.store.LockMode;
import io.drbatch.testing.InMemoryObjectStore;
import io.drbatch.testing.TestBackups;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Retention's rules on an in-memory versioned store with Object Lock enforced, in
 * milliseconds: which backups of a tier expire, that the newest stay, that a locked
 * backup is kept whole and said so, that a dry run deletes nothing, and that an
 * interrupted deletion's leftovers are swept. ({@code RetentionJobTests} runs the job
 * against the S3 test server.)
 */
class PrunerTests {

	private static final LocalDate DATE = LocalDate.parse("2026-11-26");

	private static final Instant NOW = DATE.plusDays(1).atStartOfDay(ZoneOffset.UTC).toInstant();

	private final InMemoryObjectStore store = new InMemoryObjectStore("primary", Clock.fixed(NOW, ZoneOffset.UTC),
			null);

	private final Pruner pruner = new Pruner(new DrbatchProperties.Retention(new DrbatchProperties.Keep(30, 2),
			new DrbatchProperties.Keep(90, 1), null, null), Clock.fixed(NOW, ZoneOffset.UTC));

	{
		this.store.enableVersioning();
	}

	private BackupManifest backup(Tier tier, int daysOld) {
		return TestBackups.write(this.store, tier, "shop", NOW.minus(Duration.ofDays(daysOld)), 1000, 5 * 1024 * 1024,
				daysOld);
	}

	private List<String> ids(Tier tier) {
		return new BackupCatalog(this.store).list("shop")
			.stream()
			.filter(m -> m.tier() == tier)
			.map(BackupManifest::backupId)
			.toList();
	}

	@Test
	void aTierKeepsItsNewestAndWhatIsYoungerThanItsDays() {
		List<BackupManifest> newestFirst = new ArrayList<>();
		for (int days : new int[] { 1, 10, 40, 50, 60 }) {
			newestFirst.add(backup(Tier.DAILY, days));
		}
		assertThat(Pruner.expired(newestFirst, new DrbatchProperties.Keep(30, 2), NOW))
			.containsExactly(newestFirst.get(2), newestFirst.get(3), newestFirst.get(4));
		assertThat(Pruner.expired(newestFirst, new DrbatchProperties.Keep(30, 4), NOW))
			.containsExactly(newestFirst.get(4));
		assertThat(Pruner.expired(newestFirst.subList(2, 5), new DrbatchProperties.Keep(30, 0), NOW))
			.as("never the newest, even with min-count 0 and everything expired")
			.containsExactly(newestFirst.get(3), newestFirst.get(4));
	}

	@Test
	void expiredBackupsGoManifestFirstWithEveryVersionAndTheNewestOfATierStays() {
		String young = backup(Tier.DAILY, 1).backupId();
		String second = backup(Tier.DAILY, 35).backupId();
		BackupManifest old = backup(Tier.DAILY, 45);
		String onlyWeekly = backup(Tier.WEEKLY, 400).backupId();
		String oldKey = old.objects().get(0).key();
		this.store.put(oldKey, new byte[] { 1 }, "application/octet-stream");
		AtomicInteger deleted = new AtomicInteger();

		List<String> report = this.pruner.prune(this.store, List.of("shop"), DATE, false, deleted::incrementAndGet);

		assertThat(ids(Tier.DAILY)).containsExactly(young, second);
		assertThat(ids(Tier.WEEKLY)).as("the newest of a tier stays even when it has expired")
			.containsExactly(onlyWeekly);
		assertThat(this.store.versions(oldKey)).as("every version of every object").isEmpty();
		assertThat(this.store.versions(BackupLayout.manifestKey(Tier.DAILY, "shop", old.backupId()))).isEmpty();
		assertThat(deleted).hasValue(1);
		assertThat(report)
			.containsExactly("deleted primary daily/shop/" + old.backupId() + " (manifest first, then every version)");
	}

	@Test
	void aBackupUnderObjectLockIsKeptWholeAndTheLockDateReported() {
		backup(Tier.DAILY, 1);
		backup(Tier.DAILY, 2);
		BackupManifest locked = backup(Tier.DAILY, 45);
		Instant until = NOW.plus(Duration.ofDays(3));
		this.store.retain(locked.objects().get(0).key(), LockMode.COMPLIANCE, until);

		List<String> report = this.pruner.prune(this.store, List.of("shop"), DATE, false, () -> {
		});

		assertThat(ids(Tier.DAILY)).contains(locked.backupId());
		assertThat(report)
			.containsExactly("kept primary daily/shop/" + locked.backupId() + ": retained by lock until " + until);
	}

	@Test
	void aDryRunListsWhatWouldGoAndDeletesNothing() {
		backup(Tier.DAILY, 1);
		backup(Tier.DAILY, 2);
		BackupManifest old = backup(Tier.DAILY, 45);

		List<String> report = this.pruner.prune(this.store, List.of("shop"), DATE, true, () -> {
		});

		assertThat(report).singleElement().asString().startsWith("would delete primary daily/shop/" + old.backupId());
		assertThat(ids(Tier.DAILY)).hasSize(3);
	}

	@Test
	void objectsAnInterruptedDeletionLeftAreSweptOnceTheyAreOldEnough() {
		backup(Tier.DAILY, 1);
		backup(Tier.DAILY, 2);
		String leftover = BackupLayout.newBackupId(NOW.minus(Duration.ofDays(50)));
		String beingWritten = BackupLayout.newBackupId(NOW.minus(Duration.ofHours(2)));
		this.store.put(BackupLayout.folder(Tier.DAILY, "shop", leftover) + "dump.pgdump.zst", new byte[] { 1 }, "x");
		this.store.put(BackupLayout.folder(Tier.DAILY, "shop", beingWritten) + "dump.pgdump.zst", new byte[] { 1 },
				"x");

		List<String> report = this.pruner.prune(this.store, List.of("shop"), DATE, false, () -> {
		});

		assertThat(report).singleElement().asString().contains(leftover).contains("left by an interrupted deletion");
		assertThat(this.store.list("daily/shop/")).extracting(info -> info.key())
			.noneMatch(key -> key.contains(leftover))
			.anyMatch(key -> key.contains(beingWritten));
	}

}
