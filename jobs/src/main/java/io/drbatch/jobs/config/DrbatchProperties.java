package io.drbatch.jobs.config;

import java.net.URI;
import java.nio.file.Path;
import java.util.List;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

import io.drbatch.codec.Compression;
import io.drbatch.manifest.Tier;
import io.drbatch.pg.DumpFormat;
import io.drbatch.store.LockMode;
import io.drbatch.store.ServerSideEncryption;
import io.drbatch.store.StorageClass;

/**
 * Everything drbatch is configured with, under the prefix {@code drbatch}. Bound from {@code application.yml}
 * (the built-in local defaults), any extra file named by {@code --spring.config.additional-location}, and
 * environment variables ({@code DRBATCH_SOURCES_0_PASSWORD}, {@code DRBATCH_DUMP_PART_SIZE}, ...).
 * Checked at startup by {@link DrbatchPropertiesValidator}; every error names its key.
 *
 * @param sources the databases drbatch backs up; the job parameter {@code database} picks one by name, the
 * first is the default
 * @param targets the object stores backups go to; the first is the primary
 */
@ConfigurationProperties("drbatch")
public record DrbatchProperties(List<Source> sources, List<Target> targets, @DefaultValue Dump dump,
		@DefaultValue Drill drill, @DefaultValue Retention retention, @DefaultValue Tiering tiering) {

	public DrbatchProperties {
		sources = sources == null ? List.of() : List.copyOf(sources);
		targets = targets == null ? List.of() : List.copyOf(targets);
	}

	/**
	 * One source database. The password comes from {@code password} (bind it from an environment variable
	 * such as {@code DRBATCH_SOURCES_0_PASSWORD}, never write it into a file in the repository) or from
	 * {@code password-file} (e.g. a mounted Kubernetes Secret); with neither, the login needs no password
	 * (trust, peer or the user's own pgpass).
	 */
	public record Source(String name, @DefaultValue("127.0.0.1") String host, @DefaultValue("5432") int port,
			String database, @DefaultValue("postgres") String username, String password, Path passwordFile,
			String sslMode) {

		/** The database name on the server, which defaults to the configured name. */
		public String databaseOrName() {
			return this.database != null && !this.database.isBlank() ? this.database : this.name;
		}

		@Override
		public String toString() {
			return "Source[" + this.name + " " + this.username + "@" + this.host + ":" + this.port + "/"
					+ databaseOrName() + "]";
		}

	}

	/**
	 * One S3-compatible target. Credentials, in order of precedence: the environment variables named by
	 * {@code access-key-id-env}/{@code secret-access-key-env}; {@code access-key-id}/{@code secret-access-key}
	 * (bind them from the environment, e.g. {@code DRBATCH_TARGETS_0_SECRET_ACCESS_KEY}); a shared credentials
	 * file {@code credentials-file} with {@code profile}; else the AWS SDK default chain.
	 *
	 * @param endpoint endpoint of an S3-compatible store; empty for AWS S3
	 * @param prefix key prefix inside the bucket
	 * @param storageClass storage class for backups, e.g. STANDARD, STANDARD_IA; empty for the bucket default
	 * @param serverSideEncryption {@code AES256} or {@code aws:kms}; empty for none
	 */
	public record Target(String name, URI endpoint, @DefaultValue("us-east-1") String region, String bucket,
			@DefaultValue("") String prefix, @DefaultValue("false") boolean pathStyle, String accessKeyIdEnv,
			String secretAccessKeyEnv, String accessKeyId, String secretAccessKey, Path credentialsFile,
			String profile, StorageClass storageClass, ServerSideEncryption serverSideEncryption, String kmsKeyId,
			@DefaultValue Lock lock,
			@DefaultValue Encryption encryption) {

		@Override
		public String toString() {
			return "Target[" + this.name + " " + this.endpoint + " " + this.bucket + "/" + this.prefix + "]";
		}

	}

	/**
	 * Client-side encryption (AES-256-GCM in 1 MiB segments, see {@code StreamEncryption}) of the backups written
	 * to this target, off by default. A backup is encrypted when it is written, so this is set on the primary;
	 * the secondaries get the same encrypted bytes, and their key settings serve to decrypt (a drill from a
	 * secondary). The key is 32 random bytes, base64-encoded ({@code openssl rand -base64 32}); the manifest
	 * records its fingerprint, never the key. Keep the key apart from the bucket: without it no backup restores.
	 * @param keyEnv the environment variable holding the key
	 * @param keyFile a file holding the key (e.g. a mounted Kubernetes Secret)
	 */
	public record Encryption(@DefaultValue("false") boolean enabled, String keyEnv, Path keyFile) {
	}

	/**
	 * Object Lock (WORM) for one target, applied by the object-lock-setup job and, on every object version
	 * written, by the jobs that write it.
	 * @param enabled whether this target is locked: object-lock-setup configures it, daily-dump retains what it writes
	 * @param mode {@code COMPLIANCE} (nobody, root included, can shorten or remove it) or {@code GOVERNANCE}
	 * @param days retention of the bucket's default rule and of each daily backup's objects
	 * @param abortIncompleteUploadsDays lifecycle rule: abort multipart uploads left open this long (empty: no rule)
	 * @param noncurrentVersionExpirationDays lifecycle rule: expire overwritten or deleted versions after this long,
	 * once their lock has passed (empty: no rule)
	 */
	public record Lock(@DefaultValue("false") boolean enabled, @DefaultValue("COMPLIANCE") LockMode mode,
			@DefaultValue("30") int days, @DefaultValue("7") Integer abortIncompleteUploadsDays,
			Integer noncurrentVersionExpirationDays) {
	}

	/**
	 * What archive-tiering promotes: the newest daily backup of {@code weeklyDay} into the weekly tier, and each
	 * month's first daily backup into the monthly tier, as server-side copies in the given storage classes.
	 */
	public record Tiering(@DefaultValue("SUNDAY") java.time.DayOfWeek weeklyDay,
			@DefaultValue("STANDARD_IA") StorageClass weeklyStorageClass,
			@DefaultValue("GLACIER") StorageClass monthlyStorageClass) {
	}

	/**
	 * How long each tier's backups are kept by the retention job: backups older than {@code days} (by snapshot
	 * time) go, except the newest {@code min-count} of the tier, and never the newest one.
	 * Defaults: daily 30 days / 7, weekly 90 days / 4, monthly 2555 days (7 years) / 12.
	 */
	public record Retention(@DefaultValue Keep daily, @DefaultValue Keep weekly, @DefaultValue Keep monthly) {

		public Keep of(Tier tier) {
			return switch (tier) {
				case DAILY -> this.daily.withDefaults(30, 7);
				case WEEKLY -> this.weekly.withDefaults(90, 4);
				case MONTHLY -> this.monthly.withDefaults(2555, 12);
			};
		}

	}

	/** @param days keep backups this many days; @param minCount keep at least this many of the newest */
	public record Keep(Integer days, Integer minCount) {

		Keep withDefaults(int defaultDays, int defaultMinCount) {
			return new Keep(this.days != null ? this.days : defaultDays, this.minCount != null ? this.minCount : defaultMinCount);
		}

	}

	/**
	 * How daily-dump writes a backup.
	 * @param format {@code custom} (pg_restore) or {@code plain} (SQL for psql)
	 * @param compression {@code zstd} (default), {@code gzip} (restorable with {@code gunzip | psql}) or {@code none}
	 * @param level compression level; empty for the algorithm's default (zstd 1, gzip 6)
	 * @param partSize multipart part size, at least 5MB (S3's minimum)
	 * @param partsInFlight parts uploading at once; memory is about partSize x (partsInFlight + 1)
	 * @param compressionWorkers zstd compression threads besides the one reading pg_dump's output (default 1, so
	 * that reading and compressing overlap); 0 compresses on the reading thread
	 * @param pgDumpPath the pg_dump executable; must not be older than the server
	 */
	public record Dump(@DefaultValue("custom") DumpFormat format, @DefaultValue("zstd") Compression compression,
			Integer level, @DefaultValue("16MB") DataSize partSize, @DefaultValue("4") int partsInFlight,
			@DefaultValue("1") int compressionWorkers, @DefaultValue("pg_dump") String pgDumpPath) {

		public int levelOrDefault() {
			return this.level != null ? this.level : this.compression.defaultLevel();
		}

	}


	/**
	 * How restore-drill proves a backup: where it restores, how fast it must be, how old the backup may be.
	 * @param host drill server; a scratch database {@code drill_<database>_<time>} is created there and dropped after
	 * @param database a fixed scratch database name instead of the generated one (refused when it is the source)
	 * @param rtoTarget the longest acceptable restore (download, verify, restore, counts)
	 * @param rpoTarget the oldest acceptable backup at drill time
	 * @param restoreJobs connections loading tables' rows, and pg_restore parallel jobs ({@code -j})
	 * @param loadDuringDownload load tables' rows as they arrive, while the rest of the dump still downloads (rows
	 * from bytes that then fail verification are in a database that is dropped); {@code false} loads nothing but the
	 * schema before the download is verified
	 * @param spoolDir local folder for the downloaded dump (pg_restore needs a seekable file); removed afterwards
	 * @param keepOnFailure keep the scratch database of a failed drill for forensics
	 * @param checks custom SQL checks run in the restored database
	 * @param webhook where drill outcomes are posted (Slack-compatible)
	 * @param coldRestoreTimeout how long a drill or restore waits for a GLACIER / DEEP_ARCHIVE backup to be made
	 * readable (RestoreObject) before it fails; the wait counts in the measured RTO
	 * @param coldRestorePoll how often it asks whether the cold object is readable yet
	 * @param coldRestoreDays how long the store keeps the restored copy readable
	 * @param target the storage target a drill reads its backup from when the job parameter {@code target} does
	 * not say: a target name, {@code rotate} (each drill takes the target whose copy was proven longest ago, so
	 * every copy gets proven in turn), or empty for the primary
	 */
	public record Drill(@DefaultValue("127.0.0.1") String host, @DefaultValue("5432") int port,
			@DefaultValue("postgres") String username, String password, Path passwordFile, String database,
			@DefaultValue("1h") java.time.Duration rtoTarget, @DefaultValue("24h") java.time.Duration rpoTarget,
			@DefaultValue("2") int restoreJobs, @DefaultValue("true") boolean loadDuringDownload, Path spoolDir, @DefaultValue("false") boolean keepOnFailure,
			@DefaultValue("pg_restore") String pgRestorePath, @DefaultValue("psql") String psqlPath, List<Check> checks,
			@DefaultValue Webhook webhook, @DefaultValue("12h") java.time.Duration coldRestoreTimeout,
			@DefaultValue("30s") java.time.Duration coldRestorePoll, @DefaultValue("2") int coldRestoreDays,
			@DefaultValue("") String target) {

		public Drill {
			checks = checks == null ? List.of() : List.copyOf(checks);
		}

		public Path spoolDirOrTemp() {
			return this.spoolDir != null ? this.spoolDir : Path.of(System.getProperty("java.io.tmpdir"));
		}

		@Override
		public String toString() {
			return "Drill[" + this.username + "@" + this.host + ":" + this.port + "]";
		}

	}

	/**
	 * A custom check: {@code sql} returns one value in the restored database, which must read as {@code expect}.
	 * {@code ${snapshot_time}} in the SQL stands for the backup's snapshot time (a timestamptz literal), e.g.
	 * {@code SELECT max(created_at) >= ${snapshot_time} - interval '25 hours' FROM audit_logs}.
	 * @param databases the source names it applies to; empty for every database
	 */
	public record Check(String name, String sql, @DefaultValue("true") String expect, List<String> databases) {

		public Check {
			databases = databases == null ? List.of() : List.copyOf(databases);
		}

		public boolean appliesTo(String database) {
			return this.databases.isEmpty() || this.databases.contains(database);
		}

	}

	/**
	 * @param url the webhook URL; it usually embeds a token, so bind it from the environment
	 * ({@code DRBATCH_DRILL_WEBHOOK_URL}); it is never logged
	 * @param notifyOnSuccess post passing drills too (failures are always posted)
	 * @param attempts tries per notification, with doubling back-off from one second
	 */
	public record Webhook(java.net.URI url, @DefaultValue("false") boolean notifyOnSuccess,
			@DefaultValue("3") int attempts, @DefaultValue("10s") java.time.Duration timeout) {

		@Override
		public String toString() {
			return "Webhook[" + (this.url != null ? "configured" : "none") + "]";
		}

	}

}
