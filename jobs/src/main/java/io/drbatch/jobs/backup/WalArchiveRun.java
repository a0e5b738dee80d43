package io.drbatch.jobs.backup;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;

import org.postgresql.replication.PGReplicationStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.drbatch.codec.StreamEncryption;
import io.drbatch.failure.DrbatchException;
import io.drbatch.failure.FailureKind;
import io.drbatch.jobs.config.DrbatchProperties;
import io.drbatch.pg.PgConnectionSpec;
import io.drbatch.store.ObjectInfo;
import io.drbatch.store.ObjectStore;
import io.drbatch.wal.Lsn;
import io.drbatch.wal.ReplicationSession;
import io.drbatch.wal.TimelineHistory;
import io.drbatch.wal.WalArchive;
import io.drbatch.wal.WalChain;
import io.drbatch.wal.WalReceiver;
import io.drbatch.wal.WalSegment;
import io.drbatch.wal.WalSource;

/**
 * One run of the WAL archive for one source: checks the server, creates the slot if it is
 * missing (reserving WAL at once), forces a segment switch when WAL was written since the
 * last one (so that the archive's age stays within the cadence on a quiet database too),
 * streams the slot's WAL up to the end of that segment, stores every complete segment
 * (zstd, SHA-256, put, verified; locked on a locked target) and only then lets the slot
 * move past it, then checks the chain for holes since the start of the newest base
 * backup. A hole (a dropped or lost slot, a deleted segment) fails the run with
 * {@link FailureKind#WAL_CHAIN_BROKEN}, after the segments it could store are stored.
 * Nothing is written when there is nothing new. Safe to relaunch at any moment: it starts
 * again from the slot. Not thread-safe: one run per instance.
 */
public final class WalArchiveRun {

	private static final Logger log = LoggerFactory.getLogger(WalArchiveRun.class);

	/**
	 * What a run did.
	 *
	 * @param archivedThrough the position the archive holds all WAL up to (the end of its
	 * newest segment)
	 * @param serverAt the server's WAL position at the run's switch: everything written
	 * before it is archived
	 * @param slotRetainedBytes WAL the slot keeps on the server after the run
	 */
	public record Report(String database, String systemIdentifier, int timeline, int segmentsStored,
			int segmentsAlreadyThere, long bytesReceived, long bytesStored, Lsn archivedThrough, Lsn serverAt,
			Instant switchedAt, long slotRetainedBytes, boolean slotCreated, List<String> warnings) {
	}

	/** Where the WAL goes and how it is protected. */
	public record Destination(ObjectStore store, StreamEncryption encryption, DrbatchProperties.Lock lock) {
	}

	private final Clock clock;

	private final BooleanSupplier stopRequested;

	public WalArchiveRun(Clock clock, BooleanSupplier stopRequested) {
		this.clock = clock;
		this.stopRequested = stopRequested;
	}

	/**
	 * Archives {@code source}'s WAL up to now.
	 * @param newestBaseBackupStart where the newest base backup starts (its chain must
	 * have no hole after it), or empty when there is none yet (then the chain is checked
	 * from its oldest segment)
	 */
	public Report run(PgConnectionSpec source, DrbatchProperties.Source settings, Destination destination,
			java.util.function.Function<String, Optional<Lsn>> newestBaseBackupStart) {
		DrbatchProperties.Pitr pitr = settings.pitr();
		String slotName = settings.slotName();
		try (WalSource server = new WalSource(source)) {
			WalSource.Facts facts = server.facts();
			WalSource.check(facts, source.name());
			long segmentSize = facts.segmentSize();
			WalArchive archive = new WalArchive(destination.store(), source.name(), facts.systemIdentifier(),
					segmentSize, pitr.level(), destination.encryption());
			boolean created = false;
			WalSource.Slot slot = server.slot(slotName).orElse(null);
			if (slot != null && "lost".equals(slot.walStatus())) {
				log.error("wal-archive {}: slot {} lost the WAL it was to keep; recreating it", source.name(),
						slotName);
				server.dropSlot(slotName);
				slot = null;
			}
			if (slot == null) {
				slot = server.createSlot(slotName);
				created = true;
				log.info("wal-archive {}: created replication slot {} (keeps WAL from {})", source.name(), slotName,
						slot.restartLsn());
			}
			if (slot.active()) {
				throw new DrbatchException(FailureKind.DATABASE_UNAVAILABLE,
						"replication slot " + slotName + " of source '" + source.name()
								+ "' is in use by another process (another wal-archive run?); try again later");
			}
			try (ReplicationSession session = ReplicationSession.open(source)) {
				ReplicationSession.SystemIdentity identity = session.identifySystem();
				if (!identity.systemIdentifier().equals(facts.systemIdentifier())) {
					throw new DrbatchException(FailureKind.INTEGRITY,
							"the replication connection of '" + source.name() + "' reached system "
									+ identity.systemIdentifier() + ", the normal one " + facts.systemIdentifier());
				}
				TimelineHistory history = identity.timeline() > 1 ? session.timelineHistory(identity.timeline()) : null;
				if (history != null) {
					archive.storeHistory(history);
				}
				WalSource.Switch switched = server.switchSegment(segmentSize);
				Instant switchedAt = switched.serverTime();
				Lsn target = switched.boundary();
				Lsn start = slot.restartLsn().segmentStart(segmentSize);
				AtomicInteger uploaded = new AtomicInteger();
				AtomicInteger alreadyThere = new AtomicInteger();
				long[] bytesStored = { 0 };
				AtomicReference<WalSegment> newest = new AtomicReference<>();
				long received = 0;
				if (start.isBefore(target)) {
					log.info("wal-archive {}: streaming {} to {} ({} segment(s)) from slot {}", source.name(), start,
							target, target.minus(start) / segmentSize, slotName);
					PGReplicationStream stream = session.stream(slotName, start);
					WalReceiver receiver = new WalReceiver(segmentSize, pitr.idleTimeout(), 2, this.stopRequested);
					WalReceiver.Result result = receiver.receive(
							stream, start, target, number -> history != null
									? history.timelineOfSegment(number, segmentSize) : identity.timeline(),
							archive::encoder, encoded -> {
								WalSegment segment = encoded.segment();
								Map.Entry<ObjectInfo, WalArchive.Stored> stored = archive.store(encoded);
								if (stored.getValue() == WalArchive.Stored.UPLOADED) {
									uploaded.incrementAndGet();
									bytesStored[0] += stored.getKey().size();
									lock(destination, archive.segmentKey(segment));
								}
								else {
									alreadyThere.incrementAndGet();
								}
								newest.set(segment);
							});
					received = result.bytes();
					closeQuietly(stream);
				}
				else {
					log.info("wal-archive {}: nothing new (the archive holds everything before {})", source.name(),
							target);
				}
				WalSource.Slot after = awaitSlot(server, slotName, target, start.isBefore(target));
				long retained = after.restartLsn() != null ? server.currentLsn().minus(after.restartLsn()) : 0;
				List<String> warnings = new java.util.ArrayList<>();
				if (retained > pitr.slotRetainedLimit().toBytes()) {
					warnings.add("slot " + slotName + " keeps " + retained + " bytes of WAL on the server (limit "
							+ pitr.slotRetainedLimit() + "); is the archive keeping up?");
				}
				if (after.safeWalSize() != null && after.safeWalSize() < 2 * segmentSize) {
					warnings.add("slot " + slotName + " is about to lose WAL (safe_wal_size " + after.safeWalSize()
							+ " bytes, max_slot_wal_keep_size): the chain will break");
				}
				warnings.forEach(warning -> log.warn("wal-archive {}: {}", source.name(), warning));
				if (uploaded.get() > 0) {
					archive.writeState(new WalArchive.State(source.name(), facts.systemIdentifier(),
							identity.timeline(), segmentSize, newest.get().name(), newest.get().end().toString(),
							this.clock.instant(), target.toString(), switchedAt, slotName, retained));
				}
				WalArchive.Contents contents = archive.contents();
				List<WalSegment> segments = contents.segments();
				Report report = new Report(source.name(), facts.systemIdentifier(), identity.timeline(), uploaded.get(),
						alreadyThere.get(), received, bytesStored[0],
						segments.isEmpty() ? null : segments.get(segments.size() - 1).end(), target, switchedAt,
						retained, created, List.copyOf(warnings));
				checkChain(source.name(), archive, contents, newestBaseBackupStart.apply(facts.systemIdentifier()),
						segmentSize);
				if (start.isBefore(target)) {
					// a run with nothing new writes nothing: the newest recorded run
					// already maps every commit up to the archive's end
					archive.recordRun(new WalArchive.Run(switchedAt, target));
				}
				return report;
			}
		}
	}

	/**
	 * Fails with {@link FailureKind#WAL_CHAIN_BROKEN} when the chain has a hole after the
	 * newest base backup.
	 */
	private static void checkChain(String source, WalArchive archive, WalArchive.Contents contents, Optional<Lsn> from,
			long segmentSize) {
		List<WalSegment> segments = contents.segments();
		if (segments.isEmpty()) {
			return;
		}
		long first = from.map(lsn -> lsn.segmentNumber(segmentSize)).orElse(segments.get(0).number());
		List<WalChain.Gap> gaps = WalChain.gaps(segments, contents.histories(), first);
		if (!gaps.isEmpty()) {
			throw new DrbatchException(FailureKind.WAL_CHAIN_BROKEN,
					"the WAL archive of '" + source + "' on target '" + archive.store().name() + "' has a hole: "
							+ String.join("; ", gaps.stream().limit(3).map(WalChain.Gap::describe).toList())
							+ (from.isPresent() ? " (after the newest base backup, which starts at " + from.get() + ")"
									: " (no base backup yet)")
							+ "; recovery cannot pass it: take a new base backup (drbatch run base-backup database="
							+ source + ")");
		}
	}

	/**
	 * Locks a stored segment for the target's retention days when the target is locked.
	 */
	private void lock(Destination destination, String key) {
		if (destination.lock() != null && destination.lock().enabled()) {
			BackupLocks.of(destination.store())
				.retain(key, destination.lock().mode(),
						this.clock.instant().plus(Duration.ofDays(destination.lock().days())));
		}
	}

	/**
	 * The slot once the server has taken in the flushed position (it does so on the
	 * status message, a moment after): waits up to 10 s for its restart LSN to reach
	 * {@code target} when WAL was streamed.
	 */
	private static WalSource.Slot awaitSlot(WalSource server, String slotName, Lsn target, boolean streamed) {
		long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
		while (true) {
			WalSource.Slot slot = server.slot(slotName)
				.orElseThrow(() -> new DrbatchException(FailureKind.WAL_CHAIN_BROKEN,
						"replication slot " + slotName + " disappeared during the run"));
			if (!streamed || (slot.restartLsn() != null && !slot.restartLsn().isBefore(target))
					|| System.nanoTime() > deadline) {
				return slot;
			}
			try {
				Thread.sleep(50);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				return slot;
			}
		}
	}

	private static void closeQuietly(PGReplicationStream stream) {
		try {
			stream.close();
		}
		catch (java.sql.SQLException ex) {
			log.debug("Closing the replication stream: {}", ex.getMessage());
		}
	}

}
