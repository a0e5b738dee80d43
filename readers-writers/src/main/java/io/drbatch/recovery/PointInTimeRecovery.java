package io.drbatch.recovery;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.drbatch.codec.StreamEncryption;
import io.drbatch.failure.DrbatchException;
import io.drbatch.failure.FailureKind;
import io.drbatch.pg.PgConnectionSpec;
import io.drbatch.wal.WalArchive;
import io.drbatch.wal.WalSegment;

/**
 * One point-in-time recovery of a {@link RecoveryPlanner.Plan} into a local data
 * directory: the WAL prefetcher starts at once, on its own threads, while the base backup
 * streams into the directory and is verified; then the recovery settings are written, the
 * server is started and watched until it promoted at the target. Download, extraction and
 * replay overlap: the server replays the first segments while later ones arrive. On
 * success the server is left running (the caller verifies it, then stops it or hands it
 * over); on failure it is stopped, and the failure names the cause. Not thread-safe; one
 * instance per recovery.
 */
public final class PointInTimeRecovery {

	private static final Logger log = LoggerFactory.getLogger(PointInTimeRecovery.class);

	/**
	 * Where and how to recover.
	 *
	 * @param data the data directory, empty (created when missing)
	 * @param spool the folder WAL is prefetched into, outside {@code data}
	 * @param login a role of the recovered cluster to watch it with (host and port are
	 * replaced by the recovered server's)
	 */
	public record Request(RecoveryPlanner.Plan plan, WalArchive archive, Map<String, StreamEncryption> keys, Path data,
			Path spool, int port, PgConnectionSpec login, RecoveryServer.Settings server, int fetchParallel,
			int lookahead, Duration timeout) {
	}

	/** What a recovery did and reached. */
	public record Outcome(RecoveryServer server, RecoveryServer.Recovered recovered,
			BaseBackupExtractor.Extracted extracted, long walSegments, long walBytes, long extractMillis,
			long replayMillis) {
	}

	private PointInTimeRecovery() {
	}

	/**
	 * The server replayed every segment it was given and found no record past its target:
	 * nothing was committed between the target and the end of the archive (the plan gave
	 * it all the WAL written before the target, and more up to the archive's end or a
	 * hole), so the end of that WAL is the target's state. PostgreSQL refuses to promote
	 * there ("recovery ended before configured recovery target was reached"); the same
	 * recovery without a target, resumed from its last restartpoint on the WAL it kept in
	 * {@code pg_wal}, does.
	 */
	private static RecoveryServer.Recovered recoverToTheEnd(Request request, RecoveryServer server, Path script,
			PgConnectionSpec login, WalPrefetcher prefetcher) throws IOException {
		log.info("recovery: no transaction was committed between {} and the end of the archived WAL; recovering"
				+ " to that end, which is the target's state", request.plan().target().describe());
		configure(request, new RecoveryTarget.Latest(), script);
		server.handOver(request.data());
		server.start();
		return server.awaitPromotion(login, request.timeout(), prefetcher::failure);
	}

	private static void configure(Request request, RecoveryTarget target, Path script) throws IOException {
		String password = request.login().password();
		RecoveryFiles.configure(request.data(), target, script, request.port(),
				request.plan().base().serverVersionNum(), request.login().username(),
				password != null && !password.isEmpty());
	}

	public static Outcome run(Request request) {
		RecoveryPlanner.Plan plan = request.plan();
		int major = plan.base().serverVersionNum() / 10000;
		RecoveryServer server = new RecoveryServer(request.server(), major, request.data(), request.port(),
				request.spool().resolve("postgresql.log"));
		List<WalSegment> segments = new ArrayList<>(plan.needed());
		segments.addAll(plan.following());
		long started = System.nanoTime();
		try (WalPrefetcher prefetcher = new WalPrefetcher(request.archive(), request.keys(), request.spool(),
				request.fetchParallel(), request.lookahead())) {
			Path script = RecoveryFiles.restoreScript(request.spool());
			prefetcher.start(segments, plan.histories().values());
			log.info("recovery: base backup {} into {}, then {} WAL segment(s) from {} ({} more available), {}",
					plan.base().backupId(), request.data(), plan.needed().size(), plan.needed().get(0),
					plan.following().size(), plan.target().describe());
			BaseBackupExtractor.Extracted extracted = BaseBackupExtractor.extract(request.archive().store(),
					plan.base(), request.keys(), request.data());
			long extractMillis = (System.nanoTime() - started) / 1_000_000;
			prefetcher.failure().ifPresent(failure -> {
				throw failure;
			});
			configure(request, plan.target(), script);
			server.handOver(request.data(), request.spool());
			long replayStart = System.nanoTime();
			server.start();
			try {
				PgConnectionSpec login = new PgConnectionSpec(request.login().name(), "127.0.0.1", request.port(),
						"postgres", request.login().username(), request.login().password(), "disable");
				RecoveryServer.Recovered recovered;
				try {
					recovered = server.awaitPromotion(login, request.timeout(), prefetcher::failure);
				}
				catch (DrbatchException ex) {
					if (!(plan.target() instanceof RecoveryTarget.Latest) && ex.kind() == FailureKind.WAL_CHAIN_BROKEN
							&& ex.getMessage().contains(RecoveryServer.ENDED_BEFORE_TARGET)
							&& prefetcher.failure().isEmpty() && prefetcher.finished()) {
						recovered = recoverToTheEnd(request, server, script, login, prefetcher);
					}
					else {
						throw ex;
					}
				}
				long replayMillis = (System.nanoTime() - replayStart) / 1_000_000;
				log.info("recovery: promoted at {} (last replayed commit {}, timeline {}) after {} ms of replay",
						recovered.position(), recovered.lastReplayedCommit(), recovered.timeline(), replayMillis);
				return new Outcome(server, recovered, extracted, prefetcher.segmentsFetched(),
						prefetcher.bytesDownloaded(), extractMillis, replayMillis);
			}
			catch (RuntimeException ex) {
				server.stop();
				throw ex;
			}
		}
		catch (IOException ex) {
			throw new UncheckedIOException("cannot prepare the recovery in " + request.data(), ex);
		}
	}

}
