package io.drbatch.scheduler.cli;

import java.io.PrintStream;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
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
import io.drbatch.failure.FailureKind;
import io.drbatch.jobs.restore.DrillContext;
import io.drbatch.jobs.restore.DrillReport;
import io.drbatch.jobs.runcontrol.ExecutionHeartbeat;
import io.drbatch.jobs.runcontrol.JobDescriptor;
import io.drbatch.jobs.runcontrol.LaunchRetry;
import io.drbatch.jobs.runcontrol.StopSignal;
import io.drbatch.jobs.wiring.SourceDatabases;
import io.drbatch.jobs.wiring.StoreTargets;
import io.drbatch.scheduler.quartz.SchedulerMode;
import io.drbatch.jobs.runcontrol.Relaunch;
import io.drbatch.jobs.runcontrol.SourceFanOut;

/**
 * Job control for the CLI: launches and relaunches jobs through the {@link JobOperator},
 * asks running executions to stop, abandons them, runs scheduler mode, and turns an
 * execution's outcome into an {@link ExitCode} and one line for people. Errors are thrown
 * as {@link CliFailure} or {@link DrbatchException}. Used by one command at a time;
 * {@link #stopRunningJobs} may be called from the signal thread.
 */
@Component
class JobControl {

	private static final Logger log = LoggerFactory.getLogger(JobControl.class);

	private final JobOperator jobOperator;

	private final JobRepository jobRepository;

	private final Map<String, Job> jobs;

	private final JobDescriptors descriptors;

	private final StoreTargets targets;

	private final Clock clock;

	private final ExecutionHeartbeat heartbeat;

	private final StopSignal stopSignal;

	private final SchedulerMode schedulerMode;

	private final PrintStream out = System.out;

	private final SourceDatabases sources;

	private final SourceFanOut fanOut;

	/** Set on SIGTERM: a run over every source starts no further source. */
	private volatile boolean stopping;

	JobControl(JobOperator jobOperator, JobRepository jobRepository, List<Job> jobs, JobDescriptors descriptors,
			StoreTargets targets, Clock clock, ExecutionHeartbeat heartbeat, StopSignal stopSignal,
			SchedulerMode schedulerMode, SourceDatabases sources, SourceFanOut fanOut) {
		this.jobOperator = jobOperator;
		this.jobRepository = jobRepository;
		this.jobs = jobs.stream().collect(Collectors.toMap(Job::getName, Function.identity()));
		this.descriptors = descriptors;
		this.targets = targets;
		this.clock = clock;
		this.heartbeat = heartbeat;
		this.stopSignal = stopSignal;
		this.schedulerMode = schedulerMode;
		this.sources = sources;
		this.fanOut = fanOut;
	}

	/**
	 * Runs {@code jobName} with the given parameters; a job that runs for every source
	 * when no {@code database} is named, and applies to more than one, runs once per
	 * source (see {@link #runForEverySource}).
	 */
	ExitCode run(String jobName, Map<String, String> given) {
		JobDescriptor descriptor = this.descriptors.get(jobName);
		if (descriptor.everySource() && !given.containsKey("database")) {
			List<String> databases = descriptor.sourcesAmong(this.sources.names());
			if (databases.size() > 1) {
				return runForEverySource(jobName, given, databases);
			}
		}
		return runOne(jobName, given);
	}

	/** One source's outcome in a run over every source. */
	private record SourceOutcome(String database, ExitCode exitCode, String message) {
	}

	/**
	 * Runs {@code jobName} for each of {@code databases}, each its own job instance (a
	 * relaunch of one repeats none of the others), {@code drbatch.fleet.parallelism} at a
	 * time; a source that fails never stops the others. Prints a line per source and
	 * fails, when any source failed, with the exit code of the first failed source in
	 * configuration order. After SIGTERM no further source starts.
	 */
	private ExitCode runForEverySource(String jobName, Map<String, String> given, List<String> databases) {
		SourceFanOut.Width width = this.fanOut.width(jobName, databases.size());
		width.lowered().ifPresent(why -> this.out.println(jobName + ": " + why));
		this.out.printf("%s: %d sources (%s), %d at a time%n", jobName, databases.size(), String.join(", ", databases),
				width.parallelism());
		try {
			return summarize(jobName, this.fanOut.run(jobName, databases, width.parallelism(), "drbatch-source",
					database -> runSource(jobName, given, database)));
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new CliFailure(ExitCode.STOPPED, jobName + " interrupted");
		}
	}

	private SourceOutcome runSource(String jobName, Map<String, String> given, String database) {
		if (this.stopping) {
			return new SourceOutcome(database, ExitCode.STOPPED, "not started: stop requested");
		}
		Map<String, String> one = new java.util.LinkedHashMap<>(given);
		one.put("database", database);
		try {
			return new SourceOutcome(database, runOne(jobName, one), null);
		}
		catch (CliFailure ex) {
			return new SourceOutcome(database, ex.exitCode(), ex.getMessage());
		}
		catch (DrbatchException ex) {
			return new SourceOutcome(database, ExitCode.of(ex.kind()), ex.getMessage());
		}
		catch (RuntimeException ex) {
			log.error("{} of {} failed", jobName, database, ex);
			return new SourceOutcome(database, ExitCode.JOB_FAILED, DrbatchCli.rootMessage(ex));
		}
	}

	private ExitCode summarize(String jobName, List<SourceOutcome> outcomes) {
		List<SourceOutcome> failed = outcomes.stream().filter(o -> o.exitCode() != ExitCode.OK).toList();
		this.out.printf("%s: %d of %d sources succeeded%n", jobName, outcomes.size() - failed.size(), outcomes.size());
		for (SourceOutcome outcome : outcomes) {
			this.out.printf("  %-24s %s%n", outcome.database(), outcome.exitCode() == ExitCode.OK ? "OK"
					: "FAILED (exit " + outcome.exitCode().code() + "): " + outcome.message());
		}
		if (failed.isEmpty()) {
			return ExitCode.OK;
		}
		throw new CliFailure(failed.get(0).exitCode(),
				jobName + " failed for " + failed.size() + " of " + outcomes.size() + " sources: "
						+ String.join(", ", failed.stream().map(SourceOutcome::database).toList())
						+ " (each listed above with its error; the others completed)");
	}

	private ExitCode runOne(String jobName, Map<String, String> given) {
		JobDescriptor descriptor = this.descriptors.get(jobName);
		JobParameters parameters = descriptor.toJobParameters(given, this.clock);
		Job job = this.jobs.get(jobName);
		JobExecution execution;
		try {
			execution = LaunchRetry.launch(jobName + " " + Formats.parameters(parameters),
					() -> this.jobOperator.start(job, parameters));
		}
		catch (JobInstanceAlreadyCompleteException ex) {
			JobExecution done = this.jobRepository.getLastJobExecution(jobName, parameters);
			this.out.println(jobName + " " + Formats.parameters(parameters) + " already completed in execution "
					+ (done != null ? done.getId() : "?") + "; nothing to do");
			return ExitCode.OK;
		}
		catch (JobExecutionAlreadyRunningException ex) {
			JobExecution running = this.jobRepository.getLastJobExecution(jobName, parameters);
			long id = running != null ? running.getId() : -1;
			Optional<ExecutionHeartbeat.Owner> owner = id >= 0 ? this.heartbeat.owner(id) : Optional.empty();
			if (owner.isPresent() && owner.get().alive()) {
				throw new CliFailure(ExitCode.EXECUTION_CONFLICT, jobName + " " + Formats.parameters(parameters)
						+ " is already running as execution " + id + " (" + owner.get().describe() + ")");
			}
			throw new CliFailure(ExitCode.EXECUTION_CONFLICT,
					jobName + " " + Formats.parameters(parameters) + " has execution " + (id >= 0 ? id : "?")
							+ " still marked " + (running != null ? running.getStatus() : "running")
							+ " but no live process runs it; relaunch it with '"
							+ Relaunch.command(id >= 0 ? id : "<id>") + "'");
		}
		catch (JobRestartException ex) {
			throw new CliFailure(ExitCode.EXECUTION_CONFLICT,
					jobName + " " + Formats.parameters(parameters) + " cannot be relaunched: " + ex.getMessage());
		}
		catch (InvalidJobParametersException ex) {
			throw new CliFailure(ExitCode.BAD_ARGUMENT, ex.getMessage());
		}
		catch (RuntimeException ex) {
			throw ex;
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new CliFailure(ExitCode.STOPPED, jobName + " interrupted before it started");
		}
		catch (Exception ex) {
			throw new IllegalStateException(ex);
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
			throw new CliFailure(ExitCode.EXECUTION_CONFLICT,
					"execution " + executionId + " is not the latest of its job instance; " + "the latest is "
							+ last.getId() + " (" + last.getStatus() + ")");
		}
		if (status.isRunning()) {
			Optional<ExecutionHeartbeat.Owner> owner = this.heartbeat.owner(executionId);
			if (owner.isPresent() && owner.get().alive()) {
				throw new CliFailure(ExitCode.EXECUTION_CONFLICT,
						"execution " + executionId + " is " + status + " and still running (" + owner.get().describe()
								+ ", heartbeat at " + owner.get().beatAt() + "); stop it first with 'drbatch stop "
								+ executionId + "'");
			}
			log.warn("Execution {} is marked {} but its process is gone ({}); marking it FAILED before the relaunch",
					executionId, status,
					owner.map(o -> o.describe() + ", last heartbeat " + o.beatAt()).orElse("no heartbeat"));
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
	 * Asks a running execution to stop: marks it STOPPING; the process running it sees
	 * that on its next heartbeat and stops its step. Waits until it has stopped.
	 */
	ExitCode stop(long executionId, Duration wait) {
		JobExecution execution = execution(executionId);
		if (!execution.getStatus().isRunning()) {
			throw new CliFailure(ExitCode.EXECUTION_CONFLICT,
					"execution " + executionId + " is " + execution.getStatus() + ", not running; nothing to stop");
		}
		Optional<ExecutionHeartbeat.Owner> owner = this.heartbeat.owner(executionId);
		if (owner.isEmpty() || !owner.get().alive()) {
			throw new CliFailure(ExitCode.EXECUTION_CONFLICT,
					"execution " + executionId + " is marked " + execution.getStatus()
							+ " but no live process runs it; relaunch it with '" + Relaunch.command(executionId)
							+ "' or give it up with 'drbatch abandon " + executionId + "'");
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
				this.out.println("execution " + executionId + " " + now.getStatus() + "; relaunch it with '"
						+ Relaunch.command(executionId) + "'");
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
	 * SIGTERM: asks the jobs this process runs, if any, to stop, and kills their child
	 * processes, in that order: a step whose child process dies at once updates its
	 * execution in the job repository, which must not race with marking the execution
	 * STOPPING (a lost race ends it UNKNOWN, not restartable).
	 */
	void stopRunningJobs() {
		this.stopping = true;
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

	ExitCode runScheduler() {
		this.schedulerMode.run();
		this.out.println("scheduler stopped");
		return ExitCode.OK;
	}

	/**
	 * SIGTERM in scheduler mode: no new fires, running jobs stopped (STOPPED,
	 * restartable).
	 */
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
			throw new CliFailure(ExitCode.EXECUTION_CONFLICT,
					"execution " + executionId + " is " + execution.getStatus() + " and cannot be abandoned");
		}
		this.out.println("execution " + executionId + " abandoned");
		return ExitCode.OK;
	}

	/**
	 * Loads what every run loads (job repository queries, the storage client and one
	 * request) and reports nothing; failures are ignored, since only the classes loaded
	 * on the way matter.
	 */
	ExitCode warmup() {
		for (String name : this.descriptors.names()) {
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

	/**
	 * Prints the outcome of a finished execution and turns it into the process exit code.
	 */
	private ExitCode report(JobExecution execution) {
		String name = execution.getJobInstance().getJobName();
		this.out.printf("%s execution %d %s in %s (%s)%n", name, execution.getId(), execution.getStatus(),
				Formats.duration(execution), Formats.parameters(execution.getJobParameters()));
		printRestoreOutcome(execution);
		if (execution.getExecutionContext().containsKey(io.drbatch.jobs.runcontrol.JobOutcome.KEY)) {
			this.out.println(execution.getExecutionContext().getString(io.drbatch.jobs.runcontrol.JobOutcome.KEY));
		}
		if (execution.getStatus() == BatchStatus.COMPLETED) {
			return ExitCode.OK;
		}
		if (execution.getStatus() == BatchStatus.STOPPED) {
			throw new CliFailure(ExitCode.STOPPED, name + " execution " + execution.getId()
					+ " stopped on request; relaunch with '" + Relaunch.command(execution.getId()) + "'");
		}
		List<Throwable> failures = execution.getAllFailureExceptions();
		for (Throwable failure : failures) {
			if (DrbatchException.find(failure).isEmpty()) {
				log.error("Execution {} failed", execution.getId(), failure);
			}
		}
		Throwable first = failures.isEmpty() ? null : failures.get(0);
		DrbatchException known = first != null ? DrbatchException.find(first).orElse(null) : null;
		String relaunch = "; relaunch with '" + Relaunch.command(execution.getId()) + "'";
		if (known != null && known.kind() == FailureKind.DATABASE_LOGIN_REFUSED) {
			// no relaunch hint: relaunching cannot help until the login is fixed
			throw new CliFailure(ExitCode.of(known.kind()), name + " failed: " + known.getMessage());
		}
		if (known != null) {
			throw new CliFailure(ExitCode.of(known.kind()), name + " failed: " + known.getMessage() + relaunch);
		}
		throw new CliFailure(ExitCode.JOB_FAILED, name + " " + execution.getStatus()
				+ (first != null ? ": " + DrbatchCli.rootMessage(first) : "") + relaunch);
	}

	/**
	 * For restore-drill and restore: what was restored where, and the measured RTO, from
	 * the job's report.
	 */
	private void printRestoreOutcome(JobExecution execution) {
		ExecutionContext context = execution.getExecutionContext();
		if (!context.containsKey(DrillContext.RTO_MILLIS) || !context.containsKey(DrillContext.REPORT_KEY)
				|| !context.containsKey(DrillContext.MANIFEST_KEY)) {
			return;
		}
		this.out.printf("%s %s: backup %s restored into database %s; measured RTO %s; report %s%n",
				execution.getJobInstance().getJobName(), context.getString(DrillContext.RESULT, "?"),
				context.getString(DrillContext.MANIFEST_KEY, "?").replaceAll("^.*/([^/]+)/manifest\\.json$", "$1"),
				context.getString(DrillContext.TARGET_DATABASE, "?"),
				DrillReport.human(context.getLong(DrillContext.RTO_MILLIS)),
				context.getString(DrillContext.REPORT_KEY));
	}

}
