package io.drbatch.jobs.replication;

import java.time.Clock;
import java.time.temporal.ChronoUnit;
import java.util.List;

import org.springframework.batch.core.job.Job;
import org.springframework.batch.core.job.builder.JobBuilder;
import org.springframework.batch.core.listener.StepExecutionListener;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.batch.core.step.Step;
import org.springframework.batch.core.step.builder.StepBuilder;
import org.springframework.batch.infrastructure.support.transaction.ResourcelessTransactionManager;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import io.drbatch.jobs.config.DrbatchProperties;
import io.drbatch.jobs.runcontrol.ExecutionHeartbeat;
import io.drbatch.jobs.runcontrol.JobDescriptor;
import io.drbatch.jobs.wiring.SourceDatabases;
import io.drbatch.jobs.wiring.StoreTargets;
import io.drbatch.jobs.runcontrol.JobNames;

/**
 * replication: copies every backup of the primary that a secondary target lacks (or holds
 * differing) to it, one chunk per backup and target (objects streamed and verified,
 * manifest last), then the base backups and WAL of point-in-time recovery
 * ({@link PitrReplicationTasklet}), then measures each target's lag and fails while any
 * is behind. Safe to run every few minutes: {@code replication.date} (a time, default
 * now) identifies the run, and a run finds its work afresh from the targets, so it copies
 * only what is missing. The copy step runs again on a restart (it skips what is verified
 * and resumes open multipart copies).
 */
@Configuration(proxyBeanMethods = false)
class ReplicationJobConfiguration {

	static final String JOB_NAME = JobNames.REPLICATION;

	@Bean
	JobDescriptor replicationDescriptor(StoreTargets targets) {
		return new JobDescriptor(JOB_NAME,
				"copy every backup the secondary targets lack to them, verified, and report their lag",
				List.of(new JobDescriptor.Parameter("replication.date", "the time of this run (default: now, UTC)",
						value -> JobDescriptor.instant("replication.date", value).toString(),
						clock -> clock.instant().truncatedTo(ChronoUnit.SECONDS).toString()),
						new JobDescriptor.Parameter("target", "only this secondary target (default: every secondary)",
								value -> ReplicationPlanReader.secondaries(targets, value).get(0), clock -> null),
						new JobDescriptor.Parameter("verify",
								"quick (sizes and checksums the store reports, default) or full (also read every copy back)",
								value -> {
									if (!value.equals("quick") && !value.equals("full")) {
										throw new io.drbatch.failure.DrbatchException(
												io.drbatch.failure.FailureKind.BAD_ARGUMENT,
												"parameter verify='" + value + "' is not quick or full");
									}
									return value;
								}, clock -> null)));
	}

	@Bean
	Job replicationJob(JobRepository jobRepository, DrbatchProperties properties, StoreTargets targets, Clock clock,
			ExecutionHeartbeat heartbeat, SourceDatabases sources) {
		ReplicationPlanReader reader = new ReplicationPlanReader(targets);
		Step copy = new StepBuilder(JOB_NAME + ".copy", jobRepository).<Replica, Replica>chunk(1)
			.transactionManager(new ResourcelessTransactionManager())
			.reader(reader)
			.processor(new ReplicaCopyProcessor(targets, properties.dump().partsInFlight()))
			.writer(new ReplicaManifestWriter(targets, properties, clock))
			.listener((StepExecutionListener) reader)
			.allowStartIfComplete(true)
			.build();
		Step pitr = new StepBuilder(JOB_NAME + ".pitr", jobRepository)
			.tasklet(new PitrReplicationTasklet(sources, targets, properties, clock),
					new ResourcelessTransactionManager())
			.allowStartIfComplete(true)
			.build();
		Step status = new StepBuilder(JOB_NAME + ".status", jobRepository)
			.tasklet(new ReplicationStatusTasklet(targets), new ResourcelessTransactionManager())
			.allowStartIfComplete(true)
			.build();
		return new JobBuilder(JOB_NAME, jobRepository).listener(heartbeat).start(copy).next(pitr).next(status).build();
	}

}
