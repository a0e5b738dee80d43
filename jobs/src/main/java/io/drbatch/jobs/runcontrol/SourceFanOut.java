package io.drbatch.jobs.runcontrol;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

import io.drbatch.jobs.config.DrbatchProperties;

/**
 * Runs a job once per source, {@code drbatch.fleet.parallelism} sources at a time, for
 * both ways a fleet is run: {@code drbatch run <job>} without a database (a CronJob) and
 * a scheduler fire. Each source is its own job instance, so one that fails or is
 * relaunched repeats none of the others; the work given per source decides what a failure
 * means and must not throw for one.
 *
 * <p>
 * For daily-dump and base-backup, which each hold a multipart upload's part buffers
 * ({@code drbatch.dump.part-size x (parts-in-flight + 1)} per source), the width is no
 * more than the heap holds buffers for, with {@link #HEAP_HEADROOM} to spare, and never
 * less than one: too small a heap slows a fleet down, it must not make runs fail.
 * Thread-safe; every {@link #run} uses threads of its own, ended when it returns.
 */
public final class SourceFanOut {

	/**
	 * Heap kept free beside the sources' buffers when the parallelism is fitted to the
	 * heap.
	 */
	public static final long HEAP_HEADROOM = 96L * 1024 * 1024;

	/**
	 * How many sources run at once.
	 *
	 * @param lowered why the configured parallelism was lowered, when it was
	 */
	public record Width(int parallelism, Optional<String> lowered) {
	}

	private final int fleetParallelism;

	/** The jobs that hold part buffers for each source they run. */
	private static final Set<String> BUFFERED = Set.of(JobNames.DAILY_DUMP, JobNames.BASE_BACKUP);

	/**
	 * What one source's run of a {@link #BUFFERED} job holds in part buffers: part-size x
	 * (parts-in-flight + 1).
	 */
	private final long partBuffers;

	public SourceFanOut(DrbatchProperties properties) {
		this(properties.fleet().parallelism(),
				properties.dump().partSize().toBytes() * (properties.dump().partsInFlight() + 1L));
	}

	SourceFanOut(int fleetParallelism, long partBuffers) {
		this.fleetParallelism = fleetParallelism;
		this.partBuffers = partBuffers;
	}

	/** How many of {@code sources} sources of {@code jobName} run at once. */
	public Width width(String jobName, int sources, long maxHeap) {
		int parallelism = Math.max(1, Math.min(this.fleetParallelism, sources));
		if (BUFFERED.contains(jobName) && parallelism > 1) {
			int fits = (int) Math.max(1, (maxHeap - HEAP_HEADROOM) / this.partBuffers);
			if (fits < parallelism) {
				return new Width(fits, Optional.of(String.format(
						"drbatch.fleet.parallelism %d lowered to %d: each %s holds %d MB of part buffers"
								+ " and the heap is %d MB (raise -Xmx, e.g. in DRBATCH_JAVA_OPTS or JAVA_TOOL_OPTIONS)",
						this.fleetParallelism, fits, jobName, this.partBuffers / (1024 * 1024),
						maxHeap / (1024 * 1024))));
			}
		}
		return new Width(parallelism, Optional.empty());
	}

	/**
	 * Runs {@code perSource} for each of {@code sources}, {@code parallelism} at a time
	 * on threads named {@code threadName-N}, and returns the results in the sources'
	 * order. An exception thrown by {@code perSource} is a defect in it: it is rethrown
	 * once every source has ended.
	 * @throws InterruptedException when the calling thread is interrupted; sources not
	 * started yet are not started, those running are interrupted
	 */
	public static <T> List<T> run(List<String> sources, int parallelism, String threadName,
			Function<String, T> perSource) throws InterruptedException {
		AtomicInteger threads = new AtomicInteger();
		ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, parallelism), runnable -> {
			Thread thread = new Thread(runnable, threadName + "-" + threads.incrementAndGet());
			thread.setDaemon(true);
			return thread;
		});
		try {
			List<Future<T>> futures = new ArrayList<>();
			for (String source : sources) {
				futures.add(pool.submit(() -> perSource.apply(source)));
			}
			List<T> results = new ArrayList<>();
			RuntimeException defect = null;
			for (Future<T> future : futures) {
				try {
					results.add(future.get());
				}
				catch (ExecutionException ex) {
					if (ex.getCause() instanceof Error error) {
						throw error;
					}
					if (defect == null) {
						defect = ex.getCause() instanceof RuntimeException runtime ? runtime
								: new IllegalStateException(ex.getCause());
					}
				}
			}
			if (defect != null) {
				throw defect;
			}
			return results;
		}
		finally {
			pool.shutdownNow();
		}
	}

}
