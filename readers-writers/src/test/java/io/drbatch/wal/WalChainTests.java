package io.drbatch.wal;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class WalChainTests {

	private static final long MB16 = 16L * 1024 * 1024;

	private static List<WalSegment> segments(int timeline, long from, long to) {
		List<WalSegment> segments = new ArrayList<>();
		for (long n = from; n <= to; n++) {
			segments.add(new WalSegment(timeline, n, MB16));
		}
		return segments;
	}

	@Test
	void aContinuousChainHasNoGap() {
		assertThat(WalChain.gaps(segments(1, 3, 9), Map.of(), 3)).isEmpty();
		assertThat(WalChain.gaps(List.of(), Map.of(), 3)).isEmpty();
	}

	@Test
	void missingSegmentsAreReportedAsRanges() {
		List<WalSegment> segments = segments(1, 3, 9);
		segments.remove(new WalSegment(1, 5, MB16));
		segments.remove(new WalSegment(1, 6, MB16));
		segments.remove(new WalSegment(1, 8, MB16));

		assertThat(WalChain.gaps(segments, Map.of(), 2)).extracting(WalChain.Gap::describe)
			.containsExactly("segment 000000010000000000000002 is missing",
					"segments 000000010000000000000005 to 000000010000000000000006 are missing",
					"segment 000000010000000000000008 is missing");
	}

	@Test
	void aTimelineSwitchIsFollowedByItsHistoryFile() {
		// timeline 1 switched to 2 inside segment 6: 6 and later belong to timeline 2
		TimelineHistory history = TimelineHistory.parse(2, "1\t0/6000158\tno recovery target specified\n");
		List<WalSegment> segments = segments(1, 3, 6);
		segments.addAll(segments(2, 6, 8));

		assertThat(WalChain.gaps(segments, Map.of(2, history), 3)).isEmpty();
		assertThat(WalChain.gaps(segments, Map.of(), 3)).extracting(WalChain.Gap::describe)
			.contains("the history file of timeline 2 (00000002.history) is missing");

		List<WalSegment> withoutSwitchSegment = new ArrayList<>(segments);
		withoutSwitchSegment.remove(new WalSegment(2, 6, MB16));
		assertThat(WalChain.gaps(withoutSwitchSegment, Map.of(2, history), 3)).extracting(WalChain.Gap::describe)
			.containsExactly("segment 000000020000000000000006 is missing");
	}

}
