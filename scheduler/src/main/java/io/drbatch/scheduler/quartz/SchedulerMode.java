package io.drbatch.scheduler.quartz;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.TimeZone;
import java.util.concurrent.CountDownLatch;
import java.util.function.Function;
import java.util.stream.Collectors;

import javax.sql.DataSource;

import org.quartz.CronScheduleBuilder;
import org.quartz.CronTrigger;
import org.quartz.JobBuilder;
import org.quartz.JobDetail;
import org.quartz.JobKey;
import org.quartz.Scheduler;
import org.quartz.SchedulerException;
import org.quartz.Trigger;
import org.quartz.TriggerBuilder;
import org.quartz.TriggerKey;
import org.quartz.impl.StdSchedulerFactory;
import org.quartz.impl.matchers.GroupMatcher;
import org.quartz.listeners.TriggerListenerSupport;
import org.quartz.utils.ConnectionProvider;
import org.quartz.utils.DBConnectionManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.batch.core.job.Job;
import org.springframework.batch.core.launch.JobOperator;
import org.springframework.stereotype.Component;

import io.drbatch.failure.DrbatchException;
import io.drbatch.failure.FailureKind;
import io.drbatch.jobs.runcontrol.JobDescriptor;
import io.drbatch.jobs.runcontrol.SourceFanOut;
import io.drbatch.jobs.wiring.SourceDatabases;

/**
 * {@code drbatch scheduler}: an in-process Quartz scheduler on a clustered JDBC job store
 * in the job repository database, so that any number of replicas fire each trigger once
 * between them (a fire is claimed under a row lock in {@code qrtz_locks}; a replica that
 * stops checking in is presumed dead and its claims are taken over). On start it creates
 * the Quartz tables if missing and replaces every drbatch trigger with the configured
 * schedule ({@link ScheduleProperties}), so a changed schedule takes effect on restart;
 * triggers of jobs no longer scheduled are removed. Cron times are UTC.
 *
 * <p>
 * Misfires (a fire later than the misfire threshold: every replica was down, or busy):
 * the trigger fires once, as soon as a replica can, however many times it was missed,
 * then keeps its schedule (Quartz's fire-once-now instruction). The launch takes the date
 * of the missed schedule time ({@link ScheduledLauncher}), so a catch-up lands on the job
 * instance it makes up for.
 */
@Component
public class SchedulerMode {

	private static final Logger log = LoggerFactory.getLogger(SchedulerMode.class);

	static final String GROUP = "drbatch";

	private static final String DATA_SOURCE = "drbatch";

	private final DataSource dataSource;

	private final ScheduleProperties schedule;

	private final ScheduledLauncher launcher;

	private final CountDownLatch shutdownRequested = new CountDownLatch(1);

	/** The Quartz scheduler while {@link #run()} runs it, else {@code null}. */
	private volatile Scheduler running;

	public SchedulerMode(DataSource dataSource, ScheduleProperties schedule, JobOperator jobOperator, List<Job> jobs,
			List<JobDescriptor> descriptors, SourceDatabases sources, SourceFanOut fanOut) {
		this.dataSource = dataSource;
		this.schedule = schedule;
		this.launcher = new ScheduledLauncher(jobOperator,
				jobs.stream().collect(Collectors.toMap(Job::getName, Function.identity())),
				descriptors.stream().collect(Collectors.toMap(JobDescriptor::jobName, Function.identity())), sources,
				fanOut);
	}

	/**
	 * Runs the scheduler until {@link #requestShutdown()}, then waits for the running
	 * jobs to end.
	 */
	public void run() {
		Map<String, String> scheduled = this.schedule.scheduled();
		for (String job : scheduled.keySet()) {
			if (!this.launcher.jobNames().contains(job)) {
				throw new DrbatchException(FailureKind.BAD_CONFIGURATION, "drbatch.schedule.cron." + job
						+ ": no such job; jobs: " + String.join(", ", this.launcher.jobNames()));
			}
		}
		QuartzSchema.ensure(this.dataSource);
		Scheduler scheduler = create();
		try {
			scheduler.getContext().put(ScheduledLaunch.LAUNCHER, this.launcher);
			scheduler.getListenerManager().addTriggerListener(new MisfireLogger());
			replaceTriggers(scheduler, scheduled);
			scheduler.start();
			this.running = scheduler;
			log.info("Scheduler instance {} started: {}", scheduler.getSchedulerInstanceId(),
					describe(scheduler, scheduled));
			this.shutdownRequested.await();
			log.info("Scheduler instance {} stopping; waiting for running jobs", scheduler.getSchedulerInstanceId());
			scheduler.shutdown(true);
			this.running = null;
		}
		catch (SchedulerException ex) {
			throw new DrbatchException(FailureKind.DATABASE_UNAVAILABLE, "scheduler failed: " + ex.getMessage(), ex);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

	/**
	 * Why this process's scheduler cannot fire any more, or empty when it can or when
	 * this process is not in scheduler mode. Before a requested shutdown, a Quartz
	 * scheduler that has shut down or gone to standby will never fire again: a restart is
	 * the cure.
	 */
	public Optional<String> deadScheduler() {
		Scheduler scheduler = this.running;
		if (scheduler == null || this.shutdownRequested.getCount() == 0) {
			return Optional.empty();
		}
		try {
			if (scheduler.isShutdown()) {
				return Optional.of("the Quartz scheduler has shut down");
			}
			if (scheduler.isInStandbyMode()) {
				return Optional.of("the Quartz scheduler is in standby");
			}
			return Optional.empty();
		}
		catch (SchedulerException ex) {
			return Optional.of("the Quartz scheduler cannot be asked: " + ex.getMessage());
		}
	}

	/** Whether {@link #run()} is running a Quartz scheduler in this process. */
	public boolean scheduling() {
		return this.running != null;
	}

	/**
	 * Stops firing new triggers and launching further sources of a fire under way;
	 * {@link #run()} returns once the running jobs have ended.
	 */
	public void requestShutdown() {
		this.launcher.stop();
		this.shutdownRequested.countDown();
	}

	private Scheduler create() {
		DBConnectionManager.getInstance()
			.addConnectionProvider(DATA_SOURCE, new SpringDataSourceProvider(this.dataSource));
		Properties quartz = new Properties();
		quartz.setProperty("org.quartz.scheduler.instanceName", "drbatch");
		quartz.setProperty("org.quartz.scheduler.instanceId", "AUTO");
		quartz.setProperty("org.quartz.scheduler.skipUpdateCheck", "true");
		quartz.setProperty("org.quartz.threadPool.threadCount", String.valueOf(this.schedule.threads()));
		quartz.setProperty("org.quartz.jobStore.class", "org.quartz.impl.jdbcjobstore.JobStoreTX");
		quartz.setProperty("org.quartz.jobStore.driverDelegateClass",
				"org.quartz.impl.jdbcjobstore.PostgreSQLDelegate");
		quartz.setProperty("org.quartz.jobStore.dataSource", DATA_SOURCE);
		quartz.setProperty("org.quartz.jobStore.tablePrefix", "qrtz_");
		quartz.setProperty("org.quartz.jobStore.isClustered", "true");
		quartz.setProperty("org.quartz.jobStore.acquireTriggersWithinLock", "true");
		quartz.setProperty("org.quartz.jobStore.clusterCheckinInterval",
				String.valueOf(this.schedule.clusterCheckin().toMillis()));
		quartz.setProperty("org.quartz.jobStore.misfireThreshold",
				String.valueOf(this.schedule.misfireThreshold().toMillis()));
		try {
			return new StdSchedulerFactory(quartz).getScheduler();
		}
		catch (SchedulerException ex) {
			throw new DrbatchException(FailureKind.DATABASE_UNAVAILABLE,
					"cannot create the scheduler: " + ex.getMessage(), ex);
		}
	}

	private static void replaceTriggers(Scheduler scheduler, Map<String, String> scheduled) throws SchedulerException {
		for (Map.Entry<String, String> entry : scheduled.entrySet()) {
			JobDetail detail = JobBuilder.newJob(ScheduledLaunch.class)
				.withIdentity(entry.getKey(), GROUP)
				.usingJobData(ScheduledLaunch.CRON, entry.getValue())
				.storeDurably()
				.build();
			CronTrigger trigger = TriggerBuilder.newTrigger()
				.withIdentity(entry.getKey(), GROUP)
				.forJob(detail)
				.withSchedule(CronScheduleBuilder.cronSchedule(entry.getValue())
					.inTimeZone(TimeZone.getTimeZone("UTC"))
					.withMisfireHandlingInstructionFireAndProceed())
				.build();
			Trigger existing = scheduler.getTrigger(trigger.getKey());
			if (existing instanceof CronTrigger cron && cron.getCronExpression().equals(entry.getValue())) {
				continue;
			}
			scheduler.scheduleJob(detail, Set.of(trigger), true);
		}
		for (JobKey key : scheduler.getJobKeys(GroupMatcher.jobGroupEquals(GROUP))) {
			if (!scheduled.containsKey(key.getName())) {
				log.info("Removing {} from the schedule: it has no cron expression any more", key.getName());
				scheduler.deleteJob(key);
			}
		}
	}

	private static String describe(Scheduler scheduler, Map<String, String> scheduled) throws SchedulerException {
		StringBuilder text = new StringBuilder();
		for (String job : scheduled.keySet()) {
			Trigger trigger = scheduler.getTrigger(TriggerKey.triggerKey(job, GROUP));
			text.append(text.length() > 0 ? "; " : "")
				.append(job)
				.append(" '")
				.append(scheduled.get(job))
				.append("' UTC, next ")
				.append(trigger != null && trigger.getNextFireTime() != null ? trigger.getNextFireTime().toInstant()
						: "-");
		}
		return text.length() > 0 ? text.toString() : "nothing scheduled";
	}

	/** Logs every misfire: which trigger, and when it was due. */
	private static final class MisfireLogger extends TriggerListenerSupport {

		@Override
		public String getName() {
			return "drbatch-misfires";
		}

		@Override
		public void triggerMisfired(Trigger trigger) {
			log.warn("Trigger {} misfired (was due at {}); firing it once now, then on schedule",
					trigger.getKey().getName(),
					trigger.getNextFireTime() != null ? trigger.getNextFireTime().toInstant() : "?");
		}

	}

	/** Quartz borrows connections from the application's pool. */
	private static final class SpringDataSourceProvider implements ConnectionProvider {

		private final DataSource dataSource;

		SpringDataSourceProvider(DataSource dataSource) {
			this.dataSource = dataSource;
		}

		@Override
		public Connection getConnection() throws SQLException {
			return this.dataSource.getConnection();
		}

		@Override
		public void shutdown() {
			// the pool belongs to the application context
		}

		@Override
		public void initialize() {
			// nothing to set up
		}

	}

}
