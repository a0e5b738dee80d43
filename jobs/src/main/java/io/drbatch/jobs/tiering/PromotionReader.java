package io.drbatch.jobs.tiering;

import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.temporal.TemporalAdjusters;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.batch.core.listener.StepExecutionListener;
import org.springframework.batch.core.step.StepExecution;
import org.springframework.batch.infrastructure.item.ItemReader;

import io.drbatch.store.StorageClass;
import io.drbatch.manifest.Tier;
import io.drbatch.jobs.config.DrbatchProperties;
import io.drbatch.jobs.wiring.SourceDatabases;
import io.drbatch.jobs.wiring.StoreTargets;
import io.drbatch.manifest.BackupCatalog;
import io.drbatch.manifest.BackupManifest;

/**
 * Lists, when the step starts, the promotions due on {@code tier.date} on the primary
 * target, per database: the newest daily backup whose snapshot falls on the most recent
 * configured weekday (the date itself or before it) into the weekly tier, and the first
 * daily backup of the date's month into the monthly tier. A backup already in the tier
 * (its manifest exists) is not listed. Not thread-safe: one step thread.
 */
class PromotionReader implements ItemReader<Promotion>, StepExecutionListener {

	private static final Logger log = LoggerFactory.getLogger(PromotionReader.class);

	private final DrbatchProperties.Tiering tiering;

	private final SourceDatabases sources;

	private final StoreTargets targets;

	private final Deque<Promotion> due = new ArrayDeque<>();

	PromotionReader(DrbatchProperties.Tiering tiering, SourceDatabases sources, StoreTargets targets) {
		this.tiering = tiering;
		this.sources = sources;
		this.targets = targets;
	}

	@Override
	public void beforeStep(StepExecution stepExecution) {
		this.due.clear();
		LocalDate date = LocalDate.parse(stepExecution.getJobParameters().getString("tier.date"));
		BackupCatalog catalog = new BackupCatalog(this.targets.primary());
		for (String database : this.sources.names()) {
			this.due.addAll(due(database, catalog.list(database), date, this.tiering));
		}
	}

	/**
	 * The promotions due on {@code date} for {@code database}, from {@code all} its
	 * backups on the primary: the newest daily backup of the weekday into the weekly
	 * tier, the month's first daily backup into the monthly tier, each unless it is
	 * already there. Logs why a tier gets nothing.
	 */
	static List<Promotion> due(String database, List<BackupManifest> all, LocalDate date,
			DrbatchProperties.Tiering tiering) {
		List<BackupManifest> dailies = all.stream().filter(m -> m.tier() == Tier.DAILY).toList();
		LocalDate weekday = date.with(TemporalAdjusters.previousOrSame(tiering.weeklyDay()));
		Optional<BackupManifest> weekly = dailies.stream()
			.filter(m -> day(m).equals(weekday))
			.max(Comparator.comparing(m -> m.source().snapshotTime()));
		Optional<BackupManifest> monthly = dailies.stream()
			.filter(m -> day(m).getYear() == date.getYear() && day(m).getMonth() == date.getMonth()
					&& !day(m).isAfter(date))
			.min(Comparator.comparing(m -> m.source().snapshotTime()));
		List<Promotion> due = new ArrayList<>();
		add(due, database, all, Tier.WEEKLY, weekly, tiering.weeklyStorageClass(), "no daily backup on " + weekday);
		add(due, database, all, Tier.MONTHLY, monthly, tiering.monthlyStorageClass(),
				"no daily backup yet in " + date.getMonth() + " " + date.getYear());
		return due;
	}

	private static void add(List<Promotion> due, String database, List<BackupManifest> all, Tier tier,
			Optional<BackupManifest> candidate, StorageClass storageClass, String none) {
		if (candidate.isEmpty()) {
			log.info("archive-tiering: {} {}: {}", database, tier, none);
			return;
		}
		Set<String> tiered = all.stream()
			.filter(m -> m.tier() == tier)
			.map(BackupManifest::backupId)
			.collect(Collectors.toSet());
		if (tiered.contains(candidate.get().backupId())) {
			log.info("archive-tiering: {} {}: backup {} is already in the tier", database, tier,
					candidate.get().backupId());
			return;
		}
		due.add(new Promotion(candidate.get(), tier, storageClass));
	}

	private static LocalDate day(BackupManifest manifest) {
		return LocalDate.ofInstant(manifest.source().snapshotTime(), ZoneOffset.UTC);
	}

	@Override
	public Promotion read() {
		return this.due.poll();
	}

}
