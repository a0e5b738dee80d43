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

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

import io.drbatch.jobs.config.DrbatchProperties;
import io.drbatch.jobs.restore.DrillReport;
import io.drbatch.jobs.wiring.SourceDatabases;
import io.drbatch.jobs.wiring.StoreTargets;
import io.drbatch.manifest.BackupCatalog;
import io.drbatch.manifest.BackupManifest;

/**
 * What the bucket says about recoverability, read from manifests and drill reports and
 * kept for {@link #MAX_AGE} so that metric scrapes and health checks do not list the
 * bucket every time: per database and target the newest backup, per database the last
 * drill. A target that cannot be read counts as having no backup (and is logged).
 * Thread-safe.
 */
@Component
public class RecoveryView {

	private static final Logger log = LoggerFactory.getLogger(RecoveryView.class);

	/** How long a reading of the bucket is reused. */
	static final Duration MAX_AGE = Duration.ofSeconds(15);

	/**
	 * The newest backup of one database on one target, if any.
	 *
	 * @param problem why the target could not be read, or {@code null}
	 */
	public record Newest(String database, String target, Optional<BackupManifest> manifest, String problem) {
	}

	/** One reading. */
	public record Snapshot(Instant readAt, List<Newest> backups, Map<String, Optional<DrillReport>> lastDrills) {

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

	public RecoveryView(SourceDatabases sources, StoreTargets targets, DrbatchProperties properties, Clock clock) {
		this.sources = sources;
		this.targets = targets;
		this.properties = properties;
		this.clock = clock;
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

	public Duration rpoTarget() {
		return this.properties.drill().rpoTarget();
	}

	public Duration rtoTarget() {
		return this.properties.drill().rtoTarget();
	}

	public Instant now() {
		return this.clock.instant();
	}

	/** The latest reading, read again when older than {@link #MAX_AGE}. */
	public synchronized Snapshot snapshot() {
		Instant now = this.clock.instant();
		if (this.last == null || Duration.between(this.last.readAt(), now).compareTo(MAX_AGE) > 0) {
			this.last = read(now);
		}
		return this.last;
	}

	private Snapshot read(Instant now) {
		List<Newest> backups = new ArrayList<>();
		Map<String, Optional<DrillReport>> drills = new LinkedHashMap<>();
		for (String database : this.sources.names()) {
			for (String target : this.targets.names()) {
				Optional<BackupManifest> newest;
				String problem = null;
				try {
					newest = new BackupCatalog(this.targets.get(target)).newest(database);
				}
				catch (RuntimeException ex) {
					log.warn("Cannot read the backups of '{}' on target '{}': {}", database, target, ex.getMessage());
					newest = Optional.empty();
					problem = ex.getMessage();
				}
				backups.add(new Newest(database, target, newest, problem));
			}
			try {
				drills.put(database, lastDrill(database));
			}
			catch (RuntimeException ex) {
				log.warn("Cannot read the drill reports of '{}': {}", database, ex.getMessage());
				drills.put(database, Optional.empty());
			}
		}
		return new Snapshot(now, List.copyOf(backups), drills);
	}

	private Optional<DrillReport> lastDrill(String database) {
		return DrillReport.readDrills(this.targets.primary(), database)
			.stream()
			.max(Comparator.comparing(DrillReport::drillStarted));
	}

}
