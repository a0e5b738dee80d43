package io.drbatch.jobs.restore;

import org.junit.jupiter.api.Test;

import io.drbatch.manifest.ManifestJson;

import static org.assertj.core.api.Assertions.assertThat;

/** Reports already in buckets stay readable when the report gains fields. */
class DrillReportTests {

	/** A report as session 1 wrote it: no {@code kind}, no {@code coldWaitMillis}. */
	private static final String SESSION_ONE_REPORT = """
			{"result":"PASSED","database":"omnihub_demo","backupId":"20261126T020000Z","target":"primary",
			 "scratchDatabase":"drill_omnihub_demo_20261126030000","snapshotTime":"2026-11-26T02:00:00Z",
			 "drillStarted":"2026-11-26T03:00:00Z","drillFinished":"2026-11-26T03:00:05Z","downloadMillis":1000,
			 "restoreMillis":3000,"verifyMillis":500,"rtoMillis":4500,"rtoTargetMillis":3600000,"rpoMillis":3600000,
			 "rpoTargetMillis":86400000,"tables":[],"extraTables":[],"checks":[],"failures":[],"executionId":3}
			""";

	@Test
	void aReportWrittenBeforeKindAndColdWaitExistedReadsAsAPassedDrill() {
		DrillReport report = ManifestJson.read(SESSION_ONE_REPORT, DrillReport.class);

		assertThat(report.passed()).isTrue();
		assertThat(report.describesDrill()).isTrue();
		assertThat(report.coldWaitMillis()).isNull();
		assertThat(report.markdown()).contains("# Restore drill PASSED: omnihub_demo", "| phases | restore 3.0s")
			.doesNotContain("cold-storage wait");
	}

}
