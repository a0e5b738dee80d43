package io.drbatch.jobs.runcontrol;

import java.util.List;
import java.util.concurrent.CompletableFuture;
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
 * sources, for daily-dump and base-backup no more than the heap holds part buffers for;
 * the sources run that many at a time, every one of them, results in the sources' order;
 * runs of daily-dump and base-backup side by side share the heap's budget, other jobs do
 * not wait for it; a defect in the work given is rethrown only after every source has
 * ended.
 */
@Timeout(60)
class SourceFanOutTests {

	private static final long MB = 1024 * 1024;

	/** Room for two sets of 80 MB part buffers. */
	private static final long TWO_SETS = SourceFanOut.HEAP_HEADROOM + 200 * MB;

	@Test
	void theWidthIsTheParallelismButNoMoreThanTheSources() {
		SourceFanOut fanOut = new SourceFanOut(4, 80 * MB, 64 * MB);
		assertThat(fanOut.width(JobNames.WAL_ARCHIVE, 10).parallelism()).isEqualTo(4);
		assertThat(fanOut.width(JobNames.WAL_ARCHIVE, 3).parallelism()).isEqualTo(3);
		assertThat(fanOut.width(JobNames.WAL_ARCHIVE, 0).parallelism()).isEqualTo(1);
		assertThat(fanOut.width(JobNames.WAL_ARCHIVE, 10).lowered()).isEmpty();
	}

	@Test
	void aDailyDumpOrBaseBackupIsNarrowedToWhatTheHeapHoldsAndSaysWhy() {
		SourceFanOut fanOut = new SourceFanOut(4, 80 * MB, TWO_SETS);

		SourceFanOut.Width narrowed = fanOut.width(JobNames.DAILY_DUMP, 10);
		assertThat(narrowed.parallelism()).isEqualTo(2);
		assertThat(narrowed.lowered()).hasValueSatisfying(why -> assertThat(why)
			.contains("drbatch.fleet.parallelism 4 lowered to 2", "each daily-dump holds 80 MB", "raise -Xmx"));
		assertThat(fanOut.width(JobNames.BASE_BACKUP, 10).parallelism()).as("base-backup holds the same part buffers")
			.isEqualTo(2);
		assertThat(fanOut.width(JobNames.RESTORE_DRILL, 10).parallelism()).as("a job without part buffers")
			.isEqualTo(4);

		assertThat(new SourceFanOut(4, 80 * MB, 32 * MB).width(JobNames.DAILY_DUMP, 10).parallelism())
			.as("never fewer than one")
			.isEqualTo(1);
		assertThat(new SourceFanOut(4, 80 * MB, SourceFanOut.HEAP_HEADROOM + 400 * MB).width(JobNames.DAILY_DUMP, 10)
			.lowered()).isEmpty();
	}

	@Test
	void everySourceRunsAtMostParallelismAtATimeAndTheResultsKeepTheirOrder() throws InterruptedException {
		SourceFanOut fanOut = new SourceFanOut(2, 80 * MB, TWO_SETS);
		List<String> sources = List.of("a", "b", "c", "d", "e", "f", "g");
		AtomicInteger running = new AtomicInteger();
		AtomicInteger most = new AtomicInteger();
		CountDownLatch twoAtOnce = new CountDownLatch(2);

		List<String> results = fanOut.run(JobNames.DAILY_DUMP, sources, 2, "test-fan-out", source -> {
			most.accumulateAndGet(running.incrementAndGet(), Math::max);
			twoAtOnce.countDown();
			// the first two wait for each other: two really run at once
			await(twoAtOnce);
			sleep(20);
			running.decrementAndGet();
			return source.toUpperCase() + "@" + Thread.currentThread().getName().replaceAll("-\\d+$", "");
		});

		assertThat(results).containsExactly("A@test-fan-out", "B@test-fan-out", "C@test-fan-out", "D@test-fan-out",
				"E@test-fan-out", "F@test-fan-out", "G@test-fan-out");
		assertThat(most.get()).isEqualTo(2);
		assertThat(fanOut.freeBufferSets()).as("every set given back").isEqualTo(2);
	}

	/**
	 * A daily-dump fire and a base-backup fire in one process, each two wide, on a heap
	 * of two sets: at most two of their sources hold buffers at once, while a wal-archive
	 * fire beside them does not wait for the heap.
	 */
	@Test
	void dailyDumpAndBaseBackupRunsSideBySideShareTheHeapsBudget() throws Exception {
		SourceFanOut fanOut = new SourceFanOut(2, 80 * MB, TWO_SETS);
		AtomicInteger holding = new AtomicInteger();
		AtomicInteger most = new AtomicInteger();
		CountDownLatch bothFull = new CountDownLatch(2);
		CountDownLatch walArchiveRan = new CountDownLatch(1);
		java.util.function.Function<String, String> buffered = source -> {
			most.accumulateAndGet(holding.incrementAndGet(), Math::max);
			bothFull.countDown();
			// the first two hold their sets until the wal-archive run has been through
			await(walArchiveRan);
			sleep(10);
			holding.decrementAndGet();
			return source;
		};

		CompletableFuture<List<String>> dumps = CompletableFuture.supplyAsync(
				() -> call(() -> fanOut.run(JobNames.DAILY_DUMP, List.of("a", "b", "c"), 2, "dump", buffered)));
		CompletableFuture<List<String>> baseBackups = CompletableFuture.supplyAsync(
				() -> call(() -> fanOut.run(JobNames.BASE_BACKUP, List.of("x", "y", "z"), 2, "base", buffered)));
		await(bothFull);
		assertThat(fanOut.freeBufferSets()).isZero();
		List<String> archived = fanOut.run(JobNames.WAL_ARCHIVE, List.of("w"), 1, "wal", source -> {
			walArchiveRan.countDown();
			return source;
		});

		assertThat(archived).containsExactly("w");
		assertThat(dumps.get(30, TimeUnit.SECONDS)).containsExactly("a", "b", "c");
		assertThat(baseBackups.get(30, TimeUnit.SECONDS)).containsExactly("x", "y", "z");
		assertThat(most.get()).as("sources holding part buffers at once").isEqualTo(2);
		assertThat(fanOut.freeBufferSets()).isEqualTo(2);
	}

	@Test
	void aDefectInOneSourceIsRethrownAfterTheOthersHaveRun() {
		SourceFanOut fanOut = new SourceFanOut(2, 80 * MB, TWO_SETS);
		ConcurrentLinkedQueue<String> ran = new ConcurrentLinkedQueue<>();
		assertThatThrownBy(
				() -> fanOut.run(JobNames.DAILY_DUMP, List.of("a", "broken", "c", "d"), 2, "test-fan-out", source -> {
					if (source.equals("broken")) {
						throw new IllegalArgumentException("defect for " + source);
					}
					ran.add(source);
					return source;
				}))
			.isInstanceOf(IllegalArgumentException.class)
			.hasMessage("defect for broken");
		assertThat(ran).containsExactlyInAnyOrder("a", "c", "d");
		assertThat(fanOut.freeBufferSets()).as("the failed source's set given back too").isEqualTo(2);
	}

	private static void await(CountDownLatch latch) {
		try {
			assertThat(latch.await(10, TimeUnit.SECONDS)).isTrue();
		}
		catch (InterruptedException ex) {
			throw new IllegalStateException(ex);
		}
	}

	private static void sleep(long millis) {
		try {
			Thread.sleep(millis);
		}
		catch (InterruptedException ex) {
			throw new IllegalStateException(ex);
		}
	}

	private static <T> T call(java.util.concurrent.Callable<T> call) {
		try {
			return call.call();
		}
		catch (Exception ex) {
			throw new IllegalStateException(ex);
		}
	}

}
