package io.drbatch.scheduler.metrics;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.springframework.batch.core.BatchStatus;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.job.JobInstance;
import org.springframework.batch.core.repository.JobRepository;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.stereotype.Component;

import io.drbatch.jobs.backup.WalArchiveHealth;
import io.drbatch.jobs.config.DrbatchProperties;
import io.drbatch.jobs.walarchive.WalArchiveContext;
import io.drbatch.jobs.restore.DrillReport;
import io.drbatch.jobs.wiring.SourceDatabases;
import io.drbatch.jobs.wiring.StoreTargets;
import io.drbatch.manifest.BackupCatalog;
import io.drbatch.manifest.BackupManifest;
import io.drbatch.jobs.runcontrol.JobNames;

/**
 * What the bucket says about recoverability, read from manifests and drill reports and
 * kept for {@code drbatch.status.cache-period} so that metric scrapes, health checks and
 * the status page do not list the bucket every time: per database and target the newest
 * backup and how many there are, per database every drill report. A target that cannot be
 * read counts as having no backup (and is logged). Thread-safe.
 */
@Component
@EnableConfigurationProperties(StatusCacheProperties.class)
public class RecoveryView {

	private static final Logger log = LoggerFactory.getLogger(RecoveryView.class);

	/**
	 * A weekly drill and a day of slack: an older last passing drill (dump or PITR) no
	 * longer proves the current backups.
	 */
	public static final Duration DRILL_MAX_AGE = Duration.ofDays(8);

	/**
	 * The newest backup of one database on one target, if any.
	 *
	 * @param copies how many backups of the database the target holds
	 * @param problem why the target could not be read, or {@code null}
	 */
	public record Newest(String database, String target, Optional<BackupManifest> manifest, int copies,
			String problem) {
	}

	/**
	 * Point-in-time recovery of one source with {@code pitr.enabled}: its WAL archive on
	 * the primary, and the moment up to which the archive was last known to hold
	 * everything the server had written (the switch of the last successful wal-archive
	 * run, from the archive's own record or the job repository: a run on a quiet database
	 * stores nothing, yet proves the archive current).
	 *
	 * @param problem why the archive could not be read, or {@code null}
	 * @param lastDrill the newest PITR drill's report, if there is one
	 */
	public record Pitr(String database, WalArchiveHealth health, Instant currentAt, Duration rpoTarget,
			long slotRetainedLimit, String problem, Optional<DrillReport> lastDrill) {

		/**
		 * Where the recoverable window starts: the oldest base backup's end; {@code null}
		 * when there is none or nothing is known to be archived (the window ends at
		 * {@link #currentAt()}).
		 */
		public Instant windowFrom() {
			if (this.health == null || this.currentAt == null) {
				return null;
			}
			return this.health.baseBackups()
				.stream()
				.map(io.drbatch.manifest.BaseBackupManifest::stopTime)
				.min(Comparator.naturalOrder())
				.orElse(null);
		}

		/**
		 * How old the newest restorable point is at {@code now}; {@code null} when there
		 * is none.
		 */
		public Duration age(Instant now) {
			return this.currentAt == null ? null : Duration.between(this.currentAt, now);
		}

		public long slotRetainedBytes() {
			return this.health == null ? 0
					: this.health.state().map(io.drbatch.wal.WalArchive.State::slotRetainedBytes).orElse(0L);
		}

		/**
		 * What puts this source's point-in-time recovery at risk, in words; empty when
		 * nothing does.
		 */
		public List<String> risks(Instant now) {
			List<String> risks = new ArrayList<>();
			if (this.problem != null) {
				risks.add(this.database + ": the WAL archive cannot be read (" + this.problem + ")");
				return risks;
			}
			Duration age = age(now);
			if (age == null) {
				risks.add(this.database + ": no WAL archived yet (is wal-archive running?)");
			}
			else if (age.compareTo(this.rpoTarget) > 0) {
				risks.add(this.database + ": the newest point-in-time recovery point is " + age.toMinutes()
						+ " min old, beyond its RPO target of " + this.rpoTarget.toMinutes() + " min");
			}
			if (this.health.baseBackups().isEmpty()) {
				risks.add(this.database
						+ ": no base backup on the WAL archive's chain; point-in-time recovery has nowhere to start");
			}
			if (this.health.broken()) {
				risks.add(this.database + ": WAL chain broken after the newest base backup ("
						+ this.health.gapsAfterNewestBase().get(0).describe() + "); take a new base backup");
			}
			if (this.lastDrill.isEmpty()) {
				risks.add(this.database
						+ ": never PITR-drilled; nothing proves its WAL archive recovers (run pitr-drill)");
			}
			else if (!this.lastDrill.get().passed()) {
				risks.add(this.database + ": last PITR drill FAILED" + (this.lastDrill.get().failures().isEmpty() ? ""
						: " (" + this.lastDrill.get().failures().get(0) + ")"));
			}
			else if (Duration.between(this.lastDrill.get().drillStarted(), now).compareTo(DRILL_MAX_AGE) > 0) {
				risks.add(this.database + ": last passing PITR drill is "
						+ Duration.between(this.lastDrill.get().drillStarted(), now).toDays() + " days old");
			}
			if (slotRetainedBytes() > this.slotRetainedLimit) {
				risks.add(this.database + ": the replication slot keeps " + slotRetainedBytes() / (1024 * 1024)
						+ " MB of WAL on the server, beyond " + this.slotRetainedLimit / (1024 * 1024) + " MB");
			}
			return risks;
		}

	}

	/**
	 * One reading.
	 *
	 * @param lastDrills per database its newest dump drill
	 * @param drills per database every drill report (dump and PITR) on the primary
	 */
	public record Snapshot(Instant readAt, List<Newest> backups, Map<String, Optional<DrillReport>> lastDrills,
			Map<String, List<DrillReport>> drills, Map<String, Pitr> pitr) {

		public Optional<BackupManifest> newest(String database, String target) {
			return find(database, target).flatMap(Newest::manifest);
		}

		public Optional<Newest> find(String database, String target) {
			return this.backups.stream()
				.filter(b -> b.database().equals(database) && b.target().equals(target))
				.findFirst();
		}

	}

	private final SourceDatabases sources;

	private final StoreTargets targets;

	private final DrbatchProperties properties;

	private final Clock clock;

	private volatile Snapshot last;

	private final JobRepository jobRepository;

	private final Duration cachePeriod;

	public RecoveryView(SourceDatabases sources, StoreTargets targets, DrbatchProperties properties, Clock clock,
			JobRepository jobRepository, StatusCacheProperties cache) {
		this.cachePeriod = cache.cachePeriod();
		this.sources = sources;
		this.targets = targets;
		this.properties = properties;
		this.clock = clock;
		this.jobRepository = jobRepository;
	}

	/** The sources with point-in-time recovery enabled. */
	public List<String> pitrDatabases() {
		return this.sources.pitrNames();
	}

	public List<String> databases() {
		return this.sources.names();
	}

	public List<String> targetNames() {
		return this.targets.names();
	}

	public String primaryName() {
		return this.targets.primary().name();
	}

	/** How long a reading is reused ({@code drbatch.status.cache-period}). */
	public Duration cachePeriod() {
		return this.cachePeriod;
	}

	public Duration rpoTarget() {
		return this.properties.drill().rpoTarget();
	}

	public Duration rtoTarget() {
		return this.properties.drill().rtoTarget();
	}

	public Instant now() {
		return this.clock.instant();
	}

	/** The latest reading, read again when older than {@link #cachePeriod()}. */
	public synchronized Snapshot snapshot() {
		Instant now = this.clock.instant();
		if (this.last == null || Duration.between(this.last.readAt(), now).compareTo(this.cachePeriod) > 0) {
			this.last = read(now);
		}
		return this.last;
	}

	private Snapshot read(Instant now) {
		List<Newest> backups = new ArrayList<>();
		Map<String, Optional<DrillReport>> lastDrills = new LinkedHashMap<>();
		Map<String, List<DrillReport>> drills = new LinkedHashMap<>();
		for (String database : this.sources.names()) {
			for (String target : this.targets.names()) {
				List<BackupManifest> held = List.of();
				String problem = null;
				try {
					held = new BackupCatalog(this.targets.get(target)).list(database);
				}
				catch (RuntimeException ex) {
					log.warn("Cannot read the backups of '{}' on target '{}': {}", database, target, ex.getMessage());
					problem = ex.getMessage();
				}
				backups.add(new Newest(database, target, held.stream().findFirst(), held.size(), problem));
			}
			try {
				drills.put(database, List.copyOf(DrillReport.readDrills(this.targets.primary(), database)));
			}
			catch (RuntimeException ex) {
				log.warn("Cannot read the drill reports of '{}': {}", database, ex.getMessage());
				drills.put(database, List.of());
			}
			lastDrills.put(database, newestDrill(drills.get(database), false));
		}
		Map<String, Pitr> pitr = new LinkedHashMap<>();
		for (String database : this.sources.pitrNames()) {
			DrbatchProperties.Pitr settings = this.sources.settings(database).pitr();
			try {
				WalArchiveHealth health = WalArchiveHealth.read(this.targets.primary(), database);
				Instant currentAt = health.state().map(io.drbatch.wal.WalArchive.State::runAt).orElse(null);
				Instant lastRun = lastArchiveRun(database);
				if (lastRun != null && (currentAt == null || lastRun.isAfter(currentAt))) {
					currentAt = lastRun;
				}
				pitr.put(database,
						new Pitr(database, health, currentAt, settings.rpoTarget(),
								settings.slotRetainedLimit().toBytes(), null,
								newestDrill(drills.getOrDefault(database, List.of()), true)));
			}
			catch (RuntimeException ex) {
				log.warn("Cannot read the WAL archive of '{}': {}", database, ex.getMessage());
				pitr.put(database, new Pitr(database, null, null, settings.rpoTarget(),
						settings.slotRetainedLimit().toBytes(), ex.getMessage(), Optional.empty()));
			}
		}
		return new Snapshot(now, List.copyOf(backups), lastDrills, drills, pitr);
	}

	/**
	 * The switch time of the newest completed wal-archive run of {@code database} that
	 * the job repository knows (it stored something or not): everything the server wrote
	 * before it is in the archive.
	 */
	private Instant lastArchiveRun(String database) {
		Instant newest = null;
		for (JobInstance instance : this.jobRepository.getJobInstances(JobNames.WAL_ARCHIVE, 0, 50)) {
			for (JobExecution execution : this.jobRepository.getJobExecutions(instance)) {
				if (execution.getStatus() == BatchStatus.COMPLETED
						&& database.equals(execution.getJobParameters().getString("database"))
						&& execution.getExecutionContext().containsKey(WalArchiveContext.CURRENT_AT_MILLIS)) {
					Instant at = Instant
						.ofEpochMilli(execution.getExecutionContext().getLong(WalArchiveContext.CURRENT_AT_MILLIS));
					if (newest == null || at.isAfter(newest)) {
						newest = at;
					}
				}
			}
		}
		return newest;
	}

	/**
	 * The newest dump drill among {@code reports}, or with {@code pitr} the newest PITR
	 * drill.
	 */
	private static Optional<DrillReport> newestDrill(List<DrillReport> reports, boolean pitr) {
		return reports.stream()
			.filter(report -> pitr ? report.describesPitrDrill() : report.describesDumpDrill())
			.max(Comparator.comparing(DrillReport::drillStarted));
	}

}
