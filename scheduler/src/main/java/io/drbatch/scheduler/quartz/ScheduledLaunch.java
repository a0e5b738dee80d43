package io.drbatch.scheduler.quartz;

import org.quartz.Job;
import org.quartz.JobExecutionContext;
import org.quartz.JobExecutionException;
import org.quartz.SchedulerException;

/**
 * The Quartz job behind every trigger: hands the fire to the {@link ScheduledLauncher} in
 * the scheduler's context. Overlapping fires are not serialised by Quartz (which would
 * park the trigger BLOCKED, a state a scheduler stopped at the wrong moment can leave
 * behind): the job repository already refuses a second run of the same database and date
 * while one runs. Instantiated by Quartz per fire.
 */
public class ScheduledLaunch implements Job {

	static final String LAUNCHER = "drbatch.launcher";

	static final String CRON = "drbatch.cron";

	@Override
	public void execute(JobExecutionContext context) throws JobExecutionException {
		try {
			ScheduledLauncher launcher = (ScheduledLauncher) context.getScheduler().getContext().get(LAUNCHER);
			launcher.launch(context.getJobDetail().getKey().getName(), context.getMergedJobDataMap().getString(CRON),
					context.getScheduledFireTime().toInstant(), context.getFireTime().toInstant(),
					context.getScheduler().getSchedulerInstanceId());
		}
		catch (SchedulerException ex) {
			throw new JobExecutionException(ex);
		}
	}

}
