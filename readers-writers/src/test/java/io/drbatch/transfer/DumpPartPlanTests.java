package io.drbatch.transfer;

import org.junit.jupiter.api.Test;

import io.drbatch.store.MultipartUploadStream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * How {@link DumpStreamer} cuts a dump into parts for databases of every size: S3 takes
 * at most 10,000 parts.
 */
class DumpPartPlanTests {

	private static final int MIB = 1024 * 1024;

	private static final long GIB = 1024L * MIB;

	private static final long HEAP = 160 * MIB;

	@Test
	void aDatabaseWhoseDumpFitsKeepsTheConfiguredParts() {
		assertThat(DumpStreamer.planParts(100 * GIB, 16 * MIB, 4, HEAP))
			.isEqualTo(new DumpStreamer.PartPlan(16 * MIB, 4, false));
	}

	@Test
	void aLargerDatabaseGetsLargerPartsThatHoldItsSizeOnDiskWithinTheLimit() {
		DumpStreamer.PartPlan plan = DumpStreamer.planParts(300 * GIB, 16 * MIB, 4, 4 * GIB);

		assertThat(plan.capped()).isFalse();
		assertThat(plan.partSize() % MIB).isZero();
		assertThat((long) plan.partSize() * MultipartUploadStream.MAX_PARTS).isGreaterThanOrEqualTo(300 * GIB);
		assertThat(plan.partSize()).isLessThan(40 * MIB);
		assertThat(plan.partsInFlight()).isEqualTo(4);
	}

	@Test
	void partsInFlightShrinkSoThatTheBuffersStayWithinHalfTheHeap() {
		DumpStreamer.PartPlan plan = DumpStreamer.planParts(300 * GIB, 16 * MIB, 4, HEAP);

		assertThat(plan.capped()).isFalse();
		assertThat((long) plan.partSize() * (plan.partsInFlight() + 1)).isLessThanOrEqualTo(HEAP / 2);
		assertThat(plan.partsInFlight()).isBetween(1, 3);
	}

	@Test
	void whenTheHeapCannotHoldTwoLargeEnoughPartsTheLargestThatFitAreUsedAndSaidToBeCapped() {
		DumpStreamer.PartPlan plan = DumpStreamer.planParts(2048 * GIB, 16 * MIB, 4, HEAP);

		assertThat(plan.capped()).isTrue();
		assertThat(plan.partsInFlight()).isEqualTo(1);
		assertThat(plan.partSize()).isEqualTo(40 * MIB);
	}

	@Test
	void partsInFlightNeverDropBelowOneNorExceedTheConfiguredNumber() {
		assertThat(MultipartUploadStream.partsInFlightWithin(16 * MIB, 4, 80 * MIB)).isEqualTo(4);
		assertThat(MultipartUploadStream.partsInFlightWithin(35 * MIB, 4, 80 * MIB)).isEqualTo(1);
		assertThat(MultipartUploadStream.partsInFlightWithin(20 * MIB, 8, 80 * MIB)).isEqualTo(3);
		assertThat(MultipartUploadStream.partsInFlightWithin(512 * MIB, 4, 80 * MIB)).isEqualTo(1);
	}

	@Test
	void aDatabaseBeyondTheLargestPartsIsSaidToBeCappedEvenWithAmpleHeap() {
		DumpStreamer.PartPlan plan = DumpStreamer.planParts(8192 * GIB, 16 * MIB, 4, 64 * GIB);

		assertThat(plan.capped()).isTrue();
		assertThat(plan.partSize()).isEqualTo(MultipartUploadStream.LARGEST_PART);
	}

}
