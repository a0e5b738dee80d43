package io.drbatch.jobs.walarchive;

import java.time.Clock;
import java.util.List;

import org.springframework.batch.core.job.Job;
import org.springframework.batch.core.job.builder.JobBuilder;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.batch.core.step.Step;
import org.springframework.batch.core.step.builder.StepBuilder;
import org.springframework.batch.infrastructure.support.transaction.ResourcelessTransactionManager;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import io.drbatch.jobs.backup.WalArchiveRun;
import io.drbatch.jobs.config.DrbatchProperties;
import io.drbatch.jobs.runcontrol.ExecutionHeartbeat;
import io.drbatch.jobs.runcontrol.JobDescriptor;
import io.drbatch.jobs.runcontrol.StopSignal;
import io.drbatch.jobs.wiring.EncryptionKeys;
import io.drbatch.jobs.wiring.SourceDatabases;
import io.drbatch.jobs.wiring.StoreTargets;
import io.drbatch.jobs.runcontrol.JobNames;

/**
 * wal-archive: one step that ships a source's WAL to the primary target up to now
 * ({@link WalArchiveRun}). Every run is its own job instance ({@code archive.date}, a
 * time), so it is safe to run every few minutes; a run killed at any moment is relaunched
 * or simply followed by the next, which starts again from the slot.
 */
@Configuration(proxyBeanMethods = false)
class WalArchiveJobConfiguration {

	static final String JOB_NAME = JobNames.WAL_ARCHIVE;

	@Bean
	JobDescriptor walArchiveDescriptor(SourceDatabases sources) {
		return new JobDescriptor(JOB_NAME,
				"ship a source's WAL to the primary target up to now (point-in-time recovery)",
				List.of(sources.pitrDatabaseParameter(),
						new JobDescriptor.Parameter("archive.date", "when the run was asked for, a time (default: now)",
								value -> JobDescriptor.instant("archive.date", value).toString(),
								clock -> clock.instant().toString())),
				sources::hasPitr)
			.forEverySource();
	}

	@Bean
	Job walArchiveJob(JobRepository jobRepository, DrbatchProperties properties, SourceDatabases sources,
			StoreTargets targets, Clock clock, StopSignal stopSignal, ExecutionHeartbeat heartbeat,
			EncryptionKeys keys) {
		Step archive = new StepBuilder(JOB_NAME + ".archive", jobRepository)
			.tasklet(
					stopSignal.stoppable(new WalArchiveTasklet(sources, targets, keys,
							properties.targets().get(0).lock(), clock, stopSignal)),
					new ResourcelessTransactionManager())
			.build();
		return new JobBuilder(JOB_NAME, jobRepository).listener(heartbeat).start(archive).build();
	}

}
