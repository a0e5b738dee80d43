package io.drbatch.jobs.pitrrestore;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.scope.context.ChunkContext;
import org.springframework.batch.core.step.StepContribution;
import org.springframework.batch.core.step.tasklet.Tasklet;
import org.springframework.batch.infrastructure.repeat.RepeatStatus;

import io.drbatch.jobs.wiring.SourceDatabases;
import io.drbatch.jobs.wiring.StoreTargets;
import io.drbatch.recovery.RecoveryPlanner;

/**
 * The plan step of pitr-restore: refuses, before anything is downloaded, a target outside
 * the recoverable window, a hole in the WAL the target needs, a data directory that is
 * not empty and a port in use; records the plan in the job's context. Stateless.
 */
class PitrPlanTasklet implements Tasklet {

	private static final Logger log = LoggerFactory.getLogger(PitrPlanTasklet.class);

	private final SourceDatabases sources;

	private final StoreTargets targets;

	PitrPlanTasklet(SourceDatabases sources, StoreTargets targets) {
		this.sources = sources;
		this.targets = targets;
	}

	@Override
	public RepeatStatus execute(StepContribution contribution, ChunkContext chunkContext) {
		JobExecution job = chunkContext.getStepContext().getStepExecution().getJobExecution();
		PitrRequest request = PitrRequest.of(job, this.sources, this.targets);
		RecoveryPlanner.Plan plan = request.plan();
		request.checkDestination();
		PitrRestoreContext.recordPlan(job.getExecutionContext(), plan);
		log.info(
				"pitr-restore {}: {} from base backup {} (consistent at {}), WAL {} to {} ({} segment(s), {} more"
						+ " available); recoverable window {}",
				request.database(), plan.target().describe(), plan.base().backupId(), plan.base().stopTime(),
				plan.needed().get(0), plan.lastNeeded(), plan.needed().size(), plan.following().size(),
				plan.window().describe());
		return RepeatStatus.FINISHED;
	}

}
