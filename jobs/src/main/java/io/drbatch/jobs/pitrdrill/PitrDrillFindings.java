package io.drbatch.jobs.pitrdrill;

import java.util.List;

import io.drbatch.jobs.restore.CheckResult;
import io.drbatch.jobs.restore.DrillReport;
import io.drbatch.jobs.restore.TableCheck;

/**
 * What the verify step of pitr-drill found in the recovered cluster, kept as JSON in the
 * job's context for the report step.
 *
 * @param tables every dump manifest table with the dump's and the recovered count
 * @param explained tables that differ only by rows written by transactions the dump's
 * snapshot did not see
 * @param extraTables tables with data in the recovered cluster that the dump does not
 * name
 * @param amcheck {@code ok}, {@code skipped: why}, or what pg_amcheck reported
 * @param amcheckPassed whether pg_amcheck found nothing wrong (a skipped check did not)
 */
record PitrDrillFindings(List<TableCheck> tables, List<DrillReport.TableDifference> explained, List<String> extraTables,
		List<CheckResult> checks, String amcheck, boolean amcheckPassed) {

	/** The tables that differ and are not explained by rows the dump could not see. */
	List<TableCheck> unexplained() {
		return this.tables.stream()
			.filter(check -> !check.passed())
			.filter(check -> this.explained.stream()
				.noneMatch(difference -> difference.table().equals(check.schema() + "." + check.table())))
			.toList();
	}

}
