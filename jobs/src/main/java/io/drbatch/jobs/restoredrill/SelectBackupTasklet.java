package io.drbatch.jobs.restoredrill;

import java.time.Clock;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.scope.context.ChunkContext;
import org.springframework.batch.core.step.StepContribution;
import org.springframework.batch.core.step.tasklet.Tasklet;
import org.springframework.batch.infrastructure.item.ExecutionContext;
import org.springframework.batch.infrastructure.repeat.RepeatStatus;

import io.drbatch.failure.DrbatchException;
import io.drbatch.failure.FailureKind;
import io.drbatch.jobs.config.DrbatchProperties;
import io.drbatch.jobs.support.DrillServer;
import io.drbatch.jobs.support.SourceDatabases;
import io.drbatch.jobs.support.StoreTargets;
import io.drbatch.manifest.BackupCatalog;
import io.drbatch.manifest.BackupLayout;
import io.drbatch.manifest.BackupManifest;
import io.drbatch.pg.PgConnectionSpec;

/**
 * Chooses the backup to drill (the newest one that has a manifest, by snapshot time, or the one named by the
 * {@code backup} parameter) and the scratch database to restore into, before anything is touched: a scratch
 * database that is the source itself, or that already exists, is refused. A relaunch keeps both choices.
 */
class SelectBackupTasklet implements Tasklet {

	private static final Logger log = LoggerFactory.getLogger(SelectBackupTasklet.class);

	private static final DateTimeFormatter SCRATCH_TIME = DateTimeFormatter.ofPattern("yyyyMMddHHmmss")
		.withZone(ZoneOffset.UTC);

	private static final DateTimeFormatter SCRATCH_TIME_PARSER = DateTimeFormatter.ofPattern("yyyyMMddHHmmss");

	private final SourceDatabases sources;

	private final StoreTargets targets;

	private final DrillServer drillServer;

	private final DrbatchProperties.Drill settings;

	private final Clock clock;

	SelectBackupTasklet(SourceDatabases sources, StoreTargets targets, DrillServer drillServer,
			DrbatchProperties.Drill settings, Clock clock) {
		this.sources = sources;
		this.targets = targets;
		this.drillServer = drillServer;
		this.settings = settings;
		this.clock = clock;
	}

	@Override
	public RepeatStatus execute(StepContribution contribution, ChunkContext chunkContext) {
		JobExecution job = chunkContext.getStepContext().getStepExecution().getJobExecution();
		ExecutionContext context = job.getExecutionContext();
		String database = job.getJobParameters().getString("database");
		PgConnectionSpec source = this.sources.resolve(database);
		if (context.containsKey(DrillContext.MANIFEST_KEY)) {
			log.info("Relaunched drill keeps backup {} and scratch database {}",
					context.getString(DrillContext.MANIFEST_KEY), context.getString(DrillContext.SCRATCH_DATABASE));
			return RepeatStatus.FINISHED;
		}
		context.putLong(DrillContext.STARTED_MILLIS, this.clock.millis());
		dropStaleScratchDatabases(database);
		String scratch = scratchName(database);
		if (this.drillServer.hosts(source) && scratch.equals(source.database())) {
			throw new DrbatchException(FailureKind.BAD_CONFIGURATION, "drill target " + scratch
					+ " is the source database itself; set drbatch.drill.database to another name or leave it empty");
		}
		if (this.drillServer.exists(scratch)) {
			throw new DrbatchException(FailureKind.BAD_CONFIGURATION, "scratch database " + scratch
					+ " already exists on the drill server; drop it or choose another drbatch.drill.database");
		}
		String wanted = job.getJobParameters().getString("backup");
		BackupCatalog catalog = new BackupCatalog(this.targets.primary());
		BackupManifest manifest = (wanted == null
				? catalog.newest(database)
				: catalog.list(database).stream().filter(m -> m.backupId().equals(wanted)).findFirst())
			.orElseThrow(() -> new DrbatchException(FailureKind.INTEGRITY, "no backup " + (wanted != null ? wanted + " " : "")
					+ "of database '" + database + "' with a manifest on target '" + this.targets.primary().name() + "'"));
		context.putString(DrillContext.MANIFEST_KEY,
				BackupLayout.manifestKey(manifest.tier(), manifest.database(), manifest.backupId()));
		context.putString(DrillContext.SCRATCH_DATABASE, scratch);
		log.info("Drilling backup {} of '{}' (snapshot {}) into scratch database {}", manifest.backupId(), database,
				manifest.source().snapshotTime(), scratch);
		return RepeatStatus.FINISHED;
	}

	/**
	 * Drops scratch databases of this source left by drills that crashed: generated names older than a day (and
	 * older than twice the RTO target) that nobody is connected to. With keep-on-failure they are left alone,
	 * since they may be kept on purpose.
	 */
	private void dropStaleScratchDatabases(String database) {
		if (this.settings.keepOnFailure()) {
			return;
		}
		String prefix = scratchPrefix(database);
		java.time.Duration age = java.time.Duration.ofDays(1).compareTo(this.settings.rtoTarget().multipliedBy(2)) > 0
				? java.time.Duration.ofDays(1) : this.settings.rtoTarget().multipliedBy(2);
		java.time.Instant limit = this.clock.instant().minus(age);
		for (String name : this.drillServer.idleDatabasesStartingWith(prefix)) {
			String stamp = name.substring(prefix.length());
			if (stamp.matches("\\d{14}")
					&& java.time.LocalDateTime.parse(stamp, SCRATCH_TIME_PARSER).toInstant(ZoneOffset.UTC).isBefore(limit)) {
				log.warn("Dropping stale scratch database {} left by an earlier drill", name);
				this.drillServer.drop(name);
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
