package io.drbatch.jobs.basebackup;

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

import io.drbatch.jobs.config.DrbatchProperties;
import io.drbatch.jobs.runcontrol.ExecutionHeartbeat;
import io.drbatch.jobs.runcontrol.JobDescriptor;
import io.drbatch.jobs.runcontrol.StopSignal;
import io.drbatch.jobs.wiring.EncryptionKeys;
import io.drbatch.jobs.wiring.SourceDatabases;
import io.drbatch.jobs.wiring.StoreTargets;
import io.drbatch.wal.BaseBackupStreamer;
import io.drbatch.jobs.runcontrol.JobNames;

/**
 * base-backup: backup (a physical base backup streamed into the primary target,
 * {@link BaseBackupTasklet}) -> publish (the archive holds its WAL, the object is
 * verified, the manifest is written last, {@link PublishBaseBackupTasklet}). Like
 * daily-dump, a relaunch skips completed steps and an interrupted backup starts over
 * under the same backup id after removing what the interrupted attempt left.
 */
@Configuration(proxyBeanMethods = false)
class BaseBackupJobConfiguration {

	static final String JOB_NAME = JobNames.BASE_BACKUP;

	@Bean
	JobDescriptor baseBackupDescriptor(SourceDatabases sources) {
		return new JobDescriptor(JOB_NAME, "physical base backup of a source, for point-in-time recovery",
				List.of(sources.pitrDatabaseParameter(),
						JobDescriptor.runDate("backup.date",
								"the day this base backup stands for (default: today, UTC)")),
				sources::hasPitr)
			.forEverySource();
	}

	@Bean
	Job baseBackupJob(JobRepository jobRepository, DrbatchProperties properties, SourceDatabases sources,
			StoreTargets targets, Clock clock, StopSignal stopSignal, ExecutionHeartbeat heartbeat,
			EncryptionKeys keys) {
		DrbatchProperties.Dump dump = properties.dump();
		BaseBackupStreamer streamer = new BaseBackupStreamer(new BaseBackupStreamer.Settings(
				properties.baseBackup().pgBasebackupPath(), properties.baseBackup().level(), dump.compressionWorkers(),
				(int) dump.partSize().toBytes(), dump.partsInFlight(), keys.forWriting().orElse(null)));
		ResourcelessTransactionManager noTransaction = new ResourcelessTransactionManager();
		Step backup = new StepBuilder(JOB_NAME + ".backup", jobRepository)
			.tasklet(
					stopSignal.stoppable(new BaseBackupTasklet(sources, targets, streamer, keys, clock, jobRepository)),
					noTransaction)
			.build();
		Step publish = new StepBuilder(JOB_NAME + ".publish", jobRepository)
			.tasklet(stopSignal.stoppable(new PublishBaseBackupTasklet(sources, targets, keys,
					properties.targets().get(0).lock(), clock, stopSignal)), noTransaction)
			.build();
		return new JobBuilder(JOB_NAME, jobRepository).listener(heartbeat).start(backup).next(publish).build();
	}

}
