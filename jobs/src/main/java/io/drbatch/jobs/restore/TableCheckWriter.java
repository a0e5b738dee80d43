package io.drbatch.jobs.restore;

import java.util.ArrayList;
import java.util.List;

import org.springframework.batch.core.listener.StepExecutionListener;
import org.springframework.batch.core.step.StepExecution;
import org.springframework.batch.infrastructure.item.Chunk;
import org.springframework.batch.infrastructure.item.ItemWriter;

import io.drbatch.manifest.ManifestJson;

/**
 * Appends each chunk's table checks to the step execution context (as JSON), which Spring
 * Batch saves with the chunk's commit: a relaunched verify step keeps the checks of
 * committed chunks and adds the rest. Not thread-safe.
 */
class TableCheckWriter implements ItemWriter<TableCheck>, StepExecutionListener {

	private StepExecution stepExecution;

	@Override
	public void beforeStep(StepExecution stepExecution) {
		this.stepExecution = stepExecution;
	}

	@Override
	public void write(Chunk<? extends TableCheck> chunk) {
		List<TableCheck> checks = new ArrayList<>(
				read(this.stepExecution.getExecutionContext().getString(DrillContext.TABLE_CHECKS, "[]")));
		checks.addAll(chunk.getItems());
		this.stepExecution.getExecutionContext().putString(DrillContext.TABLE_CHECKS, ManifestJson.writeString(checks));
	}

	static List<TableCheck> read(String json) {
		return List.of(ManifestJson.read(json, TableCheck[].class));
	}

}
