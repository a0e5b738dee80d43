package io.drbatch.scheduler.status;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

import org.springframework.batch.core.BatchStatus;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.job.JobInstance;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.batch.infrastructure.item.ExecutionContext;
import org.springframework.stereotype.Component;

import io.drbatch.jobs.runcontrol.JobDescriptor;
import io.drbatch.jobs.runcontrol.Relaunch;

/**
 * Job executions from the job repository, newest first, as the web page's history and
 * plots show them: status, duration, bytes read and stored, parameters, exit description,
 * and for a failed or stopped execution the command that relaunches it. Reads only;
 * thread-safe.
 */
@Component
public class HistoryReader {

	/**
	 * One job execution. Times ISO-8601 UTC; {@code null} for unknown.
	 *
	 * @param exitDescription the first line of the execution's exit description: the
	 * failure's message without its exception class (the stack trace stays in the job
	 * repository and the log)
	 */
	public record Execution(long executionId, String job, String status, Instant started, Instant ended,
			Long durationMillis, Long bytesIn, Long bytesOut, String parameters, String exitCode,
			String exitDescription, String relaunch) {
	}

	private static final java.util.regex.Pattern EXCEPTION_PREFIX = java.util.regex.Pattern
		.compile("^([a-zA-Z_$][\\w$]*\\.)+[\\w$]*(Exception|Error): ");

	private final JobRepository jobRepository;

	private final List<JobDescriptor> descriptors;

	public HistoryReader(JobRepository jobRepository, List<JobDescriptor> descriptors) {
		this.jobRepository = jobRepository;
		this.descriptors = descriptors;
	}

	/**
	 * The executions of the newest {@code instancesPerJob} instances of each job, or of
	 * {@code job} alone, started at or after {@code since} ({@code null}: any time).
	 */
	public List<Execution> read(String job, int instancesPerJob, Instant since) {
		List<Execution> history = new ArrayList<>();
		for (JobExecution execution : executions(job, instancesPerJob)) {
			Instant started = instant(execution.getStartTime());
			if (since != null && (started == null || started.isBefore(since))) {
				continue;
			}
			Instant ended = instant(execution.getEndTime());
			ExecutionContext context = execution.getExecutionContext();
			BatchStatus status = execution.getStatus();
			boolean relaunchable = status == BatchStatus.FAILED || status == BatchStatus.STOPPED;
			String description = execution.getExitStatus().getExitDescription();
			history
				.add(new Execution(execution.getId(), execution.getJobInstance().getJobName(), status.name(), started,
						ended, started != null && ended != null ? Duration.between(started, ended).toMillis() : null,
						bytes(context, "drbatch.bytes.in"), bytes(context, "drbatch.bytes.out"),
						StatusReader.parameters(execution), execution.getExitStatus().getExitCode(),
						description == null || description.isBlank() ? null : firstLine(description),
						relaunchable ? Relaunch.command(execution.getId()) : null));
		}
		return history;
	}

	/**
	 * The executions of the newest {@code instancesPerJob} instances of each job, or of
	 * {@code job} alone, newest first, as the job repository holds them (the CLI's
	 * {@code drbatch history} formats them its own way).
	 */
	public List<JobExecution> executions(String job, int instancesPerJob) {
		List<JobExecution> executions = new ArrayList<>();
		for (JobDescriptor descriptor : this.descriptors) {
			if (job != null && !descriptor.jobName().equals(job)) {
				continue;
			}
			for (JobInstance instance : this.jobRepository.getJobInstances(descriptor.jobName(), 0, instancesPerJob)) {
				executions.addAll(this.jobRepository.getJobExecutions(instance));
			}
		}
		executions.sort(Comparator.comparing(JobExecution::getId).reversed());
		return executions;
	}

	/** The first line, without the exception's class name in front of its message. */
	static String firstLine(String text) {
		int end = text.indexOf('\n');
		String line = (end < 0 ? text : text.substring(0, end)).strip();
		return EXCEPTION_PREFIX.matcher(line).replaceFirst("");
	}

	private static Long bytes(ExecutionContext context, String key) {
		return context.containsKey(key) ? context.getLong(key) : null;
	}

	private static Instant instant(LocalDateTime time) {
		return time == null ? null : time.atZone(ZoneId.systemDefault()).toInstant();
	}

}
