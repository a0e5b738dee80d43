package io.drbatch.scheduler.cli;

import java.io.PrintStream;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.batch.core.BatchStatus;
import org.springframework.batch.core.job.Job;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.job.JobInstance;
import org.springframework.batch.core.job.parameters.InvalidJobParametersException;
import org.springframework.batch.core.job.parameters.JobParameters;
import org.springframework.batch.core.launch.JobExecutionAlreadyRunningException;
import org.springframework.batch.core.launch.JobInstanceAlreadyCompleteException;
import org.springframework.batch.core.launch.JobOperator;
import org.springframework.batch.core.launch.JobRestartException;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.batch.infrastructure.item.ExecutionContext;
import org.springframework.stereotype.Component;

import io.drbatch.failure.DrbatchException;
import io.drbatch.jobs.support.ExecutionHeartbeat;
import io.drbatch.jobs.support.JobDescriptor;
import io.drbatch.jobs.support.StopSignal;
import io.drbatch.scheduler.quartz.SchedulerMode;
import io.drbatch.jobs.support.StoreTargets;
import io.drbatch.manifest.BackupCatalog;
import io.drbatch.manifest.BackupLayout;
import io.drbatch.manifest.BackupManifest;
import io.drbatch.jobs.restoredrill.DrillContext;
import io.drbatch.jobs.restoredrill.DrillReport;

/**
 * What the CLI commands do once the application context is up: launch and relaunch jobs through the
 * {@link JobOperator}, and read history from the job repository and backups from the bucket. Output for
 * people goes to standard output; errors are thrown as {@link CliFailure} or {@link DrbatchException}.
 */
@Component
class Operations {

	private static final Logger log = LoggerFactory.getLogger(Operations.class);

	private final JobOperator jobOperator;

	private final JobRepository jobRepository;

	private final Map<String, Job> jobs;

	private final Map<String, JobDescriptor> descriptors;

	private final StoreTargets targets;

	private final Clock clock;

	private final ExecutionHeartbeat heartbeat;

	private final StopSignal stopSignal;

	private final PrintStream out = System.out;

	private final SchedulerMode schedulerMode;

	private final RecoveryStatus recoveryStatus;

	Operations(JobOperator jobOperator, JobRepository jobRepository, List<Job> jobs,
			List<JobDescriptor> descriptors, StoreTargets targets, Clock clock, ExecutionHeartbeat heartbeat,
			StopSignal stopSignal, SchedulerMode schedulerMode, RecoveryStatus recoveryStatus) {
		this.schedulerMode = schedulerMode;
		this.recoveryStatus = recoveryStatus;
		this.heartbeat = heartbeat;
		this.stopSignal = stopSignal;
		this.jobOperator = jobOperator;
		this.jobRepository = jobRepository;
		this.jobs = jobs.stream().collect(Collectors.toMap(Job::getName, Function.identity()));
		this.descriptors = descriptors.stream()
			.collect(Collectors.toMap(JobDescriptor::jobName, Function.identity(), (a, b) -> a,
					java.util.TreeMap::new));
		this.targets = targets;
		this.clock = clock;
	}

	ExitCode run(String jobName, Map<String, String> given) {
		JobDescriptor descriptor = this.descriptors.get(jobName);
		if (descriptor == null) {
			throw new CliFailure(ExitCode.BAD_ARGUMENT,
					"unknown job '" + jobName + "'; jobs: " + String.join(", ", this.descriptors.keySet()));
		}
		JobParameters parameters = descriptor.toJobParameters(given, this.clock);
		Job job = this.jobs.get(jobName);
		JobExecution execution;
		try {
			execution = this.jobOperator.start(job, parameters);
		}
		catch (JobInstanceAlreadyCompleteException ex) {
			JobExecution done = this.jobRepository.getLastJobExecution(jobName, parameters);
			this.out.println(jobName + " " + describe(parameters) + " already completed in execution "
					+ (done != null ? done.getId() : "?") + "; nothing to do");
			return ExitCode.OK;
		}
		catch (JobExecutionAlreadyRunningException ex) {
			JobExecution running = this.jobRepository.getLastJobExecution(jobName, parameters);
			long id = running != null ? running.getId() : -1;
			Optional<ExecutionHeartbeat.Owner> owner = id >= 0 ? this.heartbeat.owner(id) : Optional.empty();
			if (owner.isPresent() && owner.get().alive()) {
				throw new CliFailure(ExitCode.EXECUTION_CONFLICT, jobName + " " + describe(parameters)
						+ " is already running as execution " + id + " (" + owner.get().describe() + ")");
			}
			throw new CliFailure(ExitCode.EXECUTION_CONFLICT, jobName + " " + describe(parameters) + " has execution "
					+ (id >= 0 ? id : "?") + " still marked " + (running != null ? running.getStatus() : "running")
					+ " but no live process runs it; relaunch it with 'drbatch restart " + (id >= 0 ? id : "<id>") + "'");
		}
		catch (JobRestartException ex) {
			throw new CliFailure(ExitCode.EXECUTION_CONFLICT, jobName + " " + describe(parameters)
					+ " cannot be relaunched: " + ex.getMessage());
		}
		catch (InvalidJobParametersException ex) {
			throw new CliFailure(ExitCode.BAD_ARGUMENT, ex.getMessage());
		}
		return report(execution);
	}

	ExitCode restart(long executionId) {
		JobExecution execution = execution(executionId);
		BatchStatus status = execution.getStatus();
		if (status == BatchStatus.COMPLETED) {
			this.out.println("execution " + executionId + " already completed; nothing to do");
			return ExitCode.OK;
		}
		if (status == BatchStatus.ABANDONED) {
			throw new CliFailure(ExitCode.EXECUTION_CONFLICT, "execution " + executionId
					+ " was abandoned and cannot be restarted; run the job again with new parameters");
		}
		JobExecution last = this.jobRepository.getLastJobExecution(execution.getJobInstance());
		if (last != null && last.getId() != executionId && last.getStatus() != BatchStatus.FAILED
				&& last.getStatus() != BatchStatus.STOPPED && !last.getStatus().isRunning()) {
			throw new CliFailure(ExitCode.EXECUTION_CONFLICT, "execution " + executionId + " is not the latest of its job instance; "
					+ "the latest is " + last.getId() + " (" + last.getStatus() + ")");
		}
		if (status.isRunning()) {
			Optional<ExecutionHeartbeat.Owner> owner = this.heartbeat.owner(executionId);
			if (owner.isPresent() && owner.get().alive()) {
				throw new CliFailure(ExitCode.EXECUTION_CONFLICT, "execution " + executionId + " is " + status
						+ " and still running (" + owner.get().describe() + ", heartbeat at " + owner.get().beatAt()
						+ "); stop it first with 'drbatch stop " + executionId + "'");
			}
			log.warn("Execution {} is marked {} but its process is gone ({}); marking it FAILED before the relaunch",
					executionId, status, owner.map(o -> o.describe() + ", last heartbeat " + o.beatAt())
						.orElse("no heartbeat"));
			execution = this.jobOperator.recover(execution);
		}
		try {
			return report(this.jobOperator.restart(execution));
		}
		catch (JobRestartException ex) {
			throw new CliFailure(ExitCode.EXECUTION_CONFLICT,
					"execution " + executionId + " cannot be restarted: " + ex.getMessage());
		}
	}

	/**
	 * Asks a running execution to stop: marks it STOPPING; the process running it sees that on its next heartbeat
	 * and stops its step. Waits until it has stopped.
	 */
	ExitCode stop(long executionId, Duration wait) {
		JobExecution execution = execution(executionId);
		if (!execution.getStatus().isRunning()) {
			throw new CliFailure(ExitCode.EXECUTION_CONFLICT,
					"execution " + executionId + " is " + execution.getStatus() + ", not running; nothing to stop");
		}
		Optional<ExecutionHeartbeat.Owner> owner = this.heartbeat.owner(executionId);
		if (owner.isEmpty() || !owner.get().alive()) {
			throw new CliFailure(ExitCode.EXECUTION_CONFLICT, "execution " + executionId + " is marked "
					+ execution.getStatus() + " but no live process runs it; relaunch it with 'drbatch restart "
					+ executionId + "' or give it up with 'drbatch abandon " + executionId + "'");
		}
		try {
			this.jobOperator.stop(execution);
		}
		catch (org.springframework.batch.core.launch.JobExecutionNotRunningException ex) {
			this.out.println("execution " + executionId + " has already ended");
			return ExitCode.OK;
		}
		this.out.println("asked execution " + executionId + " (" + owner.get().describe() + ") to stop");
		Instant deadline = this.clock.instant().plus(wait);
		while (this.clock.instant().isBefore(deadline)) {
			JobExecution now = this.jobRepository.getJobExecution(executionId);
			if (now != null && !now.getStatus().isRunning()) {
				this.out.println("execution " + executionId + " " + now.getStatus() + "; relaunch it with 'drbatch restart "
						+ executionId + "'");
				return ExitCode.OK;
			}
			try {
				Thread.sleep(500);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				break;
			}
		}
		throw new CliFailure(ExitCode.EXECUTION_CONFLICT, "execution " + executionId + " has not stopped within "
				+ wait.toSeconds() + " s; it is marked STOPPING and stops at its next step boundary");
	}

	/**
	 * SIGTERM: asks the jobs this process runs, if any, to stop, and kills their child processes, in that order: a
	 * step whose child process dies at once updates its execution in the job repository, which must not race with
	 * marking the execution STOPPING (a lost race ends it UNKNOWN, not restartable).
	 */
	void stopRunningJobs() {
		java.util.Collection<JobExecution> running = this.heartbeat.running();
		this.stopSignal.record("termination signal");
		for (JobExecution execution : running) {
			try {
				this.jobOperator.stop(execution);
			}
			catch (Exception ex) {
				log.warn("Could not mark execution {} STOPPING: {}", execution.getId(), ex.getMessage());
			}
		}
		this.stopSignal.request("termination signal");
	}

	ExitCode lockStatus() {
		this.out.printf("%-12s %-28s %-8s %-11s %-6s %-26s %s%n", "TARGET", "BUCKET", "EXISTS", "VERSIONING", "LOCK",
				"DEFAULT RETENTION", "LIFECYCLE");
		for (String name : this.targets.names()) {
			var store = this.targets.get(name);
			if (!(store instanceof io.drbatch.store.BucketProtection protection)) {
				this.out.printf("%-12s %-28s (this store cannot report Object Lock)%n", name, store.location());
				continue;
			}
			var state = protection.read();
			this.out.printf("%-12s %-28s %-8s %-11s %-6s %-26s %s%n", name, store.location(), state.exists() ? "yes" : "NO",
					state.versioning() != null ? state.versioning() : "never set", state.lockEnabled() ? "yes" : "no",
					state.lockMode() != null ? state.lockMode() + " " + state.lockDays() + " days" : "-",
					(state.abortIncompleteUploadsDays() != null ? "abort uploads " + state.abortIncompleteUploadsDays() + "d " : "")
							+ (state.noncurrentVersionExpirationDays() != null
									? "expire noncurrent " + state.noncurrentVersionExpirationDays() + "d" : ""));
		}
		return ExitCode.OK;
	}

	ExitCode status() {
		return this.recoveryStatus.print(this.out);
	}

	ExitCode runScheduler() {
		this.schedulerMode.run();
		this.out.println("scheduler stopped");
		return ExitCode.OK;
	}

	/** SIGTERM in scheduler mode: no new fires, running jobs stopped (STOPPED, restartable). */
	void stopScheduler() {
		this.schedulerMode.requestShutdown();
		stopRunningJobs();
	}

	ExitCode abandon(long executionId) {
		JobExecution execution = execution(executionId);
		try {
			this.jobOperator.abandon(execution);
		}
		catch (JobExecutionAlreadyRunningException ex) {
			throw new CliFailure(ExitCode.EXECUTION_CONFLICT, "execution " + executionId + " is " + execution.getStatus()
					+ " and cannot be abandoned");
		}
		this.out.println("execution " + executionId + " abandoned");
		return ExitCode.OK;
	}

	ExitCode history(String jobName, int limit) {
		if (jobName != null && !this.descriptors.containsKey(jobName)) {
			throw new CliFailure(ExitCode.BAD_ARGUMENT,
					"unknown job '" + jobName + "'; jobs: " + String.join(", ", this.descriptors.keySet()));
		}
		List<JobExecution> executions = new ArrayList<>();
		for (String name : jobName != null ? List.of(jobName) : List.copyOf(this.descriptors.keySet())) {
			for (JobInstance instance : this.jobRepository.getJobInstances(name, 0, limit)) {
				executions.addAll(this.jobRepository.getJobExecutions(instance));
			}
		}
		executions.sort(Comparator.comparing(JobExecution::getId).reversed());
		this.out.printf("%-6s %-14s %-10s %-20s %9s %11s %11s  %s%n", "ID", "JOB", "STATUS", "STARTED (UTC)",
				"DURATION", "BYTES IN", "BYTES OUT", "PARAMETERS / EXIT");
		for (JobExecution execution : executions) {
			ExecutionContext context = execution.getExecutionContext();
			this.out.printf("%-6d %-14s %-10s %-20s %9s %11s %11s  %s%s%n", execution.getId(),
					execution.getJobInstance().getJobName(), execution.getStatus(), time(execution.getStartTime()),
					duration(execution), bytes(context, "drbatch.bytes.in"), bytes(context, "drbatch.bytes.out"),
					describe(execution.getJobParameters()), exitSummary(execution));
		}
		if (executions.isEmpty()) {
			this.out.println("(no executions)");
		}
		return ExitCode.OK;
	}

	ExitCode backups(String database, String targetName) {
		var store = targetName != null ? this.targets.get(targetName) : this.targets.primary();
		List<BackupManifest> backups = new BackupCatalog(store).list(database);
		this.out.printf("target '%s' %s%n", store.name(), store.location());
		this.out.printf("%-16s %-18s %-8s %-20s %12s %12s %7s %-10s %-6s %-12s %s%n", "DATABASE", "BACKUP", "TIER",
				"SNAPSHOT (UTC)", "DUMPED", "STORED", "TABLES", "FORMAT", "AGE", "CLASS", "RETAINED UNTIL (UTC)");
		Instant now = this.clock.instant();
		for (BackupManifest backup : backups) {
			String storageClass = backup.objects().isEmpty() ? "-"
					: store.head(backup.objects().get(0).key())
						.map(info -> info.storageClass() != null ? info.storageClass() : "STANDARD")
						.orElse("MISSING");
			this.out.printf("%-16s %-18s %-8s %-20s %12d %12d %7d %-10s %-6s %-12s %s%n", backup.database(),
					backup.backupId(), backup.tier(), time(backup.source().snapshotTime()),
					backup.dump().uncompressedBytes(), backup.totalStoredBytes(), backup.tables().size(),
					backup.dump().format() + "+" + backup.dump().compression(),
					age(Duration.between(backup.source().snapshotTime(), now)), storageClass,
					backup.retainUntil() != null ? time(backup.retainUntil()) : "-");
		}
		if (backups.isEmpty()) {
			this.out.println("(no backups" + (database != null ? " of " + database : "") + ")");
		}
		return ExitCode.OK;
	}

	/**
	 * The primary's backups against every target: {@code ok} where the target holds a verified copy (manifest
	 * and objects with matching size and checksum), {@code missing}, {@code DIFFERS} or {@code DOWN}; backups found
	 * only on a secondary; then each secondary's lag.
	 */
	ExitCode replicas(String database) {
		List<BackupManifest> backups = new BackupCatalog(this.targets.primary()).list(database);
		List<String> names = this.targets.names();
		Map<String, Map<String, BackupManifest>> copies = new LinkedHashMap<>();
		Map<String, String> down = new LinkedHashMap<>();
		for (String name : names.subList(1, names.size())) {
			try {
				Map<String, BackupManifest> held = new LinkedHashMap<>();
				new BackupCatalog(this.targets.get(name)).list(database)
					.forEach(copy -> held.put(BackupLayout.manifestKey(copy.tier(), copy.database(), copy.backupId()), copy));
				copies.put(name, held);
			}
			catch (io.drbatch.failure.DrbatchException ex) {
				down.put(name, ex.getMessage());
			}
		}
		StringBuilder header = new StringBuilder(String.format("%-16s %-18s %-8s %-20s %12s", "DATABASE", "BACKUP", "TIER",
				"SNAPSHOT (UTC)", "STORED"));
		names.forEach(name -> header.append(String.format(" %-12s", name)));
		this.out.println(header.toString().stripTrailing());
		for (BackupManifest backup : backups) {
			String key = BackupLayout.manifestKey(backup.tier(), backup.database(), backup.backupId());
			StringBuilder row = new StringBuilder(String.format("%-16s %-18s %-8s %-20s %12d", backup.database(),
					backup.backupId(), backup.tier(), time(backup.source().snapshotTime()), backup.totalStoredBytes()));
			row.append(String.format(" %-12s", "primary"));
			for (String name : names.subList(1, names.size())) {
				String cell;
				if (down.containsKey(name)) {
					cell = "DOWN";
				}
				else {
					String problem = io.drbatch.jobs.replication.ReplicaCheck.problem(this.targets.get(name), backup,
							Optional.ofNullable(copies.get(name).remove(key)), false);
					cell = problem == null ? "ok" : problem.equals("no manifest") ? "missing" : "DIFFERS";
				}
				row.append(String.format(" %-12s", cell));
			}
			this.out.println(row.toString().stripTrailing());
		}
		if (backups.isEmpty()) {
			this.out.println("(no backups" + (database != null ? " of " + database : "") + " on the primary)");
		}
		copies.forEach((name, left) -> left.values().forEach(copy -> this.out.printf("%-16s %-18s %-8s only on '%s'%n",
				copy.database(), copy.backupId(), copy.tier(), name)));
		this.out.println();
		for (String name : names.subList(1, names.size())) {
			this.out.printf("replication to '%s': %s%n", name,
					io.drbatch.jobs.replication.ReplicationLag.measure(backups, this.targets.get(name)).describe());
		}
		if (names.size() == 1) {
			this.out.println("(one target configured: nothing is replicated)");
		}
		return ExitCode.OK;
	}

	ExitCode drills(String database) {
		List<DrillReport> reports = new ArrayList<>(DrillReport.readDrills(this.targets.primary(), database));
		reports.sort(Comparator.comparing(DrillReport::drillStarted).reversed());
		this.out.printf("%-16s %-20s %-7s %-18s %-22s %-22s %s%n", "DATABASE", "DRILL (UTC)", "RESULT", "BACKUP", "RTO / TARGET",
				"RPO / TARGET", "TABLES");
		for (DrillReport report : reports) {
			this.out.printf("%-16s %-20s %-7s %-18s %-22s %-22s %d%s%n", report.database(), time(report.drillStarted()),
					report.result(), report.backupId() != null ? report.backupId() : "-",
					DrillReport.human(report.rtoMillis()) + " / " + DrillReport.human(report.rtoTargetMillis()),
					(report.rpoMillis() >= 0 ? DrillReport.human(report.rpoMillis()) : "-") + " / "
							+ DrillReport.human(report.rpoTargetMillis()),
					report.tables().size(), report.failures().isEmpty() ? "" : "  | " + report.failures().get(0));
		}
		if (reports.isEmpty()) {
			this.out.println("(no drills" + (database != null ? " of " + database : "") + ")");
		}
		return ExitCode.OK;
	}

	/**
	 * Loads what every run loads (job repository queries, the storage client and one request) and reports
	 * nothing; failures are ignored, since only the classes loaded on the way matter.
	 */
	ExitCode warmup() {
		for (String name : this.descriptors.keySet()) {
			this.jobRepository.getJobInstances(name, 0, 1);
		}
		for (String name : this.targets.names()) {
			try {
				this.targets.get(name).head("drbatch-warmup/none");
			}
			catch (RuntimeException ex) {
				log.debug("Warm-up request to target '{}' failed: {}", name, ex.getMessage());
			}
		}
		return ExitCode.OK;
	}

	private JobExecution execution(long executionId) {
		JobExecution execution;
		try {
			execution = this.jobRepository.getJobExecution(executionId);
		}
		catch (org.springframework.dao.EmptyResultDataAccessException ex) {
			execution = null;
		}
		if (execution == null) {
			throw new CliFailure(ExitCode.BAD_ARGUMENT, "no job execution with id " + executionId);
		}
		return execution;
	}

	/** Prints the outcome of a finished execution and turns it into the process exit code. */
	private ExitCode report(JobExecution execution) {
		String name = execution.getJobInstance().getJobName();
		this.out.printf("%s execution %d %s in %s (%s)%n", name, execution.getId(), execution.getStatus(),
				duration(execution), describe(execution.getJobParameters()));
		printRestoreOutcome(execution);
		if (execution.getStatus() == BatchStatus.COMPLETED) {
			return ExitCode.OK;
		}
		if (execution.getStatus() == BatchStatus.STOPPED) {
			throw new CliFailure(ExitCode.STOPPED, name + " execution " + execution.getId()
					+ " stopped on request; relaunch with 'drbatch restart " + execution.getId() + "'");
		}
		List<Throwable> failures = execution.getAllFailureExceptions();
		for (Throwable failure : failures) {
			if (DrbatchException.find(failure).isEmpty()) {
				log.error("Execution {} failed", execution.getId(), failure);
			}
		}
		Throwable first = failures.isEmpty() ? null : failures.get(0);
		DrbatchException known = first != null ? DrbatchException.find(first).orElse(null) : null;
		String relaunch = "; relaunch with 'drbatch restart " + execution.getId() + "'";
		if (known != null) {
			throw new CliFailure(ExitCode.of(known.kind()), name + " failed: " + known.getMessage() + relaunch);
		}
		throw new CliFailure(ExitCode.JOB_FAILED, name + " " + execution.getStatus()
				+ (first != null ? ": " + DrbatchCli.rootMessage(first) : "") + relaunch);
	}

	/** For restore-drill and restore: what was restored where, and the measured RTO, from the job's report. */
	private void printRestoreOutcome(JobExecution execution) {
		ExecutionContext context = execution.getExecutionContext();
		if (!context.containsKey(DrillContext.RTO_MILLIS) || !context.containsKey(DrillContext.REPORT_KEY)) {
			return;
		}
		this.out.printf("%s %s: backup %s restored into database %s; measured RTO %s; report %s%n",
				execution.getJobInstance().getJobName(), context.getString(DrillContext.RESULT, "?"),
				context.getString(DrillContext.MANIFEST_KEY, "?").replaceAll("^.*/([^/]+)/manifest\\.json$", "$1"),
				context.getString(DrillContext.TARGET_DATABASE, "?"),
				DrillReport.human(context.getLong(DrillContext.RTO_MILLIS)), context.getString(DrillContext.REPORT_KEY));
	}

	private static String describe(JobParameters parameters) {
		return parameters.parameters()
			.stream()
			.map(p -> p.name() + "=" + p.value())
			.sorted()
			.collect(Collectors.joining(" "));
	}

	private static String exitSummary(JobExecution execution) {
		String description = execution.getExitStatus().getExitDescription();
		if (description == null || description.isBlank()) {
			return "";
		}
		String firstLine = description.lines().findFirst().orElse("");
		return " | " + (firstLine.length() > 120 ? firstLine.substring(0, 117) + "..." : firstLine);
	}

	private static String time(LocalDateTime time) {
		return time == null ? "-" : time.atZone(ZoneId.systemDefault()).withZoneSameInstant(ZoneOffset.UTC)
			.toLocalDateTime().withNano(0).toString();
	}

	private static String time(Instant time) {
		return time == null ? "-" : LocalDateTime.ofInstant(time, ZoneOffset.UTC).withNano(0).toString();
	}

	private static String duration(JobExecution execution) {
		if (execution.getStartTime() == null) {
			return "-";
		}
		LocalDateTime end = execution.getEndTime() != null ? execution.getEndTime() : LocalDateTime.now();
		return String.format("%.1fs", Duration.between(execution.getStartTime(), end).toMillis() / 1000.0);
	}

	private static String bytes(ExecutionContext context, String key) {
		return context.containsKey(key) ? String.valueOf(context.getLong(key)) : "-";
	}

	private static String age(Duration age) {
		long minutes = age.toMinutes();
		if (minutes < 120) {
			return minutes + "m";
		}
		if (minutes < 48 * 60) {
			return (minutes / 60) + "h";
		}
		return (minutes / (60 * 24)) + "d";
	}

}
