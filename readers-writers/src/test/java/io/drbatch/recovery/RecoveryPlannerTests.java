package io.drbatch.recovery;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.drbatch.failure.DrbatchException;
import io.drbatch.failure.FailureKind;
import io.drbatch.manifest.BaseBackupManifest;
import io.drbatch.wal.Lsn;
import io.drbatch.wal.TimelineHistory;
import io.drbatch.wal.WalArchive;
import io.drbatch.wal.WalSegment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RecoveryPlannerTests {

	private static final long MB16 = 16L * 1024 * 1024;

	private static final Instant T0 = Instant.parse("2026-12-01T00:00:00Z");

	private static final String WHERE = "'shop' on target 'primary'";

	/** A base backup from segment {@code start} made consistent inside {@code stop}. */
	private static BaseBackupManifest base(String id, long start, long stop, int minutes) {
		return new BaseBackupManifest(1, id, "shop", T0.plusSeconds(minutes * 60L), "7000", "15.8", 150008, 1,
				new Lsn(start * MB16 + 40).toString(), new Lsn(stop * MB16 + 256).toString(), null, null,
				T0.plusSeconds(minutes * 60L - 30), T0.plusSeconds(minutes * 60L), MB16, "zstd", null, 0, List.of(),
				null, null);
	}

	private static List<WalSegment> segments(int timeline, long from, long to) {
		List<WalSegment> segments = new ArrayList<>();
		for (long n = from; n <= to; n++) {
			segments.add(new WalSegment(timeline, n, MB16));
		}
		return segments;
	}

	/** A wal-archive run every 10 minutes, each switching to the next segment. */
	private static List<WalArchive.Run> runs(long fromSegment, long toSegment) {
		List<WalArchive.Run> runs = new ArrayList<>();
		for (long n = fromSegment; n <= toSegment; n++) {
			runs.add(new WalArchive.Run(T0.plusSeconds(n * 600), new Lsn(n * MB16)));
		}
		return runs;
	}

	private static List<Long> numbers(List<WalSegment> segments) {
		return segments.stream().map(WalSegment::number).toList();
	}

	@Test
	void aTimeTargetUsesTheNewestBaseBackupBeforeItAndTheSegmentsUpToTheRunThatCoversIt() {
		List<BaseBackupManifest> bases = List.of(base("b2", 6, 6, 61), base("b1", 2, 2, 21));
		RecoveryPlanner.Plan plan = RecoveryPlanner.plan(new RecoveryTarget.AtTime(T0.plusSeconds(75 * 60)), bases,
				segments(1, 2, 12), Map.of(), runs(3, 13), WHERE);

		assertThat(plan.base().backupId()).isEqualTo("b2");
		// the run at minute 80 switched to segment 8: everything before minute 80 is in
		// segments up to 7
		assertThat(numbers(plan.needed())).containsExactly(6L, 7L);
		assertThat(numbers(plan.following())).containsExactly(8L, 9L, 10L, 11L, 12L);
		assertThat(plan.window().from()).isEqualTo(T0.plusSeconds(21 * 60));
		assertThat(plan.window().to()).isEqualTo(T0.plusSeconds(13 * 600));
	}

	@Test
	void anLsnTargetAndLatestPickTheirBaseBackupsAndSegments() {
		List<BaseBackupManifest> bases = List.of(base("b1", 2, 2, 21), base("b2", 6, 6, 61));
		RecoveryPlanner.Plan atLsn = RecoveryPlanner.plan(new RecoveryTarget.AtLsn(new Lsn(4 * MB16 + 100)), bases,
				segments(1, 2, 12), Map.of(), runs(3, 13), WHERE);
		assertThat(atLsn.base().backupId()).isEqualTo("b1");
		assertThat(numbers(atLsn.needed())).containsExactly(2L, 3L, 4L);

		RecoveryPlanner.Plan latest = RecoveryPlanner.plan(new RecoveryTarget.Latest(), bases, segments(1, 2, 12),
				Map.of(), runs(3, 13), WHERE);
		assertThat(latest.base().backupId()).isEqualTo("b2");
		assertThat(latest.lastNeeded().number()).isEqualTo(12L);
	}

	@Test
	void aTargetOutsideTheWindowIsRefusedNamingBothEnds() {
		List<BaseBackupManifest> bases = List.of(base("b1", 2, 2, 21));
		for (Instant outside : List.of(T0.plusSeconds(20 * 60), T0.plusSeconds(13 * 600 + 1))) {
			assertThatThrownBy(() -> RecoveryPlanner.plan(new RecoveryTarget.AtTime(outside), bases, segments(1, 2, 12),
					Map.of(), runs(3, 13), WHERE))
				.isInstanceOfSatisfying(DrbatchException.class,
						e -> assertThat(e.kind()).isEqualTo(FailureKind.BAD_ARGUMENT))
				.hasMessageContaining("outside the recoverable window, from 2026-12-01T00:21:00Z (0/2000100) to "
						+ "2026-12-01T02:10:00Z (0/D000000)");
		}
		assertThatThrownBy(() -> RecoveryPlanner.plan(new RecoveryTarget.AtLsn(new Lsn(20 * MB16)), bases,
				segments(1, 2, 12), Map.of(), runs(3, 13), WHERE))
			.hasMessageContaining("outside the recoverable window");
	}

	@Test
	void aHoleBeforeTheTargetIsRefusedNamingTheSegmentAndTheLargestReachableTarget() {
		List<WalSegment> segments = segments(1, 2, 12);
		segments.remove(new WalSegment(1, 9, MB16));
		List<BaseBackupManifest> bases = List.of(base("b1", 2, 2, 21));

		assertThatThrownBy(
				() -> RecoveryPlanner.plan(new RecoveryTarget.Latest(), bases, segments, Map.of(), runs(3, 13), WHERE))
			.isInstanceOfSatisfying(DrbatchException.class,
					e -> assertThat(e.kind()).isEqualTo(FailureKind.WAL_CHAIN_BROKEN))
			.hasMessageContaining("segment 000000010000000000000009 is missing")
			.hasMessageContaining("the largest recoverable target is --to-lsn 0/9000000 (everything committed before "
					+ "2026-12-01T01:30:00Z: --to-time 2026-12-01T01:30:00Z)");

		// the suggested position needs nothing from the missing segment
		RecoveryPlanner.Plan suggested = RecoveryPlanner.plan(new RecoveryTarget.AtLsn(new Lsn(9 * MB16)), bases,
				segments, Map.of(), runs(3, 13), WHERE);
		assertThat(suggested.lastNeeded().number()).isEqualTo(8L);

		// a target before the hole does not need it
		RecoveryPlanner.Plan before = RecoveryPlanner.plan(new RecoveryTarget.AtTime(T0.plusSeconds(75 * 60)), bases,
				segments, Map.of(), runs(3, 13), WHERE);
		assertThat(numbers(before.needed())).containsExactly(2L, 3L, 4L, 5L, 6L, 7L);
		assertThat(numbers(before.following())).containsExactly(8L);
	}

	@Test
	void aHoleInsideTheBaseBackupItselfSaysToTakeANewOne() {
		List<WalSegment> segments = segments(1, 2, 12);
		segments.remove(new WalSegment(1, 3, MB16));
		assertThatThrownBy(() -> RecoveryPlanner.plan(new RecoveryTarget.Latest(), List.of(base("b1", 2, 3, 21)),
				segments, Map.of(), runs(4, 13), WHERE))
			.hasMessageContaining("base backup b1 cannot be made consistent without it");
	}

	@Test
	void afterAPromotionTheChainFollowsTheNewTimeline() {
		TimelineHistory history = TimelineHistory.parse(2, "1\t0/6000158\tno recovery target specified\n");
		List<WalSegment> segments = segments(1, 2, 7);
		segments.addAll(segments(2, 6, 9));
		RecoveryPlanner.Plan plan = RecoveryPlanner.plan(new RecoveryTarget.Latest(), List.of(base("b1", 2, 2, 21)),
				segments, Map.of(2, history), runs(3, 10), WHERE);

		assertThat(plan.needed()).extracting(s -> s.timeline() + ":" + s.number())
			.containsExactly("1:2", "1:3", "1:4", "1:5", "2:6", "2:7", "2:8", "2:9");
	}

	@Test
	void nothingToStartFromIsRefused() {
		assertThatThrownBy(() -> RecoveryPlanner.plan(new RecoveryTarget.Latest(), List.of(), segments(1, 2, 3),
				Map.of(), List.of(), WHERE))
			.hasMessageContaining("no base backup of 'shop' on target 'primary'; run base-backup first");
		assertThatThrownBy(() -> RecoveryPlanner.plan(new RecoveryTarget.Latest(), List.of(base("b1", 2, 2, 21)),
				List.of(), Map.of(), List.of(), WHERE))
			.hasMessageContaining("WAL archive of 'shop' on target 'primary' is empty");
	}

	@Test
	void theJobParameterFormRoundTrips() {
		for (RecoveryTarget target : List.of(new RecoveryTarget.Latest(), new RecoveryTarget.AtLsn(new Lsn(0x3000060)),
				new RecoveryTarget.AtLsn(new Lsn(0x3000060), false),
				new RecoveryTarget.AtTime(Instant.parse("2026-12-02T10:00:00.123456789Z")))) {
			assertThat(RecoveryTarget.parse(RecoveryTarget.format(target))).isEqualTo(target);
		}
		assertThat(RecoveryTarget.format(new RecoveryTarget.AtLsn(new Lsn(0x3000060)))).isEqualTo("lsn:0/3000060");
		assertThat(RecoveryTarget.format(new RecoveryTarget.AtLsn(new Lsn(0x3000060), false)))
			.isEqualTo("before-lsn:0/3000060");
		assertThatThrownBy(() -> RecoveryTarget.parse("yesterday")).isInstanceOf(IllegalArgumentException.class)
			.hasMessageContaining("'yesterday' is not latest, lsn:<lsn> or time:<ISO-8601 time>");
	}

	@Test
	void theSettingsSwitchArchivingOffAndSpellTheTimeAsPostgreSqlReadsIt() {
		List<String> lines = RecoveryFiles.settings(
				new RecoveryTarget.AtTime(Instant.parse("2026-12-02T11:38:51.944669167Z")),
				java.nio.file.Path.of("/spool/restore-wal.sh"), 5433, 150008);
		assertThat(lines).contains("archive_mode = off", "archive_command = ''", "archive_library = ''",
				"recovery_target_timeline = 'latest'", "recovery_target_action = 'promote'",
				"recovery_target_time = '2026-12-02 11:38:51.944669+00'", "port = 5433");
		assertThat(RecoveryFiles.settings(new RecoveryTarget.Latest(), java.nio.file.Path.of("/s/r.sh"), 5433, 140010))
			.doesNotContain("archive_library = ''")
			.noneMatch(line -> line.startsWith("recovery_target_time =") || line.startsWith("recovery_target_lsn"));
		assertThat(RecoveryFiles.settings(new RecoveryTarget.AtLsn(new Lsn(0x3000060)),
				java.nio.file.Path.of("/s/r.sh"), 5433, 150008))
			.contains("recovery_target_lsn = '0/3000060'", "recovery_target_inclusive = on");
		assertThat(RecoveryFiles.settings(new RecoveryTarget.AtLsn(new Lsn(0x3000060), false),
				java.nio.file.Path.of("/s/r.sh"), 5433, 150008))
			.as("a slot's consistent point: only the records before it are replayed")
			.contains("recovery_target_lsn = '0/3000060'", "recovery_target_inclusive = off");
	}

	@Test
	void aWrittenPgHbaLetsDrbatchsLoginInAsTheSourceDidAndNobodyElseWithoutAPassword() {
		assertThat(RecoveryFiles.hostBasedAuthentication("postgres", false))
			.contains("host all \"postgres\" 127.0.0.1/32 trust\n", "host all all 127.0.0.1/32 md5\n");
		assertThat(RecoveryFiles.hostBasedAuthentication("app\"ops", true))
			.contains("host all \"app\"\"ops\" 127.0.0.1/32 md5\n")
			.doesNotContain("trust");
	}

}
