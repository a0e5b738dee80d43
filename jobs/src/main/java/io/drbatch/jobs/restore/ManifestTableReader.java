package io.drbatch.jobs.restore;

import java.util.List;

import org.springframework.batch.core.listener.StepExecutionListener;
import org.springframework.batch.core.step.StepExecution;
import org.springframework.batch.infrastructure.item.support.AbstractItemCountingItemStreamItemReader;

import io.drbatch.jobs.wiring.StoreTargets;
import io.drbatch.manifest.BackupCatalog;
import io.drbatch.manifest.BackupManifest;

/**
 * Reads the tables of the drilled backup's manifest, in manifest order. Restartable: the
 * number of tables read is saved in the step execution context at every chunk, and a
 * relaunch resumes after the last committed chunk. Not thread-safe.
 */
class ManifestTableReader extends AbstractItemCountingItemStreamItemReader<BackupManifest.TableRows>
		implements StepExecutionListener {

	private final StoreTargets targets;

	private List<BackupManifest.TableRows> tables = List.of();

	private int next;

	ManifestTableReader(StoreTargets targets) {
		this.targets = targets;
		setName("manifestTables");
	}

	@Override
	public void beforeStep(StepExecution stepExecution) {
		String manifestKey = stepExecution.getJobExecution().getExecutionContext().getString(DrillContext.MANIFEST_KEY);
		this.tables = new BackupCatalog(
				DrillContext.backupStore(this.targets, stepExecution.getJobExecution().getExecutionContext()))
			.read(manifestKey)
			.tables();
	}

	@Override
	protected void doOpen() {
		this.next = 0;
	}

	@Override
	protected BackupManifest.TableRows doRead() {
		return this.next < this.tables.size() ? this.tables.get(this.next++) : null;
	}

	@Override
	protected void jumpToItem(int itemIndex) {
		this.next = itemIndex;
	}

	@Override
	protected void doClose() {
		this.next = 0;
	}

}
