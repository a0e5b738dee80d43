package io.drbatch.scheduler.quartz;

import java.text.ParseException;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TimeZone;

import org.quartz.CronExpression;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.batch.core.BatchStatus;
import org.springframework.batch.core.job.Job;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.launch.JobExecutionAlreadyRunningException;
import org.springframework.batch.core.launch.JobInstanceAlreadyCompleteException;
import org.springframework.batch.core.launch.JobOperator;

import io.drbatch.jobs.runcontrol.JobDescriptor;
import io.drbatch.jobs.runcontrol.LaunchRetry;
import io.drbatch.jobs.runcontrol.Relaunch;
import io.drbatch.jobs.runcontrol.SourceFanOut;
import io.drbatch.jobs.wiring.SourceDatabases;

/**
 * Launches a drbatch job for one Quartz fire, once per configured source database it
 * applies to, {@code drbatch.fleet.parallelism} sources at a time ({@link SourceFanOut};
 * once in all for a job without a {@code database} parameter, such as retention), with
 * the fire's date as the job's date parameter ({@code backup.date}, {@code drill.date};
 * replication, which runs several times a day, gets the time itself in
 * {@code replication.date}). The date is that of the fire's <em>logical</em> time: the
 * latest time of the cron schedule not after the moment the fire was due, so that a
 * misfire catch-up (the scheduler was down at 02:00 and fires at 02:40, or the next day
 * at 01:00) carries the date of the run it makes up for. Because the date identifies the
 * job instance, a duplicate fire or a second catch-up lands on the same instance and does
 * nothing. Outcomes are logged, a line per source and one for the fire; a failed run
 * waits for {@code drbatch restart}. After {@link #stop()} no further source is launched.
 * Thread-safe.
 */
public class ScheduledLauncher {

	private static final Logger log = LoggerFactory.getLogger(ScheduledLauncher.class);

	/**
	 * How far back the logical time of a fire is looked for, widening until a schedule
	 * time is found: short windows first keep a frequent schedule cheap; the last covers
	 * a weekly schedule's period and a day.
	 */
	private static final List<Duration> LOOKBACK = List.of(Duration.ofMinutes(1), Duration.ofHours(1),
			Duration.ofDays(1), Duration.ofDays(8));

	private final JobOperator jobOperator;

	private final Map<String, Job> jobs;

	private final Map<String, JobDescriptor> descriptors;

	private final SourceDatabases sources;

	private final SourceFanOut fanOut;

	private volatile boolean stopping;

	public ScheduledLauncher(JobOperator jobOperator, Map<String, Job> jobs, Map<String, JobDescriptor> descriptors,
			SourceDatabases sources, SourceFanOut fanOut) {
		this.jobOperator = jobOperator;
		this.jobs = jobs;
		this.descriptors = descriptors;
		this.sources = sources;
		this.fanOut = fanOut;
	}

	void launch(String jobName, String cron, Instant scheduled, Instant fired, String instance) {
		Instant logical = logicalTime(cron, scheduled);
		String date = LocalDate.ofInstant(logical, ZoneOffset.UTC).toString();
		log.info("Fire of {} due at {} (schedule time {}, date {}) on scheduler instance {}", jobName, scheduled,
				logical, date, instance);
		JobDescriptor descriptor = this.descriptors.get(jobName);
		if (descriptor.parameters().stream().noneMatch(p -> p.key().endsWith(".date"))) {
			throw new IllegalStateException("job " + jobName + " has no date parameter to schedule by");
		}
		if (!descriptor.takesDatabase()) {
			launchOne(descriptor, null, logical, date);
			return;
		}
		List<String> databases = descriptor.sourcesAmong(this.sources.names());
		SourceFanOut.Width width = this.fanOut.width(jobName, databases.size());
		width.lowered().ifPresent(why -> log.warn("{}: {}", jobName, why));
		if (databases.size() > 1) {
			log.info("Fire of {} for {}: {} sources ({}), {} at a time", jobName, date, databases.size(),
					String.join(", ", databases), width.parallelism());
		}
		try {
			List<Boolean> completed = this.fanOut.run(jobName, databases, width.parallelism(), "drbatch-fire",
					database -> launchOne(descriptor, database, logical, date));
			if (databases.size() > 1) {
				log.info("Fire of {} for {}: {} of {} sources completed", jobName, date,
						completed.stream().filter(Boolean::booleanValue).count(), databases.size());
			}
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			log.warn("Fire of {} for {} interrupted; sources not yet launched were not launched", jobName, date);
		}
	}

	/**
	 * Launches {@code descriptor}'s job for {@code database} ({@code null} for a job
	 * without one) and logs the outcome; never throws.
	 * @return whether the job instance is complete (now or already)
	 */
	private boolean launchOne(JobDescriptor descriptor, String database, Instant logical, String date) {
		String jobName = descriptor.jobName();
		String of = database != null ? database : "all databases";
		if (this.stopping) {
			log.warn("Scheduled {} of {} for {} not launched: the scheduler is stopping", jobName, of, date);
			return false;
		}
		Map<String, String> given = new LinkedHashMap<>();
		if (database != null) {
			given.put("database", database);
		}
		// the date parameter is left to its default, computed from the logical time: a
		// date for daily jobs, the time itself for jobs that run several times a day
		// (replication)
		try {
			var parameters = descriptor.toJobParameters(given, java.time.Clock.fixed(logical, ZoneOffset.UTC));
			JobExecution execution = LaunchRetry.launch(jobName + " of " + of,
					() -> this.jobOperator.start(this.jobs.get(jobName), parameters));
			if (execution.getStatus() == BatchStatus.COMPLETED) {
				log.info("Scheduled {} of {} for {}: execution {} COMPLETED", jobName, of, date, execution.getId());
				return true;
			}
			log.error("Scheduled {} of {} for {}: execution {} {}; relaunch with '{}'", jobName, of, date,
					execution.getId(), execution.getStatus(), Relaunch.command(execution.getId()));
			return false;
		}
		catch (JobInstanceAlreadyCompleteException ex) {
			log.info("Scheduled {} of {} for {} already completed; nothing to do", jobName, of, date);
			return true;
		}
		catch (JobExecutionAlreadyRunningException ex) {
			log.warn("Scheduled {} of {} for {} is already running or was left STARTED; not launched again", jobName,
					of, date);
			return false;
		}
		catch (Exception ex) {
			log.error("Scheduled {} of {} for {} could not be launched: {}", jobName, of, date, ex.getMessage());
			return false;
		}
	}

	/**
	 * Launches nothing more: a fire under way launches none of its sources not launched
	 * yet (those running are stopped by the process's stop request).
	 */
	void stop() {
		this.stopping = true;
	}

	/**
	 * The latest time of {@code cron} not after {@code due}; {@code due} itself when none
	 * is found.
	 */
	static Instant logicalTime(String cron, Instant due) {
		try {
			CronExpression expression = new CronExpression(cron);
			expression.setTimeZone(TimeZone.getTimeZone(ZoneOffset.UTC));
			for (Duration window : LOOKBACK) {
				Date candidate = expression.getTimeAfter(Date.from(due.minus(window).minusMillis(1)));
				Date latest = null;
				while (candidate != null && !candidate.toInstant().isAfter(due)) {
					latest = candidate;
					candidate = expression.getTimeAfter(candidate);
				}
				if (latest != null) {
					return latest.toInstant();
				}
			}
			return due;
		}
		catch (ParseException ex) {
			return due;
		}
	}

	List<String> jobNames() {
		return List.copyOf(this.descriptors.keySet());
	}

}
