package io.drbatch.scheduler.cli;

import java.io.PrintStream;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.infrastructure.item.ExecutionContext;
import org.springframework.stereotype.Component;

import io.drbatch.failure.DrbatchException;
import io.drbatch.jobs.backup.Mismatch;
import io.drbatch.jobs.backup.WalArchiveHealth;
import io.drbatch.jobs.wiring.SourceDatabases;
import io.drbatch.jobs.replication.ReplicaCheck;
import io.drbatch.jobs.replication.ReplicationLag;
import io.drbatch.jobs.restore.DrillReport;
import io.drbatch.jobs.wiring.StoreTargets;
import io.drbatch.manifest.BackupCatalog;
import io.drbatch.manifest.BackupLayout;
import io.drbatch.manifest.BackupManifest;
import io.drbatch.manifest.BaseBackupCatalog;
import io.drbatch.manifest.BaseBackupManifest;
import io.drbatch.store.BucketProtection;
import io.drbatch.store.ObjectStore;
import io.drbatch.scheduler.cli.Table.Column;
import io.drbatch.scheduler.status.HistoryReader;

/**
 * The CLI's read-only listings: job history from the job repository; backups, the backup
 * x target matrix, drills and bucket protection from the stores. Each builds a
 * {@link Table} and prints it in the requested {@link OutputFormat}. Stateless apart from
 * its collaborators; one command at a time.
 */
@Component
class Listings {

	private final HistoryReader history;

	private final JobDescriptors descriptors;

	private final StoreTargets targets;

	private final Clock clock;

	private final PrintStream out = System.out;

	private final SourceDatabases sources;

	Listings(HistoryReader history, JobDescriptors descriptors, StoreTargets targets, Clock clock,
			SourceDatabases sources) {
		this.sources = sources;
		this.history = history;
		this.descriptors = descriptors;
		this.targets = targets;
		this.clock = clock;
	}

	ExitCode history(String jobName, int limit, OutputFormat format) {
		List<JobExecution> executions = this.history
			.executions(jobName != null ? this.descriptors.get(jobName).jobName() : null, limit);
		Table table = new Table(Column.right("id", "ID"), Column.left("job", "JOB"), Column.left("status", "STATUS"),
				Column.left("started", "STARTED (UTC)"), Column.right("duration_seconds", "DURATION"),
				Column.right("bytes_in", "BYTES IN"), Column.right("bytes_out", "BYTES OUT"),
				Column.left("parameters", "PARAMETERS"), Column.left("exit_description", "EXIT"));
		for (JobExecution execution : executions) {
			ExecutionContext context = execution.getExecutionContext();
			Double seconds = Formats.seconds(execution);
			table.row(execution.getId(), execution.getJobInstance().getJobName(), execution.getStatus().name(),
					Formats.time(execution.getStartTime()),
					format == OutputFormat.TEXT ? Formats.duration(execution) : seconds,
					bytes(context, "drbatch.bytes.in"), bytes(context, "drbatch.bytes.out"),
					Formats.parameters(execution.getJobParameters()), exitDescription(execution, format));
		}
		table.print(this.out, format, "(no executions)");
		return ExitCode.OK;
	}

	/** The base backups of point-in-time recovery on a target, newest first. */
	ExitCode baseBackups(String database, String targetName, OutputFormat format) {
		ObjectStore store = targetName != null ? this.targets.get(targetName) : this.targets.primary();
		List<BaseBackupManifest> backups = new BaseBackupCatalog(store).list(database);
		Table table = new Table(Column.left("database", "DATABASE"), Column.left("backup", "BASE BACKUP"),
				Column.left("start", "START (UTC)"), Column.right("duration_seconds", "TOOK"),
				Column.left("start_lsn", "START LSN"), Column.left("stop_lsn", "STOP LSN"),
				Column.right("timeline", "TLI"), Column.right("tar_bytes", "TAR"),
				Column.right("stored_bytes", "STORED"), Column.left("age", "AGE"),
				Column.left("system_identifier", "SYSTEM ID"), Column.left("retained_until", "RETAINED UNTIL (UTC)"));
		Instant now = this.clock.instant();
		for (BaseBackupManifest backup : backups) {
			table.row(backup.database(), backup.backupId(), Formats.time(backup.startTime()),
					Duration.between(backup.startTime(), backup.stopTime()).toSeconds(), backup.startLsn(),
					backup.stopLsn(), backup.timeline(), backup.tarBytes(), backup.totalStoredBytes(),
					Formats.age(Duration.between(backup.startTime(), now)), backup.systemIdentifier(),
					Formats.time(backup.retainUntil()));
		}
		if (format == OutputFormat.TEXT) {
			this.out.printf("base backups on target '%s' %s%n", store.name(), store.location());
		}
		table.print(this.out, format, "(no base backups" + (database != null ? " of " + database : "") + ")");
		return ExitCode.OK;
	}

	ExitCode backups(String database, String targetName, OutputFormat format) {
		ObjectStore store = targetName != null ? this.targets.get(targetName) : this.targets.primary();
		List<BackupManifest> backups = new BackupCatalog(store).list(database);
		Table table = new Table(Column.left("database", "DATABASE"), Column.left("backup", "BACKUP"),
				Column.left("tier", "TIER"), Column.left("snapshot", "SNAPSHOT (UTC)"),
				Column.right("dumped_bytes", "DUMPED"), Column.right("stored_bytes", "STORED"),
				Column.right("tables", "TABLES"), Column.left("format", "FORMAT"), Column.left("age", "AGE"),
				Column.left("storage_class", "CLASS"), Column.left("retained_until", "RETAINED UNTIL (UTC)"));
		Instant now = this.clock.instant();
		for (BackupManifest backup : backups) {
			String storageClass = backup.objects().isEmpty() ? null
					: store.head(backup.objects().get(0).key())
						.map(info -> info.storageClass() != null ? info.storageClass() : "STANDARD")
						.orElse("MISSING");
			table.row(backup.database(), backup.backupId(), backup.tier().id(),
					Formats.time(backup.source().snapshotTime()), backup.dump().uncompressedBytes(),
					backup.totalStoredBytes(), backup.tables().size(),
					backup.dump().format() + "+" + backup.dump().compression(),
					Formats.age(Duration.between(backup.source().snapshotTime(), now)), storageClass,
					Formats.time(backup.retainUntil()));
		}
		if (format == OutputFormat.TEXT) {
			this.out.printf("target '%s' %s%n", store.name(), store.location());
		}
		table.print(this.out, format, "(no backups" + (database != null ? " of " + database : "") + ")");
		if (format == OutputFormat.TEXT && !new BaseBackupCatalog(store).list(database).isEmpty()) {
			this.out.println();
			baseBackups(database, targetName, format);
		}
		return ExitCode.OK;
	}

	/**
	 * The primary's backups against every target: {@code ok} where the target holds a
	 * verified copy (manifest and objects with matching size and checksum),
	 * {@code missing}, {@code DIFFERS} or {@code DOWN}; backups found only on a
	 * secondary; then each secondary's lag.
	 */
	ExitCode replicas(String database, OutputFormat format) {
		List<BackupManifest> backups = new BackupCatalog(this.targets.primary()).list(database);
		List<String> names = this.targets.names();
		List<String> secondaries = names.subList(1, names.size());
		Map<String, Map<String, BackupManifest>> copies = new LinkedHashMap<>();
		Map<String, String> down = new LinkedHashMap<>();
		for (String name : secondaries) {
			try {
				Map<String, BackupManifest> held = new LinkedHashMap<>();
				new BackupCatalog(this.targets.get(name)).list(database)
					.forEach(copy -> held.put(manifestKey(copy), copy));
				copies.put(name, held);
			}
			catch (DrbatchException ex) {
				down.put(name, ex.getMessage());
			}
		}
		List<Column> columns = new ArrayList<>(List.of(Column.left("database", "DATABASE"),
				Column.left("backup", "BACKUP"), Column.left("tier", "TIER"), Column.left("snapshot", "SNAPSHOT (UTC)"),
				Column.right("stored_bytes", "STORED")));
		names.forEach(name -> columns.add(Column.left(name, name)));
		Table table = new Table(columns);
		for (BackupManifest backup : backups) {
			List<Object> row = new ArrayList<>(List.of(backup.database(), backup.backupId(), backup.tier().id(),
					Formats.time(backup.source().snapshotTime()), backup.totalStoredBytes(), "primary"));
			for (String name : secondaries) {
				if (down.containsKey(name)) {
					row.add("DOWN");
					continue;
				}
				Optional<Mismatch> problem = ReplicaCheck.check(this.targets.get(name), backup,
						Optional.ofNullable(copies.get(name).remove(manifestKey(backup))), false);
				row.add(problem.isEmpty() ? "ok"
						: problem.get().kind() == Mismatch.Kind.NO_MANIFEST ? "missing" : "DIFFERS");
			}
			table.row(row.toArray());
		}
		List<String> notes = new ArrayList<>();
		copies.forEach((name, left) -> left.values()
			.forEach(copy -> notes
				.add(copy.database() + "  " + copy.backupId() + "  " + copy.tier().id() + "  only on '" + name + "'")));
		notes.add("");
		for (String name : secondaries) {
			notes.add("replication to '" + name + "': "
					+ ReplicationLag.measure(backups, this.targets.get(name)).describe());
		}
		if (secondaries.isEmpty()) {
			notes.add("(one target configured: nothing is replicated)");
		}
		table.print(this.out, format, "(no backups" + (database != null ? " of " + database : "") + " on the primary)",
				notes);
		return ExitCode.OK;
	}

	ExitCode drills(String database, OutputFormat format) {
		List<DrillReport> reports = new ArrayList<>(DrillReport.readDrills(this.targets.primary(), database));
		reports.sort(Comparator.comparing(DrillReport::drillStarted).reversed());
		boolean text = format == OutputFormat.TEXT;
		Table table = new Table(Column.left("database", "DATABASE"), Column.left("drill", "DRILL (UTC)"),
				Column.left("kind", "KIND"), Column.left("result", "RESULT"), Column.left("backup", "BACKUP"),
				Column.left(text ? "rto" : "rto_seconds", "RTO / TARGET"),
				Column.left(text ? "rpo" : "rpo_seconds", "RPO / TARGET"), Column.right("tables", "TABLES"),
				Column.left("first_failure", "FIRST FAILURE"));
		for (DrillReport report : reports) {
			Object rto = text
					? DrillReport.human(report.rtoMillis()) + " / " + DrillReport.human(report.rtoTargetMillis())
					: report.rtoMillis() / 1000.0;
			Object rpo = text
					? (report.rpoMillis() >= 0 ? DrillReport.human(report.rpoMillis()) : "-") + " / "
							+ DrillReport.human(report.rpoTargetMillis())
					: report.rpoMillis() >= 0 ? report.rpoMillis() / 1000.0 : null;
			table.row(report.database(), Formats.time(report.drillStarted()),
					report.describesPitrDrill() ? "pitr" : "dump", report.result(), report.backupId(), rto, rpo,
					report.tables().size(), report.failures().isEmpty() ? null : report.failures().get(0));
		}
		table.print(this.out, format, "(no drills" + (database != null ? " of " + database : "") + ")");
		return ExitCode.OK;
	}

	ExitCode lockStatus(OutputFormat format) {
		Table table = new Table(Column.left("target", "TARGET"), Column.left("location", "BUCKET"),
				Column.left("exists", "EXISTS"), Column.left("versioning", "VERSIONING"),
				Column.left("object_lock", "LOCK"), Column.left("default_retention", "DEFAULT RETENTION"),
				Column.left("lifecycle", "LIFECYCLE"));
		for (String name : this.targets.names()) {
			ObjectStore store = this.targets.get(name);
			if (store.protection().isEmpty()) {
				table.row(name, store.location(), null, null, null, null, "(this store cannot report Object Lock)");
				continue;
			}
			BucketProtection.State state = store.protection().get().read();
			String lifecycle = ((state.abortIncompleteUploadsDays() != null
					? "abort uploads " + state.abortIncompleteUploadsDays() + "d " : "")
					+ (state.noncurrentVersionExpirationDays() != null
							? "expire noncurrent " + state.noncurrentVersionExpirationDays() + "d" : ""))
				.strip();
			table.row(name, store.location(), state.exists() ? "yes" : "NO",
					state.versioning() != null ? state.versioning() : "never set", state.lockEnabled() ? "yes" : "no",
					state.lockMode() != null ? state.lockMode() + " " + state.lockDays() + " days" : null,
					lifecycle.isEmpty() ? null : lifecycle);
		}
		table.print(this.out, format, null);
		return ExitCode.OK;
	}

	/**
	 * {@code drbatch wal verify}: each source's WAL chain on the primary, from its oldest
	 * segment to its newest, the base backups on it, and every hole; exit 15 when a hole
	 * lies after the newest base backup.
	 */
	ExitCode walVerify(String database, OutputFormat format) {
		List<String> databases = database != null ? List.of(this.sources.checkName(database))
				: this.sources.pitrNames();
		Table table = new Table(Column.left("database", "DATABASE"), Column.left("system_identifier", "SYSTEM ID"),
				Column.right("segments", "SEGMENTS"), Column.left("oldest", "OLDEST SEGMENT"),
				Column.left("newest", "NEWEST SEGMENT"), Column.right("base_backups", "BASE BACKUPS"),
				Column.left("chain", "CHAIN"), Column.left("holes", "HOLES"));
		boolean broken = false;
		List<String> notes = new ArrayList<>();
		for (String name : databases) {
			WalArchiveHealth health = WalArchiveHealth.read(this.targets.primary(), name);
			List<String> holes = new ArrayList<>();
			health.gapsAfterNewestBase().forEach(gap -> holes.add(gap.describe()));
			health.olderGaps().forEach(gap -> holes.add(gap.describe() + " (before the newest base backup)"));
			broken |= health.broken();
			table.row(name, health.state().map(io.drbatch.wal.WalArchive.State::systemIdentifier).orElse(null),
					health.segments(), health.oldest() != null ? health.oldest().name() : null,
					health.newest() != null ? health.newest().name() : null, health.baseBackups().size(),
					health.segments() == 0 ? "empty" : health.broken() ? "BROKEN" : "ok",
					holes.isEmpty() ? null : String.join("; ", holes));
			if (health.broken()) {
				notes.add(name
						+ ": recovery past the hole is impossible; take a new base backup (drbatch run base-backup database="
						+ name + ")");
			}
		}
		table.print(this.out, format, "(no source has point-in-time recovery; set drbatch.sources[N].pitr.enabled)",
				notes);
		return broken ? ExitCode.WAL_CHAIN_BROKEN : ExitCode.OK;
	}

	private static String manifestKey(BackupManifest backup) {
		return BackupLayout.manifestKey(backup.tier(), backup.database(), backup.backupId());
	}

	private static Long bytes(ExecutionContext context, String key) {
		return context.containsKey(key) ? context.getLong(key) : null;
	}

	/**
	 * In text, the first line cut to 120 characters; in JSON and TSV the whole
	 * description (TSV: on one line).
	 */
	private static String exitDescription(JobExecution execution, OutputFormat format) {
		String description = execution.getExitStatus().getExitDescription();
		if (description == null || description.isBlank()) {
			return null;
		}
		if (format != OutputFormat.TEXT) {
			return description;
		}
		String firstLine = description.lines().findFirst().orElse("");
		return firstLine.length() > 120 ? firstLine.substring(0, 117) + "..." : firstLine;
	}

}
