package io.drbatch.jobs.runcontrol;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.drbatch.jobs.config.DrbatchProperties;

/**
 * Runs a job once per source, {@code drbatch.fleet.parallelism} sources at a time, for
 * both ways a fleet is run: {@code drbatch run <job>} without a database (a CronJob) and
 * a scheduler fire. Each source is its own job instance, so one that fails or is
 * relaunched repeats none of the others; the work given per source decides what a failure
 * means and must not throw for one.
 *
 * <p>
 * daily-dump and base-backup each hold a multipart upload's part buffers
 * ({@code drbatch.dump.part-size x (parts-in-flight + 1)} per source). The heap, less
 * {@link #HEAP_HEADROOM}, is a budget of that many buffer sets for the whole process: a
 * fleet's width is no more than the budget (and never less than one: too small a heap
 * slows a fleet down, it must not make runs fail), and every source of those two jobs
 * takes a set from the budget for as long as it runs, so that fires of both jobs
 * overlapping in one scheduler process wait for each other instead of running out of heap
 * together. One instance per process; thread-safe; every {@link #run} uses threads of its
 * own, ended when it returns.
 */
public final class SourceFanOut {

	private static final Logger log = LoggerFactory.getLogger(SourceFanOut.class);

	/**
	 * Heap kept free beside the sources' buffers when the parallelism is fitted to the
	 * heap.
	 */
	public static final long HEAP_HEADROOM = 96L * 1024 * 1024;

	/** The jobs that hold part buffers for each source they run. */
	private static final Set<String> BUFFERED = Set.of(JobNames.DAILY_DUMP, JobNames.BASE_BACKUP);

	/**
	 * How many sources run at once.
	 *
	 * @param lowered why the configured parallelism was lowered, when it was
	 */
	public record Width(int parallelism, Optional<String> lowered) {
	}

	private final int fleetParallelism;

	/**
	 * What one source's run of a {@link #BUFFERED} job holds in part buffers: part-size x
	 * (parts-in-flight + 1).
	 */
	private final long partBuffers;

	private final long maxHeap;

	/** How many sets of part buffers the heap holds, with the headroom to spare. */
	private final int bufferSets;

	/** The sets of part buffers not held by a running source. */
	private final Semaphore freeBufferSets;

	public SourceFanOut(DrbatchProperties properties) {
		this(properties.fleet().parallelism(),
				properties.dump().partSize().toBytes() * (properties.dump().partsInFlight() + 1L),
				Runtime.getRuntime().maxMemory());
	}

	SourceFanOut(int fleetParallelism, long partBuffers, long maxHeap) {
		this.fleetParallelism = fleetParallelism;
		this.partBuffers = partBuffers;
		this.maxHeap = maxHeap;
		this.bufferSets = (int) Math.max(1, (maxHeap - HEAP_HEADROOM) / partBuffers);
		this.freeBufferSets = new Semaphore(this.bufferSets, true);
	}

	/** How many of {@code sources} sources of {@code jobName} run at once. */
	public Width width(String jobName, int sources) {
		int parallelism = Math.max(1, Math.min(this.fleetParallelism, sources));
		if (BUFFERED.contains(jobName) && this.bufferSets < parallelism) {
			return new Width(this.bufferSets, Optional.of(String.format(
					"drbatch.fleet.parallelism %d lowered to %d: each %s holds %d MB of part buffers"
							+ " and the heap is %d MB (raise -Xmx, e.g. in DRBATCH_JAVA_OPTS or JAVA_TOOL_OPTIONS)",
					this.fleetParallelism, this.bufferSets, jobName, this.partBuffers / (1024 * 1024),
					this.maxHeap / (1024 * 1024))));
		}
		return new Width(parallelism, Optional.empty());
	}

	/**
	 * Runs {@code perSource} for each of {@code sources}, {@code parallelism} at a time
	 * on threads named {@code threadName-N}, each source of a job that holds part buffers
	 * only once it has a set of them from the process's budget, and returns the results
	 * in the sources' order. An exception thrown by {@code perSource} is a defect in it:
	 * it is rethrown once every source has ended.
	 * @throws InterruptedException when the calling thread is interrupted; sources not
	 * started yet are not started, those running are interrupted
	 */
	public <T> List<T> run(String jobName, List<String> sources, int parallelism, String threadName,
			Function<String, T> perSource) throws InterruptedException {
		Function<String, T> work = BUFFERED.contains(jobName) ? source -> withBufferSet(jobName, source, perSource)
				: perSource;
		AtomicInteger threads = new AtomicInteger();
		ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, parallelism), runnable -> {
			Thread thread = new Thread(runnable, threadName + "-" + threads.incrementAndGet());
			thread.setDaemon(true);
			return thread;
		});
		try {
			List<Future<T>> futures = new ArrayList<>();
			for (String source : sources) {
				futures.add(pool.submit(() -> work.apply(source)));
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

	/** Sets of part buffers no running source holds now. */
	int freeBufferSets() {
		return this.freeBufferSets.availablePermits();
	}

	private <T> T withBufferSet(String jobName, String source, Function<String, T> perSource) {
		try {
			if (!this.freeBufferSets.tryAcquire()) {
				log.info("{} of {} waits for heap: the {} MB of part buffers it needs are held by other runs"
						+ " in this process", jobName, source, this.partBuffers / (1024 * 1024));
				this.freeBufferSets.acquire();
			}
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException(jobName + " of " + source + " interrupted while waiting for heap", ex);
		}
		try {
			return perSource.apply(source);
		}
		finally {
			this.freeBufferSets.release();
		}
	}

}
