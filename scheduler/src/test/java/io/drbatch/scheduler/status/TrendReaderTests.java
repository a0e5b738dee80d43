package io.drbatch.scheduler.status;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.drbatch.jobs.walarchive.WalArchiveContext;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The restore point's age series drawn from wal-archive runs, and its decimation for long
 * windows; the history's exit description as people read it.
 */
class TrendReaderTests {

	private static final Instant T0 = Instant.parse("2026-12-01T00:00:00Z");

	private static final long RPO = Duration.ofMinutes(15).toMillis();

	private static TrendReader.Run archiveRun(long id, Instant switchedAt, Instant ended) {
		return new TrendReader.Run(id, "wal-archive", "COMPLETED", ended.minusSeconds(5), ended, "db",
				Map.of(WalArchiveContext.CURRENT_AT_MILLIS, switchedAt.toEpochMilli()));
	}

	@Test
	void theAgeRisesBetweenRunsAndDropsWhenARunHasArchivedThroughItsSwitch() {
		List<TrendReader.Run> runs = List.of(
				archiveRun(2, T0.plus(Duration.ofMinutes(5)), T0.plus(Duration.ofMinutes(5)).plusSeconds(10)),
				archiveRun(1, T0, T0.plusSeconds(10)));
		Instant now = T0.plus(Duration.ofMinutes(8));

		List<Trends.RestorePointAge> ages = TrendReader.restorePointAges("db", RPO, runs, now);

		assertThat(ages).extracting(Trends.RestorePointAge::ageMillis)
			.containsExactly(10_000L, Duration.ofMinutes(5).plusSeconds(10).toMillis() - 1, 10_000L,
					Duration.ofMinutes(3).toMillis());
		assertThat(ages).extracting(Trends.RestorePointAge::at)
			.containsExactly(T0.plusSeconds(10), T0.plus(Duration.ofMinutes(5)).plusSeconds(10).minusMillis(1),
					T0.plus(Duration.ofMinutes(5)).plusSeconds(10), now);
		assertThat(ages).allSatisfy(age -> assertThat(age.rpoTargetMillis()).isEqualTo(RPO));
	}

	@Test
	void aSourceNeverArchivedHasNoPoints() {
		assertThat(TrendReader.restorePointAges("db", RPO, List.of(), T0)).isEmpty();
	}

	@Test
	void aLongSeriesKeepsItsPeaksAndTroughsWithinTheLimit() {
		List<Trends.RestorePointAge> points = new ArrayList<>();
		for (int minute = 0; minute < 90 * 24 * 60; minute += 5) {
			long age = minute == 40_000 ? Duration.ofHours(2).toMillis() : Duration.ofMinutes(5).toMillis();
			points.add(new Trends.RestorePointAge("db", T0.plus(Duration.ofMinutes(minute)), age, RPO));
			points.add(
					new Trends.RestorePointAge("db", T0.plus(Duration.ofMinutes(minute)).plusSeconds(10), 10_000, RPO));
		}

		List<Trends.RestorePointAge> kept = TrendReader.decimate(points, 2000);

		assertThat(points).hasSizeGreaterThan(50_000);
		assertThat(kept).hasSizeLessThanOrEqualTo(2000);
		assertThat(kept).extracting(Trends.RestorePointAge::ageMillis)
			.contains(Duration.ofHours(2).toMillis(), 10_000L);
		assertThat(kept).extracting(Trends.RestorePointAge::at).isSorted();
		assertThat(kept.get(kept.size() - 1)).isEqualTo(points.get(points.size() - 1));
	}

	@Test
	void aShortSeriesIsKeptWhole() {
		List<Trends.RestorePointAge> points = List.of(new Trends.RestorePointAge("db", T0, 1, RPO));
		assertThat(TrendReader.decimate(points, 2000)).isSameAs(points);
	}

	@Test
	void anExitDescriptionIsItsMessageWithoutTheStackTrace() {
		String description = "io.drbatch.failure.DrbatchException: bucket 'b' does not exist on target 'primary'\n"
				+ "\tat io.drbatch.store.S3Calls.translate(S3Calls.java:68)\n";
		assertThat(HistoryReader.firstLine(description)).isEqualTo("bucket 'b' does not exist on target 'primary'");
		assertThat(HistoryReader.firstLine("Stopped by drbatch stop")).isEqualTo("Stopped by drbatch stop");
	}

}
