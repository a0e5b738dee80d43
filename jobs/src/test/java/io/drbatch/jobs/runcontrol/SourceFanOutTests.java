package io.drbatch.jobs.runcontrol;

import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * {@link SourceFanOut}: the width is the configured parallelism, no more than the
 * sources, for daily-dump and base-backup no more than the heap holds; the sources run
 * that many at a time, every one of them, results in the sources' order; a defect in the
 * work given is rethrown only after every source has ended.
 */
@Timeout(60)
class SourceFanOutTests {

	private static final long MB = 1024 * 1024;

	@Test
	void theWidthIsTheParallelismButNoMoreThanTheSources() {
		SourceFanOut fanOut = new SourceFanOut(4, 80 * MB);
		assertThat(fanOut.width(JobNames.WAL_ARCHIVE, 10, 64 * MB).parallelism()).isEqualTo(4);
		assertThat(fanOut.width(JobNames.WAL_ARCHIVE, 3, 64 * MB).parallelism()).isEqualTo(3);
		assertThat(fanOut.width(JobNames.WAL_ARCHIVE, 0, 64 * MB).parallelism()).isEqualTo(1);
		assertThat(fanOut.width(JobNames.WAL_ARCHIVE, 10, 64 * MB).lowered()).isEmpty();
	}

	@Test
	void aDailyDumpOrBaseBackupIsNarrowedToWhatTheHeapHoldsAndSaysWhy() {
		SourceFanOut fanOut = new SourceFanOut(4, 80 * MB);

		SourceFanOut.Width narrowed = fanOut.width(JobNames.DAILY_DUMP, 10, SourceFanOut.HEAP_HEADROOM + 200 * MB);
		assertThat(narrowed.parallelism()).isEqualTo(2);
		assertThat(narrowed.lowered()).hasValueSatisfying(why -> assertThat(why)
			.contains("drbatch.fleet.parallelism 4 lowered to 2", "each daily-dump holds 80 MB", "raise -Xmx"));
		assertThat(fanOut.width(JobNames.BASE_BACKUP, 10, SourceFanOut.HEAP_HEADROOM + 200 * MB).parallelism())
			.as("base-backup holds the same part buffers")
			.isEqualTo(2);
		assertThat(fanOut.width(JobNames.RESTORE_DRILL, 10, SourceFanOut.HEAP_HEADROOM + 200 * MB).parallelism())
			.as("a job without part buffers")
			.isEqualTo(4);

		assertThat(fanOut.width(JobNames.DAILY_DUMP, 10, 32 * MB).parallelism()).as("never fewer than one")
			.isEqualTo(1);
		assertThat(fanOut.width(JobNames.DAILY_DUMP, 10, SourceFanOut.HEAP_HEADROOM + 400 * MB).lowered()).isEmpty();
	}

	@Test
	void everySourceRunsAtMostParallelismAtATimeAndTheResultsKeepTheirOrder() throws InterruptedException {
		List<String> sources = List.of("a", "b", "c", "d", "e", "f", "g");
		AtomicInteger running = new AtomicInteger();
		AtomicInteger most = new AtomicInteger();
		CountDownLatch twoAtOnce = new CountDownLatch(2);

		List<String> results = SourceFanOut.run(sources, 2, "test-fan-out", source -> {
			most.accumulateAndGet(running.incrementAndGet(), Math::max);
			twoAtOnce.countDown();
			try {
				// the first two wait for each other: two really run at once
				assertThat(twoAtOnce.await(10, TimeUnit.SECONDS)).isTrue();
				Thread.sleep(20);
			}
			catch (InterruptedException ex) {
				throw new IllegalStateException(ex);
			}
			running.decrementAndGet();
			return source.toUpperCase() + "@" + Thread.currentThread().getName().replaceAll("-\\d+$", "");
		});

		assertThat(results).containsExactly("A@test-fan-out", "B@test-fan-out", "C@test-fan-out", "D@test-fan-out",
				"E@test-fan-out", "F@test-fan-out", "G@test-fan-out");
		assertThat(most.get()).isEqualTo(2);
	}

	@Test
	void aDefectInOneSourceIsRethrownAfterTheOthersHaveRun() {
		ConcurrentLinkedQueue<String> ran = new ConcurrentLinkedQueue<>();
		assertThatThrownBy(() -> SourceFanOut.run(List.of("a", "broken", "c", "d"), 2, "test-fan-out", source -> {
			if (source.equals("broken")) {
				throw new IllegalArgumentException("defect for " + source);
			}
			ran.add(source);
			return source;
		})).isInstanceOf(IllegalArgumentException.class).hasMessage("defect for broken");
		assertThat(ran).containsExactlyInAnyOrder("a", "c", "d");
	}

}
