package io.drbatch.jobs.restore;

import org.springframework.batch.core.ExitStatus;
import org.springframework.batch.core.listener.StepExecutionListener;
import org.springframework.batch.core.step.StepExecution;
import org.springframework.batch.infrastructure.item.Chunk;
import org.springframework.batch.infrastructure.item.ExecutionContext;
import org.springframework.batch.infrastructure.item.ItemProcessor;
import org.springframework.batch.infrastructure.item.ItemStreamReader;
import org.springframework.batch.infrastructure.item.ItemWriter;

import io.drbatch.jobs.wiring.StoreTargets;
import io.drbatch.manifest.BackupManifest;

/**
 * The verify step's reader, processor and writer for one job definition, with a fresh
 * {@link ManifestTableReader}, {@link TableCountProcessor} and {@link TableCheckWriter}
 * for every step execution: two drills of different sources may run at once in one
 * process (a run over every source, overlapping scheduler fires), and each must read its
 * own manifest and count rows in its own scratch database. A step execution runs on one
 * thread (the step has no task executor), so its parts are kept per thread from
 * {@code beforeStep} until {@code close}, which the step always calls last. Thread-safe.
 */
final class VerifyStepParts implements ItemStreamReader<BackupManifest.TableRows>,
		ItemProcessor<BackupManifest.TableRows, TableCheck>, ItemWriter<TableCheck>, StepExecutionListener {

	private record Parts(long stepExecutionId, ManifestTableReader reader, TableCountProcessor processor,
			TableCheckWriter writer) {
	}

	private final RestoreDestination destination;

	private final StoreTargets targets;

	private final ThreadLocal<Parts> current = new ThreadLocal<>();

	VerifyStepParts(RestoreDestination destination, StoreTargets targets) {
		this.destination = destination;
		this.targets = targets;
	}

	@Override
	public void beforeStep(StepExecution stepExecution) {
		Parts existing = this.current.get();
		if (existing != null && existing.stepExecutionId() == stepExecution.getId()) {
			return;
		}
		Parts parts = new Parts(stepExecution.getId(), new ManifestTableReader(this.targets),
				new TableCountProcessor(this.destination, this.targets), new TableCheckWriter());
		this.current.set(parts);
		parts.reader().beforeStep(stepExecution);
		parts.processor().beforeStep(stepExecution);
		parts.writer().beforeStep(stepExecution);
	}

	@Override
	public ExitStatus afterStep(StepExecution stepExecution) {
		Parts parts = this.current.get();
		if (parts != null) {
			parts.processor().afterStep(stepExecution);
		}
		return null;
	}

	@Override
	public void open(ExecutionContext executionContext) {
		parts().reader().open(executionContext);
	}

	@Override
	public void update(ExecutionContext executionContext) {
		parts().reader().update(executionContext);
	}

	@Override
	public void close() {
		Parts parts = this.current.get();
		this.current.remove();
		if (parts != null) {
			parts.reader().close();
		}
	}

	@Override
	public BackupManifest.TableRows read() throws Exception {
		return parts().reader().read();
	}

	@Override
	public TableCheck process(BackupManifest.TableRows table) {
		return parts().processor().process(table);
	}

	@Override
	public void write(Chunk<? extends TableCheck> chunk) {
		parts().writer().write(chunk);
	}

	private Parts parts() {
		Parts parts = this.current.get();
		if (parts == null) {
			throw new IllegalStateException("the verify step's parts are used outside a step execution's thread");
		}
		return parts;
	}

}
