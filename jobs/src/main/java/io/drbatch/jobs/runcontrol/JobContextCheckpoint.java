package io.drbatch.jobs.runcontrol;

import org.springframework.batch.core.ExitStatus;
import org.springframework.batch.core.job.SimpleJob;
import org.springframework.batch.core.listener.StepExecutionListener;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.batch.core.step.AbstractStep;
import org.springframework.batch.core.step.StepExecution;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.config.BeanPostProcessor;

/**
 * Saves the job execution context at the end of every step of every job, before Spring
 * Batch records the step COMPLETED. Spring Batch itself saves the job's context only
 * after the step's final update, so a process killed between the two left a completed
 * step whose results for the next steps (the manifest draft of daily-dump, the backup
 * restore-drill chose) were lost: the relaunch skipped the completed step and failed on
 * the missing value. Registered on each step of each {@link SimpleJob} bean as it is
 * created. Thread-safe: it holds no state of its own.
 */
final class JobContextCheckpoint implements StepExecutionListener, BeanPostProcessor {

	private final ObjectProvider<JobRepository> jobRepository;

	JobContextCheckpoint(ObjectProvider<JobRepository> jobRepository) {
		this.jobRepository = jobRepository;
	}

	@Override
	public Object postProcessAfterInitialization(Object bean, String beanName) {
		if (bean instanceof SimpleJob job) {
			for (String name : job.getStepNames()) {
				if (job.getStep(name) instanceof AbstractStep step) {
					step.registerStepExecutionListener(this);
				}
			}
		}
		return bean;
	}

	@Override
	public ExitStatus afterStep(StepExecution stepExecution) {
		this.jobRepository.getObject().updateExecutionContext(stepExecution.getJobExecution());
		return null;
	}

}
