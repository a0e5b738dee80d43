package io.drbatch.scheduler.quartz;

import org.quartz.DisallowConcurrentExecution;
import org.quartz.Job;
import org.quartz.JobExecutionContext;
import org.quartz.JobExecutionException;
import org.quartz.SchedulerException;

/**
 * The Quartz job behind every trigger: hands the fire to the {@link ScheduledLauncher} in the scheduler's
 * context. Concurrent fires of the same drbatch job are not allowed in the cluster (a slow run delays the next
 * fire rather than overlapping it). Instantiated by Quartz per fire.
 */
@DisallowConcurrentExecution
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
