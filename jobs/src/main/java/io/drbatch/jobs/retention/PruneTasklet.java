package io.drbatch.jobs.retention;

import java.time.Clock;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.batch.core.job.parameters.JobParameters;
import org.springframework.batch.core.scope.context.ChunkContext;
import org.springframework.batch.core.step.StepContribution;
import org.springframework.batch.core.step.tasklet.Tasklet;
import org.springframework.batch.infrastructure.repeat.RepeatStatus;

import io.drbatch.jobs.config.DrbatchProperties;
import io.drbatch.jobs.wiring.SourceDatabases;
import io.drbatch.jobs.wiring.StoreTargets;

/**
 * The retention step: {@link Pruner} on every target for every configured database, as of
 * {@code retention.date} ({@code dry-run=true}: nothing deleted). The report's lines go
 * to the log and to the step execution context ({@value #REPORT}). Idempotent: a relaunch
 * finds the deleted backups gone (their manifests first) and continues with the rest.
 */
class PruneTasklet implements Tasklet {

	private static final Logger log = LoggerFactory.getLogger(PruneTasklet.class);

	static final String REPORT = "drbatch.retention.report";

	private final Pruner pruner;

	private final PitrPruner pitrPruner;

	private final SourceDatabases sources;

	private final StoreTargets targets;

	PruneTasklet(DrbatchProperties.Retention retention, SourceDatabases sources, StoreTargets targets, Clock clock) {
		this.pruner = new Pruner(retention, clock);
		this.pitrPruner = new PitrPruner(retention.pitrDays(), clock);
		this.sources = sources;
		this.targets = targets;
	}

	@Override
	public RepeatStatus execute(StepContribution contribution, ChunkContext chunkContext) {
		JobParameters parameters = chunkContext.getStepContext().getStepExecution().getJobParameters();
		LocalDate date = LocalDate.parse(parameters.getString("retention.date"));
		boolean dryRun = Boolean.parseBoolean(parameters.getString("dry-run"));
		List<String> report = new ArrayList<>();
		for (String targetName : this.targets.names()) {
			report.addAll(this.pruner.prune(this.targets.get(targetName), this.sources.names(), date, dryRun,
					() -> contribution.incrementWriteCount(1)));
			for (String database : this.sources.pitrNames()) {
				report.addAll(this.pitrPruner.prune(this.targets.get(targetName), database, date, dryRun));
			}
		}
		if (report.isEmpty()) {
			report.add("nothing expired");
		}
		report.forEach(line -> log.info("retention{}: {}", dryRun ? " (dry run)" : "", line));
		chunkContext.getStepContext()
			.getStepExecution()
			.getExecutionContext()
			.putString(REPORT, String.join("\n", report));
		return RepeatStatus.FINISHED;
	}

}
