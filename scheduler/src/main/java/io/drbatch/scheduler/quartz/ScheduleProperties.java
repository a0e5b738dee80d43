package io.drbatch.scheduler.quartz;

import java.text.ParseException;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;

import org.quartz.CronExpression;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

import io.drbatch.jobs.runcontrol.JobNames;

/**
 * When {@code drbatch scheduler} launches each job: Quartz cron expressions (seconds
 * first, UTC) by job name. The defaults ({@link #DEFAULT_CRON}) follow the plan:
 * daily-dump 02:00 every day, restore-drill 03:00 on Sundays, archive-tiering and
 * retention after the dump, replication every 15 minutes, wal-archive every 5 minutes,
 * base-backup 02:15 every day, pitr-drill 03:30 on Sundays; a configured expression
 * replaces its job's default, and an empty one removes the job from the schedule. Checked
 * at startup: an expression Quartz cannot parse is refused with its key.
 *
 * @param cron job name to cron expression, e.g. {@code daily-dump: "0 0 2 * * ?"}
 * @param misfireThreshold how late a fire may be before it counts as misfired (the
 * scheduler was down, or every thread was busy); a misfired trigger fires once as soon as
 * it can, then keeps its schedule
 * @param threads jobs that may run at the same time in one scheduler process
 * @param clusterCheckin how often each scheduler process tells the others it is alive; a
 * process silent for longer is presumed dead and its fired-but-unfinished triggers are
 * recovered by another
 */
@ConfigurationProperties("drbatch.schedule")
public record ScheduleProperties(Map<String, String> cron, @DefaultValue("60s") Duration misfireThreshold,
		@DefaultValue("2") int threads, @DefaultValue("7s") Duration clusterCheckin) {

	/** The plan's schedule, under whatever is configured. */
	public static final Map<String, String> DEFAULT_CRON = Map.of(JobNames.DAILY_DUMP, "0 0 2 * * ?",
			JobNames.RESTORE_DRILL, "0 0 3 ? * SUN", JobNames.ARCHIVE_TIERING, "0 0 4 * * ?", JobNames.RETENTION,
			"0 30 4 * * ?", JobNames.REPLICATION, "0 */15 * * * ?", JobNames.WAL_ARCHIVE, "0 */5 * * * ?",
			JobNames.BASE_BACKUP, "0 15 2 * * ?", JobNames.PITR_DRILL, "0 30 3 ? * SUN");

	public ScheduleProperties {
		Map<String, String> merged = new TreeMap<>(DEFAULT_CRON);
		if (cron != null) {
			merged.putAll(cron);
		}
		cron = merged;
		for (Map.Entry<String, String> entry : cron.entrySet()) {
			if (entry.getValue() != null && !entry.getValue().isBlank()) {
				try {
					CronExpression.validateExpression(entry.getValue());
				}
				catch (ParseException ex) {
					throw new IllegalArgumentException("drbatch.schedule.cron." + entry.getKey() + ": '"
							+ entry.getValue()
							+ "' is not a Quartz cron expression (seconds minutes hours day-of-month month day-of-week): "
							+ ex.getMessage());
				}
			}
		}
		if (threads < 1) {
			throw new IllegalArgumentException("drbatch.schedule.threads: must be at least 1");
		}
		if (misfireThreshold.isNegative() || misfireThreshold.isZero()) {
			throw new IllegalArgumentException("drbatch.schedule.misfire-threshold: must be positive");
		}
	}

	/** The jobs with a schedule: a non-empty expression. */
	public Map<String, String> scheduled() {
		Map<String, String> scheduled = new TreeMap<>();
		this.cron.forEach((job, expression) -> {
			if (expression != null && !expression.isBlank()) {
				scheduled.put(job, expression.strip());
			}
		});
		return scheduled;
	}

}
