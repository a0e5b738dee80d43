package io.drbatch.jobs.pitrdrill;

import java.nio.file.Path;
import java.time.Clock;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.job.JobInstance;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.batch.core.scope.context.ChunkContext;
import org.springframework.batch.core.step.StepContribution;
import org.springframework.batch.core.step.tasklet.Tasklet;
import org.springframework.batch.infrastructure.item.ExecutionContext;
import org.springframework.batch.infrastructure.repeat.RepeatStatus;

import io.drbatch.failure.DrbatchException;
import io.drbatch.failure.FailureKind;
import io.drbatch.jobs.config.DrbatchProperties;
import io.drbatch.jobs.restore.DrillReport;
import io.drbatch.jobs.restore.DrillRotation;
import io.drbatch.jobs.runcontrol.ExecutionHeartbeat;
import io.drbatch.jobs.wiring.SourceDatabases;
import io.drbatch.jobs.wiring.StoreTargets;
import io.drbatch.manifest.BackupCatalog;
import io.drbatch.manifest.BackupLayout;
import io.drbatch.manifest.BackupManifest;
import io.drbatch.manifest.BaseBackupCatalog;
import io.drbatch.recovery.RecoveryPlanner;
import io.drbatch.recovery.RecoveryServer;
import io.drbatch.recovery.RecoveryTarget;
import io.drbatch.store.ObjectStore;
import io.drbatch.wal.Lsn;

/**
 * The plan step of pitr-drill: chooses the storage target (named, rotated, or the drill
 * default), the recovery target (by default the WAL position the newest daily dump inside
 * the recoverable window recorded for its snapshot, so the recovered cluster can be
 * compared with that dump's row counts; or a time it was given), checks the plan against
 * the bucket before anything is downloaded, and removes what drills of the same database
 * left behind when they were never relaunched (their servers stopped). A relaunch keeps
 * what the first attempt chose. Stateless.
 */
class PitrDrillPlanTasklet implements Tasklet {

	private static final Logger log = LoggerFactory.getLogger(PitrDrillPlanTasklet.class);

	private final SourceDatabases sources;

	private final StoreTargets targets;

	private final DrbatchProperties.Drill drill;

	private final RecoveryServer.Settings server;

	private final JobRepository jobRepository;

	private final ExecutionHeartbeat heartbeat;

	private final Clock clock;

	PitrDrillPlanTasklet(SourceDatabases sources, StoreTargets targets, DrbatchProperties.Drill drill,
			RecoveryServer.Settings server, JobRepository jobRepository, ExecutionHeartbeat heartbeat, Clock clock) {
		this.heartbeat = heartbeat;
		this.sources = sources;
		this.targets = targets;
		this.drill = drill;
		this.server = server;
		this.jobRepository = jobRepository;
		this.clock = clock;
	}

	@Override
	public RepeatStatus execute(StepContribution contribution, ChunkContext chunkContext) {
		JobExecution job = chunkContext.getStepContext().getStepExecution().getJobExecution();
		ExecutionContext context = job.getExecutionContext();
		String database = this.sources.checkPitrName(job.getJobParameters().getString("database"));
		removeAbandoned(database, job.getJobInstance().getInstanceId());
		if (context.containsKey(PitrDrillContext.DATA_DIR)) {
			log.info("pitr-drill {}: relaunched; keeping the plan of the first attempt ({} on target '{}')", database,
					context.getString(PitrDrillContext.RECOVERY_TARGET),
					context.getString(PitrDrillContext.STORE_TARGET));
			return RepeatStatus.FINISHED;
		}
		context.putLong(PitrDrillContext.STARTED_MILLIS, this.clock.millis());
		ObjectStore store = this.targets.get(chooseStore(database, job.getJobParameters().getString("target")));
		String requested = job.getJobParameters().getString("recovery.target", "dump");
		RecoveryPlanner.Window window = RecoveryPlanner.plan(store, database, new RecoveryTarget.Latest()).window();
		RecoveryTarget target;
		String comparison;
		if (requested.equals("dump")) {
			BackupManifest dump = dumpInside(store, database, window);
			boolean exact = dump.source().walPositionExact();
			target = new RecoveryTarget.AtLsn(Lsn.parse(dump.source().snapshotWalPosition()), false);
			comparison = exact ? "exact" : "approximate";
			context.putString(PitrDrillContext.DUMP_MANIFEST,
					BackupLayout.manifestKey(dump.tier(), dump.database(), dump.backupId()));
			log.info("pitr-drill {}: recovering to the snapshot of dump {} ({}, WAL position {}: {} comparison)",
					database, dump.backupId(), dump.source().snapshotTime(), dump.source().snapshotWalPosition(),
					comparison);
		}
		else {
			target = RecoveryTarget.parse(requested);
			comparison = "none";
		}
		RecoveryPlanner.Plan plan = RecoveryPlanner.plan(store, database, target);
		ScratchCluster scratch = ScratchCluster.of(this.drill.spoolDir(), database,
				job.getJobInstance().getInstanceId(), this.server);
		context.putString(PitrDrillContext.STORE_TARGET, store.name());
		context.putString(PitrDrillContext.RECOVERY_TARGET, RecoveryTarget.format(target));
		context.putString(PitrDrillContext.COMPARISON, comparison);
		context.putString(PitrDrillContext.BASE_BACKUP, plan.base().backupId());
		context.putString(PitrDrillContext.WINDOW, plan.window().describe());
		if (plan.window().to() != null) {
			context.putLong(PitrDrillContext.ARCHIVED_UNTIL_MILLIS, plan.window().to().toEpochMilli());
		}
		context.putInt(PitrDrillContext.SERVER_VERSION_NUM, plan.base().serverVersionNum());
		context.putString(PitrDrillContext.DATA_DIR, scratch.dataDir().toString());
		log.info("pitr-drill {}: {} from base backup {} on target '{}', {} WAL segment(s), into {}", database,
				target.describe(), plan.base().backupId(), store.name(), plan.needed().size(), scratch.dataDir());
		return RepeatStatus.FINISHED;
	}

	/**
	 * The newest dump on {@code store} whose snapshot's WAL position lies inside the
	 * window, so that recovery can reach it.
	 */
	private static BackupManifest dumpInside(ObjectStore store, String database, RecoveryPlanner.Window window) {
		List<BackupManifest> dumps = new BackupCatalog(store).list(database)
			.stream()
			.sorted(Comparator.comparing((BackupManifest m) -> m.source().snapshotTime()).reversed())
			.toList();
		Optional<BackupManifest> inside = dumps.stream()
			.filter(m -> m.source().snapshotWalPosition() != null)
			.filter(m -> {
				Lsn position = Lsn.parse(m.source().snapshotWalPosition());
				return !position.isBefore(window.fromLsn()) && position.compareTo(window.toLsn()) <= 0;
			})
			.findFirst();
		if (inside.isPresent()) {
			return inside.get();
		}
		String newest = dumps.isEmpty() ? "there is none on target '" + store.name() + "'"
				: "the newest is " + dumps.get(0).backupId() + " (snapshot " + dumps.get(0).source().snapshotTime()
						+ (dumps.get(0).source().snapshotWalPosition() != null
								? ", WAL position " + dumps.get(0).source().snapshotWalPosition()
								: ", written before dumps recorded their WAL position")
						+ ")";
		throw new DrbatchException(FailureKind.INTEGRITY,
				"no daily dump of '" + database + "' has a snapshot inside the recoverable window " + window.describe()
						+ " (" + newest
						+ "): run daily-dump while wal-archive runs and base-backup has run, or drill a time with"
						+ " recovery.target=time:<ISO-8601 time>");
	}

	/**
	 * The storage target to recover from: the one named, the drill default, or with
	 * {@code rotate} the target holding base backups of {@code database} whose last PITR
	 * drill is oldest.
	 */
	private String chooseStore(String database, String wanted) {
		if (wanted == null || wanted.isBlank()) {
			wanted = this.drill.target();
		}
		if (wanted == null || wanted.isBlank()) {
			return this.targets.primary().name();
		}
		if (!wanted.equals("rotate")) {
			return this.targets.get(wanted).name();
		}
		return DrillRotation.choose(this.targets, database, DrillReport::describesPitrDrill,
				store -> !new BaseBackupCatalog(store).list(database).isEmpty(), "a base backup");
	}

	/**
	 * Stops the servers of, and removes, the scratch directories of this database's other
	 * drills whose last execution is not running (or whose heartbeat says its process is
	 * gone): drills that were killed and never relaunched.
	 */
	private void removeAbandoned(String database, long thisInstance) {
		Path root = this.drill.spoolDir();
		for (Path dir : ScratchCluster.all(root, database)) {
			long instanceId = ScratchCluster.instanceOf(dir, database);
			if (instanceId == thisInstance || running(instanceId)) {
				continue;
			}
			log.warn("pitr-drill {}: removing {}, left by drill instance {} that did not finish", database, dir,
					instanceId);
			new ScratchCluster(dir, this.server).remove();
		}
	}

	private boolean running(long instanceId) {
		JobInstance instance = this.jobRepository.getJobInstance(instanceId);
		if (instance == null) {
			return false;
		}
		JobExecution last = this.jobRepository.getLastJobExecution(instance);
		return last != null && last.isRunning()
				&& this.heartbeat.owner(last.getId()).map(ExecutionHeartbeat.Owner::alive).orElse(true);
	}

}
