package io.drbatch.jobs.backup;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

import io.drbatch.manifest.BaseBackupCatalog;
import io.drbatch.manifest.BaseBackupManifest;
import io.drbatch.store.ObjectInfo;
import io.drbatch.store.ObjectStore;
import io.drbatch.wal.Lsn;
import io.drbatch.wal.WalArchive;
import io.drbatch.wal.WalChain;
import io.drbatch.wal.WalSegment;

/**
 * What a target says about one source's point-in-time recovery, read from the bucket
 * alone: the current chain (the system identifier whose archive was written last), how
 * far it reaches and when it was last known complete, the base backups on it, and the
 * holes that recovery cannot pass: after the newest base backup ({@link #broken()}), and
 * between the oldest and the newest ({@link #olderGaps()}: points in that stretch cannot
 * be recovered). Used by status, metrics and {@code drbatch wal verify}. Immutable.
 *
 * @param state what the last run that stored WAL recorded, empty when the archive is
 * empty
 * @param segments how many segments the chain holds
 * @param oldest the oldest archived segment, {@code null} when none
 * @param newest the newest archived segment, {@code null} when none
 */
public record WalArchiveHealth(String database, String target, Optional<WalArchive.State> state, int segments,
		WalSegment oldest, WalSegment newest, List<BaseBackupManifest> baseBackups,
		List<WalChain.Gap> gapsAfterNewestBase, List<WalChain.Gap> olderGaps) {

	/**
	 * Whether recovery from the newest base backup to the end of the archive would meet a
	 * hole.
	 */
	public boolean broken() {
		return !this.gapsAfterNewestBase.isEmpty();
	}

	public Optional<BaseBackupManifest> newestBaseBackup() {
		return this.baseBackups.stream().findFirst();
	}

	/** Reads the chain of {@code database} on {@code store}. */
	public static WalArchiveHealth read(ObjectStore store, String database) {
		Set<String> systems = new TreeSet<>();
		String prefix = "wal/" + database + "/";
		for (ObjectInfo object : store.list(prefix)) {
			String rest = object.key().substring(prefix.length());
			int slash = rest.indexOf('/');
			if (slash > 0) {
				systems.add(rest.substring(0, slash));
			}
		}
		Optional<WalArchive.State> state = systems.stream()
			.map(system -> WalArchive.readState(store, database, system))
			.flatMap(Optional::stream)
			.max(Comparator.comparing(WalArchive.State::runAt));
		if (state.isEmpty()) {
			return new WalArchiveHealth(database, store.name(), Optional.empty(), 0, null, null,
					onChain(store, database, null), List.of(), List.of());
		}
		WalArchive.State current = state.get();
		WalArchive archive = new WalArchive(store, database, current.systemIdentifier(), current.segmentSize(), 1,
				null);
		WalArchive.Contents contents = archive.contents();
		List<WalSegment> segments = contents.segments();
		List<BaseBackupManifest> baseBackups = onChain(store, database, current.systemIdentifier());
		List<WalChain.Gap> afterNewest = List.of();
		List<WalChain.Gap> older = List.of();
		if (!segments.isEmpty()) {
			var histories = contents.histories();
			long newestBaseStart = baseBackups.isEmpty() ? segments.get(0).number()
					: Lsn.parse(baseBackups.get(0).startLsn()).segmentNumber(current.segmentSize());
			afterNewest = WalChain.gaps(segments, histories, newestBaseStart);
			if (baseBackups.size() > 1) {
				long oldestBaseStart = Lsn.parse(baseBackups.get(baseBackups.size() - 1).startLsn())
					.segmentNumber(current.segmentSize());
				List<WalChain.Gap> all = new ArrayList<>(WalChain.gaps(segments, histories, oldestBaseStart));
				all.removeIf(gap -> gap.first() == null || gap.first().number() >= newestBaseStart);
				older = all;
			}
		}
		return new WalArchiveHealth(database, store.name(), state, segments.size(),
				segments.isEmpty() ? null : segments.get(0),
				segments.isEmpty() ? null : segments.get(segments.size() - 1), baseBackups, afterNewest, older);
	}

	private static List<BaseBackupManifest> onChain(ObjectStore store, String database, String systemIdentifier) {
		return new BaseBackupCatalog(store).list(database)
			.stream()
			.filter(m -> systemIdentifier == null || m.systemIdentifier().equals(systemIdentifier))
			.toList();
	}

}
