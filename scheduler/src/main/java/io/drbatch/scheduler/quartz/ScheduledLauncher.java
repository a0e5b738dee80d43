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
import io.drbatch.jobs.wiring.SourceDatabases;
import io.drbatch.jobs.runcontrol.LaunchRetry;

/**
 * Launches a drbatch job for one Quartz fire, once per configured source database (once
 * in all for a job without a {@code database} parameter, such as retention), with the
 * fire's date as the job's date parameter ({@code backup.date}, {@code drill.date};
 * replication, which runs several times a day, gets the time itself in
 * {@code replication.date}). The date is that of the fire's <em>logical</em> time: the
 * latest time of the cron schedule not after the moment the fire was due, so that a
 * misfire catch-up (the scheduler was down at 02:00 and fires at 02:40, or the next day
 * at 01:00) carries the date of the run it makes up for. Because the date identifies the
 * job instance, a duplicate fire or a second catch-up lands on the same instance and does
 * nothing. Outcomes are logged; a failed run waits for {@code drbatch restart}.
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

	public ScheduledLauncher(JobOperator jobOperator, Map<String, Job> jobs, Map<String, JobDescriptor> descriptors,
			SourceDatabases sources) {
		this.jobOperator = jobOperator;
		this.jobs = jobs;
		this.descriptors = descriptors;
		this.sources = sources;
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
		boolean perDatabase = descriptor.takesDatabase();
		List<String> databases = perDatabase ? descriptor.sourcesAmong(this.sources.names()) : List.of("all databases");
		for (String database : databases) {
			Map<String, String> given = new LinkedHashMap<>();
			if (perDatabase) {
				given.put("database", database);
			}
			// the date parameter is left to its default, computed from the logical time:
			// a date for daily jobs, the
			// time itself for jobs that run several times a day (replication)
			try {
				var parameters = descriptor.toJobParameters(given, java.time.Clock.fixed(logical, ZoneOffset.UTC));
				JobExecution execution = LaunchRetry.launch(jobName + " of " + database,
						() -> this.jobOperator.start(this.jobs.get(jobName), parameters));
				if (execution.getStatus() == BatchStatus.COMPLETED) {
					log.info("Scheduled {} of {} for {}: execution {} COMPLETED", jobName, database, date,
							execution.getId());
				}
				else {
					log.error("Scheduled {} of {} for {}: execution {} {}; relaunch with 'drbatch restart {}'", jobName,
							database, date, execution.getId(), execution.getStatus(), execution.getId());
				}
			}
			catch (JobInstanceAlreadyCompleteException ex) {
				log.info("Scheduled {} of {} for {} already completed; nothing to do", jobName, database, date);
			}
			catch (JobExecutionAlreadyRunningException ex) {
				log.warn("Scheduled {} of {} for {} is already running or was left STARTED; not launched again",
						jobName, database, date);
			}
			catch (Exception ex) {
				log.error("Scheduled {} of {} for {} could not be launched: {}", jobName, database, date,
						ex.getMessage());
			}
		}
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
