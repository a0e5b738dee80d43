package io.drbatch.wal;

import org.junit.jupiter.api.Test;

import io.drbatch.failure.DrbatchException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class WalSegmentTests {

	private static final long MB16 = 16L * 1024 * 1024;

	@Test
	void positionsReadAndPrintAsPostgresWritesThem() {
		Lsn lsn = Lsn.parse("16/B374D848");
		assertThat(lsn.value()).isEqualTo(0x16B374D848L);
		assertThat(lsn).hasToString("16/B374D848");
		assertThat(Lsn.parse("0/0")).isEqualTo(Lsn.ZERO);
		assertThat(Lsn.parse("0/3000000").compareTo(Lsn.parse("0/2FFFFFF"))).isPositive();
		assertThatThrownBy(() -> Lsn.parse("16B374D848")).isInstanceOf(DrbatchException.class)
			.hasMessageContaining("16B374D848");
		assertThatThrownBy(() -> Lsn.parse("G/1")).isInstanceOf(DrbatchException.class);
	}

	@Test
	void segmentNamesFollowPostgresForSixteenMegabyteSegments() {
		// pg_walfile_name('16/B374D848') on timeline 1 is 0000000100000016000000B3
		WalSegment segment = WalSegment.containing(1, Lsn.parse("16/B374D848"), MB16);
		assertThat(segment.name()).isEqualTo("0000000100000016000000B3");
		assertThat(segment.start()).isEqualTo(Lsn.parse("16/B3000000"));
		assertThat(segment.end()).isEqualTo(Lsn.parse("16/B4000000"));
		assertThat(WalSegment.parse("0000000100000016000000B3", MB16)).isEqualTo(segment);
		assertThat(WalSegment.parse("00000001000000160000FFFF", MB16)).as("seg part beyond a log of 16 MB segments")
			.isNull();
		assertThat(WalSegment.parse("00000002.history", MB16)).isNull();
		assertThat(new WalSegment(1, 255, MB16).next().name()).isEqualTo("000000010000000100000000");
	}

	@Test
	void segmentNamesFollowTheSegmentSize() {
		long mb64 = 64L * 1024 * 1024;
		WalSegment segment = WalSegment.containing(3, Lsn.parse("1/C0000000"), mb64);
		assertThat(segment.name()).isEqualTo("000000030000000100000030");
		assertThat(WalSegment.parse(segment.name(), mb64)).isEqualTo(segment);
	}

	@Test
	void boundariesRoundUpToTheNextSegmentUnlessAlreadyOnOne() {
		assertThat(Lsn.parse("0/3000000").nextSegmentBoundary(MB16)).isEqualTo(Lsn.parse("0/3000000"));
		assertThat(Lsn.parse("0/3000001").nextSegmentBoundary(MB16)).isEqualTo(Lsn.parse("0/4000000"));
		assertThat(Lsn.parse("0/3FFFFFF").segmentStart(MB16)).isEqualTo(Lsn.parse("0/3000000"));
	}

}
