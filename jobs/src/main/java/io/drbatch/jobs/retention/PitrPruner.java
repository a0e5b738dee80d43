package io.drbatch.jobs.retention;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.drbatch.manifest.BaseBackupCatalog;
import io.drbatch.manifest.BaseBackupManifest;
import io.drbatch.store.ObjectStore;
import io.drbatch.wal.Lsn;
import io.drbatch.wal.WalArchive;
import io.drbatch.wal.WalSegment;

/**
 * Point-in-time recovery's retention on one target, for one source: recovery must reach
 * any minute of the last {@code days} days, so every base backup that started within them
 * is kept, and so is the newest one that started before them (the anchor: recovery to the
 * window's oldest minute starts from it). Older base backups go (manifest first), then
 * every WAL segment of the anchor's chain before the anchor's start segment; never a
 * segment a kept base backup needs (and the records of the wal-archive runs that ended
 * before it). Without a base backup older than the window, the oldest one is the anchor.
 * A chain with no base backup keeps all its WAL (nothing says which of it a future
 * restore needs). Lock-aware like the dumps' retention: a locked object is kept and
 * reported. Idempotent; a relaunch continues where a killed run stopped.
 */
final class PitrPruner {

	private final int days;

	private final LockAwareDeletion deletion;

	PitrPruner(int days, Clock clock) {
		this.days = days;
		this.deletion = new LockAwareDeletion(clock);
	}

	/**
	 * The base backups of one chain, newest first, that are kept: those within the
	 * window, and the anchor.
	 */
	static List<BaseBackupManifest> kept(List<BaseBackupManifest> newestFirst, Instant cutoff) {
		List<BaseBackupManifest> kept = new ArrayList<>();
		for (BaseBackupManifest backup : newestFirst) {
			kept.add(backup);
			if (backup.startTime().isBefore(cutoff)) {
				break;
			}
		}
		return kept;
	}

	List<String> prune(ObjectStore store, String database, LocalDate date, boolean dryRun) {
		Instant now = date.plusDays(1).atStartOfDay(ZoneOffset.UTC).toInstant();
		Instant cutoff = now.minus(Duration.ofDays(this.days));
		Map<String, List<BaseBackupManifest>> chains = new LinkedHashMap<>();
		for (BaseBackupManifest backup : new BaseBackupCatalog(store).list(database)) {
			chains.computeIfAbsent(backup.systemIdentifier(), id -> new ArrayList<>()).add(backup);
		}
		List<String> report = new ArrayList<>();
		for (Map.Entry<String, List<BaseBackupManifest>> chain : chains.entrySet()) {
			List<BaseBackupManifest> kept = kept(chain.getValue(), cutoff);
			for (BaseBackupManifest backup : chain.getValue()) {
				if (kept.contains(backup)) {
					continue;
				}
				String where = store.name() + " base/" + database + "/" + backup.backupId() + " (started "
						+ backup.startTime() + ")";
				if (dryRun) {
					report.add("would delete " + where);
					continue;
				}
				List<String> keys = new ArrayList<>(
						List.of(BaseBackupCatalog.manifestKey(database, backup.backupId())));
				backup.objects().forEach(object -> keys.add(object.key()));
				report.addAll(this.deletion.delete(store, keys, where));
			}
			BaseBackupManifest anchor = kept.get(kept.size() - 1);
			report.addAll(pruneWal(store, database, anchor, dryRun));
		}
		return report;
	}

	/** Deletes the segments of the anchor's chain before the anchor's start segment. */
	private List<String> pruneWal(ObjectStore store, String database, BaseBackupManifest anchor, boolean dryRun) {
		WalArchive archive = new WalArchive(store, database, anchor.systemIdentifier(), anchor.segmentSize(), 1, null);
		long keepFrom = Lsn.parse(anchor.startLsn()).segmentNumber(anchor.segmentSize());
		List<WalSegment> obsolete = archive.segments().stream().filter(segment -> segment.number() < keepFrom).toList();
		if (!dryRun) {
			// the record of a run that ended before the anchor's start maps times no
			// recovery can reach any more
			Lsn anchorStart = Lsn.parse(anchor.startLsn()).segmentStart(anchor.segmentSize());
			for (WalArchive.Run run : archive.runs()) {
				if (run.switchedTo().compareTo(anchorStart) <= 0) {
					store.delete(archive.runKey(run));
				}
			}
		}
		if (obsolete.isEmpty()) {
			return List.of();
		}
		String range = obsolete.get(0) + " to " + obsolete.get(obsolete.size() - 1);
		String why = "before base backup " + anchor.backupId() + ", the oldest recovery of the " + this.days
				+ "-day window starts from";
		if (dryRun) {
			return List
				.of("would delete " + obsolete.size() + " WAL segment(s) of " + database + " (" + range + ") " + why);
		}
		int deleted = 0;
		List<String> kept = new ArrayList<>();
		for (WalSegment segment : obsolete) {
			List<String> lines = this.deletion.delete(store, List.of(archive.segmentKey(segment)),
					"WAL segment " + segment);
			if (lines.stream().allMatch(line -> line.startsWith("deleted "))) {
				deleted++;
			}
			else {
				kept.addAll(lines);
			}
		}
		List<String> report = new ArrayList<>();
		report.add("deleted " + deleted + " WAL segment(s) of " + database + " on " + store.name() + " (" + range + ") "
				+ why);
		if (!kept.isEmpty()) {
			report.add(kept.size() + " WAL segment(s) of " + database + " kept: " + kept.get(0)
					+ (kept.size() > 1 ? " (and " + (kept.size() - 1) + " more)" : ""));
		}
		return report;
	}

}
