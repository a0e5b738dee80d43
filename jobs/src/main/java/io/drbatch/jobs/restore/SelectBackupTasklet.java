package io.drbatch.jobs.restore;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.job.parameters.JobParameters;
import org.springframework.batch.core.scope.context.ChunkContext;
import org.springframework.batch.core.step.StepContribution;
import org.springframework.batch.core.step.tasklet.Tasklet;
import org.springframework.batch.infrastructure.item.ExecutionContext;
import org.springframework.batch.infrastructure.repeat.RepeatStatus;

import io.drbatch.failure.DrbatchException;
import io.drbatch.failure.FailureKind;
import io.drbatch.jobs.config.DrbatchProperties;
import io.drbatch.jobs.restore.PgServer;
import io.drbatch.jobs.wiring.SourceDatabases;
import io.drbatch.jobs.wiring.StoreTargets;
import io.drbatch.manifest.BackupCatalog;
import io.drbatch.manifest.BackupLayout;
import io.drbatch.manifest.BackupManifest;
import io.drbatch.pg.PgConnectionSpec;
import io.drbatch.store.ObjectStore;

/**
 * Chooses, before anything is touched, the backup to restore (the newest one that has a
 * manifest, by snapshot time; the one named by the {@code backup} parameter; or the
 * newest taken before the {@code before} parameter) and the database to restore into. A
 * drill restores into a new scratch database and refuses one that is the source itself or
 * that already exists; a recovery restores into {@code target.database} (default: the
 * source's own database name) and refuses a target that holds anything unless
 * {@code force=true}, which replaces it. The backup is read from the storage target named
 * by {@code target} (drills: else {@code drbatch.drill.target}; {@code rotate} drills
 * each target's copy in turn), else the primary. A relaunch keeps all three choices.
 */
class SelectBackupTasklet implements Tasklet {

	private static final Logger log = LoggerFactory.getLogger(SelectBackupTasklet.class);

	private static final DateTimeFormatter SCRATCH_TIME = DateTimeFormatter.ofPattern("yyyyMMddHHmmss")
		.withZone(ZoneOffset.UTC);

	private static final DateTimeFormatter SCRATCH_TIME_PARSER = DateTimeFormatter.ofPattern("yyyyMMddHHmmss");

	private final SourceDatabases sources;

	private final StoreTargets targets;

	private final RestoreDestination destination;

	private final DrbatchProperties.Drill settings;

	private final Clock clock;

	SelectBackupTasklet(SourceDatabases sources, StoreTargets targets, RestoreDestination destination,
			DrbatchProperties.Drill settings, Clock clock) {
		this.sources = sources;
		this.targets = targets;
		this.destination = destination;
		this.settings = settings;
		this.clock = clock;
	}

	@Override
	public RepeatStatus execute(StepContribution contribution, ChunkContext chunkContext) {
		JobExecution job = chunkContext.getStepContext().getStepExecution().getJobExecution();
		ExecutionContext context = job.getExecutionContext();
		JobParameters parameters = job.getJobParameters();
		String database = parameters.getString("database");
		PgConnectionSpec source = this.sources.resolve(database);
		if (context.containsKey(DrillContext.MANIFEST_KEY)) {
			log.info("Relaunched {} keeps backup {} and database {}", this.destination.purpose().noun(),
					context.getString(DrillContext.MANIFEST_KEY), context.getString(DrillContext.TARGET_DATABASE));
			return RepeatStatus.FINISHED;
		}
		context.putLong(DrillContext.STARTED_MILLIS, this.clock.millis());
		PgServer server = this.destination.server(job);
		String target = this.destination.isDrill() ? chooseScratch(database, source, server)
				: chooseRecoveryTarget(parameters, source, server, context);
		ObjectStore store = this.targets.get(chooseStore(database, parameters));
		BackupManifest manifest = chooseBackup(store, database, parameters);
		context.putString(DrillContext.STORE_TARGET, store.name());
		context.putString(DrillContext.MANIFEST_KEY,
				BackupLayout.manifestKey(manifest.tier(), manifest.database(), manifest.backupId()));
		context.putString(DrillContext.TARGET_DATABASE, target);
		log.info("{} of backup {} of '{}' (snapshot {}) from target '{}' into database {} on {}",
				this.destination.isDrill() ? "Drill" : "Restore", manifest.backupId(), database,
				manifest.source().snapshotTime(), store.name(), target, server.describe());
		return RepeatStatus.FINISHED;
	}

	/**
	 * The target to read from: the {@code target} parameter, else (drills)
	 * {@code drbatch.drill.target}, else the primary; {@code rotate} picks, among the
	 * targets that hold a backup of the database, the one whose last drill is oldest
	 * (never drilled first, then configuration order).
	 */
	private String chooseStore(String database, JobParameters parameters) {
		String wanted = parameters.getString("target");
		if ((wanted == null || wanted.isBlank()) && this.destination.isDrill()) {
			wanted = this.settings.target();
		}
		if (wanted == null || wanted.isBlank()) {
			return this.targets.primary().name();
		}
		if (!wanted.equals("rotate")) {
			return this.targets.get(wanted).name();
		}
		if (!this.destination.isDrill()) {
			throw new DrbatchException(FailureKind.BAD_ARGUMENT,
					"target=rotate is for drills; a restore names its target (or reads from the primary)");
		}
		return DrillRotation.choose(this.targets, database, DrillReport::describesDumpDrill,
				store -> new BackupCatalog(store).newest(database).isPresent(), "a backup");
	}

	private BackupManifest chooseBackup(ObjectStore store, String database, JobParameters parameters) {
		String wanted = parameters.getString("backup");
		if ("latest".equals(wanted)) {
			wanted = null;
		}
		String beforeText = parameters.getString("before");
		Instant before = beforeText != null ? Instant.parse(beforeText) : null;
		List<BackupManifest> backups = new BackupCatalog(store).list(database);
		String id = wanted;
		Optional<BackupManifest> chosen = backups.stream()
			.filter(m -> id == null || m.backupId().equals(id))
			.filter(m -> before == null || m.source().snapshotTime().isBefore(before))
			.findFirst();
		return chosen.orElseThrow(() -> new DrbatchException(FailureKind.INTEGRITY,
				"no backup " + (id != null ? id + " " : "") + "of database '" + database + "'"
						+ (before != null ? " taken before " + before : "") + " with a manifest on target '"
						+ store.name() + "'"
						+ (backups.isEmpty() ? "" : " (newest: " + backups.get(0).backupId() + ")")));
	}

	private String chooseScratch(String database, PgConnectionSpec source, PgServer server) {
		dropStaleScratchDatabases(database, server);
		String scratch = scratchName(database);
		if (server.hosts(source) && scratch.equals(source.database())) {
			throw new DrbatchException(FailureKind.BAD_CONFIGURATION, "drill target " + scratch
					+ " is the source database itself; set drbatch.drill.database to another name or leave it empty");
		}
		if (server.exists(scratch)) {
			throw new DrbatchException(FailureKind.BAD_CONFIGURATION, "scratch database " + scratch
					+ " already exists on the drill server; drop it or choose another drbatch.drill.database");
		}
		return scratch;
	}

	private String chooseRecoveryTarget(JobParameters parameters, PgConnectionSpec source, PgServer server,
			ExecutionContext context) {
		String target = Optional.ofNullable(parameters.getString("target.database")).orElse(source.database());
		boolean force = Boolean.parseBoolean(parameters.getString("force"));
		if (!server.exists(target)) {
			return target;
		}
		List<String> contents = server.contents(target);
		if (!contents.isEmpty() && !force) {
			throw new DrbatchException(FailureKind.BAD_ARGUMENT, "restore target database " + target + " on "
					+ server.describe() + " is not empty (" + String.join(", ", contents)
					+ "); restore into a new or empty database (--target-database), or pass --force to drop and recreate it");
		}
		if (!contents.isEmpty()) {
			log.warn("--force: database {} on {} ({}) will be dropped and replaced by the backup", target,
					server.describe(), String.join(", ", contents));
		}
		context.putString(DrillContext.TARGET_REPLACED, "true");
		return target;
	}

	/**
	 * Drops scratch databases of this source left by drills that crashed: generated names
	 * older than a day (and older than twice the RTO target) that nobody is connected to.
	 * With keep-on-failure they are left alone, since they may be kept on purpose.
	 */
	private void dropStaleScratchDatabases(String database, PgServer server) {
		if (this.settings.keepOnFailure()) {
			return;
		}
		String prefix = scratchPrefix(database);
		Duration age = Duration.ofDays(1).compareTo(this.settings.rtoTarget().multipliedBy(2)) > 0 ? Duration.ofDays(1)
				: this.settings.rtoTarget().multipliedBy(2);
		Instant limit = this.clock.instant().minus(age);
		for (String name : server.idleDatabasesStartingWith(prefix)) {
			String stamp = name.substring(prefix.length());
			if (stamp.matches("\\d{14}")
					&& LocalDateTime.parse(stamp, SCRATCH_TIME_PARSER).toInstant(ZoneOffset.UTC).isBefore(limit)) {
				log.warn("Dropping stale scratch database {} left by an earlier drill", name);
				server.drop(name);
			}
		}
	}

	private static String scratchPrefix(String database) {
		String safe = database.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9_]", "_");
		return "drill_" + (safe.length() > 42 ? safe.substring(0, 42) : safe) + "_";
	}

	private String scratchName(String database) {
		if (this.settings.database() != null && !this.settings.database().isBlank()) {
			return this.settings.database();
		}
		return scratchPrefix(database) + SCRATCH_TIME.format(this.clock.instant());
	}

}
