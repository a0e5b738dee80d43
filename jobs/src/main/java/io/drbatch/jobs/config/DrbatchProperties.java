package io.drbatch.jobs.config;

import java.net.URI;
import java.nio.file.Path;
import java.time.DayOfWeek;
import java.time.Duration;
import java.util.List;

import jakarta.validation.Valid;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotEmpty;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;

import org.hibernate.validator.constraints.Range;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;
import org.springframework.validation.annotation.Validated;

import io.drbatch.codec.Compression;
import io.drbatch.manifest.Tier;
import io.drbatch.pg.DumpFormat;
import io.drbatch.store.LockMode;
import io.drbatch.store.ServerSideEncryption;
import io.drbatch.store.StorageClass;

/**
 * Everything drbatch is configured with, under the prefix {@code drbatch}. Bound from
 * {@code application.yml} (the built-in local source and target), any extra file named by
 * {@code --config}, and environment variables.
 *
 * <p>
 * Defaults live here and only here: {@code @DefaultValue} for fixed ones, the compact
 * constructors for those that follow from another key (a source's database is its name,
 * the compression level is the algorithm's) or from the machine (the spool folder is the
 * temp folder). An accessor returns {@code null} only for a key that is optional and
 * unset (a password, an endpoint, a storage class). Checked at startup: one-key rules by
 * Bean Validation annotations, rules that span keys by
 * {@link DrbatchPropertiesValidator}; every error names its key. One class by design: its
 * nested records are the tree of keys, bound and validated as one.
 *
 * @param sources the databases drbatch backs up; the job parameter {@code database} picks
 * one by name, the first is the default
 * @param targets the object stores backups go to; the first is the primary
 */
@ConfigurationProperties("drbatch")
@Validated
public record DrbatchProperties(
		@NotEmpty(message = "at least one source database must be configured") List<@Valid Source> sources,
		@NotEmpty(message = "at least one storage target must be configured") List<@Valid Target> targets,
		@Valid @DefaultValue Dump dump, @Valid @DefaultValue Drill drill, @Valid @DefaultValue Retention retention,
		@Valid @DefaultValue Tiering tiering, @Valid @DefaultValue Repository repository,
		@Valid @DefaultValue BaseBackup baseBackup, @Valid @DefaultValue Recovery recovery,
		@Valid @DefaultValue Fleet fleet) {

	/**
	 * Names of sources, targets and checks: they appear in bucket keys, job parameters
	 * and database names.
	 */
	static final String NAME = "[A-Za-z0-9][A-Za-z0-9_.-]{0,62}";

	static final String NAME_RULE = "must be 1-63 letters, digits, '_', '-' or '.', was '${validatedValue}'";

	public DrbatchProperties {
		sources = sources == null ? List.of() : List.copyOf(sources);
		targets = targets == null ? List.of() : List.copyOf(targets);
	}

	/**
	 * One source database. The password comes from one of {@code password-env} (the name
	 * of an environment variable that holds it), {@code password-file} (e.g. a mounted
	 * Kubernetes Secret) or {@code password} (inline in a configuration file that is
	 * itself kept secret), in that order of precedence; with none, the login needs no
	 * password (trust, peer or the user's own pgpass). See {@link Secrets#password}.
	 *
	 * @param database the database name on the server; defaults to the configured name
	 */
	public record Source(@NotNull(message = NAME_RULE) @Pattern(regexp = NAME, message = NAME_RULE) String name,
			@NotBlank @DefaultValue("127.0.0.1") String host,
			@Range(min = 1, max = 65535) @DefaultValue("5432") int port, String database,
			@NotBlank @DefaultValue("postgres") String username, String passwordEnv, @ReadableFile Path passwordFile,
			String password, String sslMode, @Valid @DefaultValue Pitr pitr) {

		public Source {
			database = database == null || database.isBlank() ? name : database;
		}

		/**
		 * The replication slot of this source's WAL archive: the configured one, else
		 * {@code drbatch_<name>}.
		 */
		public String slotName() {
			return this.pitr.slot() != null && !this.pitr.slot().isBlank() ? this.pitr.slot()
					: "drbatch_" + this.name.toLowerCase(java.util.Locale.ROOT).replaceAll("[^a-z0-9_]", "_");
		}

		@Override
		public String toString() {
			return "Source[" + this.name + " " + this.username + "@" + this.host + ":" + this.port + "/" + this.database
					+ "]";
		}

	}

	/**
	 * Point-in-time recovery for one source: a continuous WAL archive (the wal-archive
	 * job) and physical base backups (base-backup). Off by default.
	 *
	 * @param slot the physical replication slot that keeps the WAL not yet archived;
	 * empty: {@code drbatch_<name>}
	 * @param rpoTarget the most data a database failure may lose: the archive's age is
	 * judged against it (status, health, metrics), and wal-archive should run at least
	 * this often
	 * @param slotRetainedLimit WAL the slot keeps on the server beyond which a run warns
	 * and status says AT RISK (a slot nobody drains fills the server's disk; see
	 * {@code max_slot_wal_keep_size})
	 * @param idleTimeout how long a run waits for WAL the server should send before it
	 * fails
	 * @param level zstd level of archived segments
	 * @param archiveWait how long base-backup waits for the archive to hold its stop
	 * segment before it fails
	 */
	public record Pitr(@DefaultValue("false") boolean enabled,
			@Pattern(regexp = "^$|[a-z0-9_]{1,63}",
					message = "must be 1-63 lower-case letters, digits or '_'") String slot,
			@PositiveDuration @DefaultValue("15m") Duration rpoTarget, @DefaultValue("8GB") DataSize slotRetainedLimit,
			@PositiveDuration @DefaultValue("60s") Duration idleTimeout,
			@Range(min = 1, max = 19) @DefaultValue("1") int level,
			@PositiveDuration @DefaultValue("15m") Duration archiveWait) {
	}

	/**
	 * One S3-compatible target. Credentials, first given wins (decided in
	 * {@link Secrets#storeCredentials}): the environment variables named by
	 * {@code access-key-id-env}/{@code secret-access-key-env};
	 * {@code access-key-id}/{@code secret-access-key}; a shared credentials file
	 * {@code credentials-file} with {@code profile}; else the AWS SDK default chain.
	 *
	 * @param endpoint endpoint of an S3-compatible store; empty for AWS S3
	 * @param prefix key prefix inside the bucket
	 * @param storageClass storage class for backups, e.g. STANDARD, STANDARD_IA; empty
	 * for the bucket default
	 * @param serverSideEncryption {@code AES256} or {@code aws:kms}; empty for none
	 */
	public record Target(@NotNull(message = NAME_RULE) @Pattern(regexp = NAME, message = NAME_RULE) String name,
			@HttpUrl URI endpoint, @NotBlank @DefaultValue("us-east-1") String region,
			@NotBlank(message = "must not be empty") String bucket,
			@Pattern(regexp = "^(?!/).*(?<!/)$",
					message = "must not start or end with '/'") @DefaultValue("") String prefix,
			@DefaultValue("false") boolean pathStyle, String accessKeyIdEnv, String secretAccessKeyEnv,
			String accessKeyId, String secretAccessKey, @ReadableFile Path credentialsFile, String profile,
			StorageClass storageClass, ServerSideEncryption serverSideEncryption, String kmsKeyId,
			@Valid @DefaultValue Lock lock, @Valid @DefaultValue Encryption encryption) {

		@Override
		public String toString() {
			return "Target[" + this.name + " " + this.endpoint + " " + this.bucket + "/" + this.prefix + "]";
		}

	}

	/**
	 * How base-backup takes a physical base backup (of the sources with
	 * {@code pitr.enabled}); its parts are cut and sent as the dump's
	 * ({@code drbatch.dump.part-size}, {@code .parts-in-flight},
	 * {@code .compression-workers}).
	 *
	 * @param pgBasebackupPath the pg_basebackup executable, of the server's major version
	 * @param level zstd level of the stored tar
	 */
	public record BaseBackup(@NotBlank @DefaultValue("pg_basebackup") String pgBasebackupPath,
			@Range(min = 1, max = 19) @DefaultValue("1") int level) {
	}

	/**
	 * How point-in-time recoveries run
	 * ({@code drbatch restore --to-time/--to-lsn/--latest}).
	 *
	 * @param binDir the folder of the server binaries (pg_ctl) of the backup's major
	 * version; empty for {@code /usr/lib/postgresql/<major>/bin}, else
	 * {@code pg_config --bindir}
	 * @param osUser the operating-system user the recovered server runs as when drbatch
	 * runs as root (PostgreSQL refuses to run as root)
	 * @param fetchParallel WAL segments downloaded at once
	 * @param lookahead WAL segments fetched ahead of the server's replay (16 MiB each on
	 * local disk)
	 * @param timeout how long a recovery may replay before it is given up
	 */
	public record Recovery(Path binDir, @NotBlank @DefaultValue("postgres") String osUser,
			@Range(min = 1, max = 64) @DefaultValue("4") int fetchParallel,
			@Range(min = 1, max = 4096) @DefaultValue("64") int lookahead,
			@PositiveDuration @DefaultValue("6h") Duration timeout) {
	}

	/**
	 * How a job that takes a database runs when none is named: for every configured
	 * source it applies to, each its own job instance.
	 *
	 * @param parallelism how many sources run at once in one process (each holds its own
	 * buffers: a dump's part-size x (parts-in-flight + 1))
	 */
	public record Fleet(@Range(min = 1, max = 32) @DefaultValue("1") int parallelism) {
	}

	/**
	 * The job repository's password, when it should not be given inline as
	 * {@code spring.datasource.password}: first given wins, {@code password-env} (the
	 * name of an environment variable), {@code password-file}, then
	 * {@code spring.datasource.password}. The URL and user stay
	 * {@code spring.datasource.url} and {@code .username}.
	 */
	public record Repository(String passwordEnv, @ReadableFile Path passwordFile) {
	}

	/**
	 * Client-side encryption (AES-256-GCM in 1 MiB segments, see
	 * {@code StreamEncryption}) of the backups written to this target, off by default. A
	 * backup is encrypted when it is written, so this is set on the primary; the
	 * secondaries get the same encrypted bytes, and their key settings serve to decrypt
	 * (a drill from a secondary). The key is 32 random bytes, base64-encoded
	 * ({@code openssl rand -base64 32}); the manifest records its fingerprint, never the
	 * key. Keep the key apart from the bucket: without it no backup restores.
	 *
	 * @param keyEnv the environment variable holding the key
	 * @param keyFile a file holding the key (e.g. a mounted Kubernetes Secret)
	 */
	public record Encryption(@DefaultValue("false") boolean enabled, String keyEnv, Path keyFile) {
	}

	/**
	 * Object Lock (WORM) for one target, applied by the object-lock-setup job and, on
	 * every object version written, by the jobs that write it.
	 *
	 * @param enabled whether this target is locked: object-lock-setup configures it,
	 * daily-dump retains what it writes
	 * @param mode {@code COMPLIANCE} (nobody, root included, can shorten or remove it) or
	 * {@code GOVERNANCE}
	 * @param days retention of the bucket's default rule and of each daily backup's
	 * objects
	 * @param abortIncompleteUploadsDays lifecycle rule: abort multipart uploads left open
	 * this long (empty: no rule)
	 * @param noncurrentVersionExpirationDays lifecycle rule: expire overwritten or
	 * deleted versions after this long, once their lock has passed (empty: no rule)
	 */
	public record Lock(@DefaultValue("false") boolean enabled, @DefaultValue("COMPLIANCE") LockMode mode,
			@Min(value = 1, message = "must be at least 1") @DefaultValue("30") int days,
			@Min(value = 1,
					message = "must be at least 1 (leave it empty for no rule)") @DefaultValue("7") Integer abortIncompleteUploadsDays,
			@Min(value = 1,
					message = "must be at least 1 (leave it empty for no rule)") Integer noncurrentVersionExpirationDays) {
	}

	/**
	 * What archive-tiering promotes: the newest daily backup of {@code weeklyDay} into
	 * the weekly tier, and each month's first daily backup into the monthly tier, as
	 * server-side copies in the given storage classes.
	 */
	public record Tiering(@DefaultValue("SUNDAY") DayOfWeek weeklyDay,
			@DefaultValue("STANDARD_IA") StorageClass weeklyStorageClass,
			@DefaultValue("GLACIER") StorageClass monthlyStorageClass) {
	}

	/**
	 * How long each tier's backups are kept by the retention job: backups older than
	 * {@code days} (by snapshot time) go, except the newest {@code min-count} of the
	 * tier, and never the newest one. Defaults: daily 30 days / 7, weekly 90 days / 4,
	 * monthly 2555 days (7 years) / 12.
	 */
	public record Retention(@Valid Keep daily, @Valid Keep weekly, @Valid Keep monthly,
			@Min(value = 1, message = "must be at least 1") Integer pitrDays) {

		public Retention {
			daily = Keep.orDefault(daily, 30, 7);
			weekly = Keep.orDefault(weekly, 90, 4);
			monthly = Keep.orDefault(monthly, 2555, 12);
			pitrDays = pitrDays != null ? pitrDays : 7;
		}

		public Keep of(Tier tier) {
			return switch (tier) {
				case DAILY -> this.daily;
				case WEEKLY -> this.weekly;
				case MONTHLY -> this.monthly;
			};
		}

	}

	/**
	 * @param days keep backups this many days; @param minCount keep at least this many of
	 * the newest
	 */
	public record Keep(@NotNull @Min(value = 1, message = "must be at least 1") Integer days, @NotNull @Min(value = 1,
			message = "must be at least 1: the newest backup is never deleted") Integer minCount) {

		static Keep orDefault(Keep given, int defaultDays, int defaultMinCount) {
			return given == null ? new Keep(defaultDays, defaultMinCount)
					: new Keep(given.days != null ? given.days : defaultDays,
							given.minCount != null ? given.minCount : defaultMinCount);
		}

	}

	/**
	 * How daily-dump writes a backup.
	 *
	 * @param format {@code custom} (pg_restore) or {@code plain} (SQL for psql)
	 * @param compression {@code zstd} (default), {@code gzip} (restorable with
	 * {@code gunzip | psql}) or {@code none}
	 * @param level compression level; the algorithm's default (zstd 1, gzip 6) when not
	 * set
	 * @param partSize multipart part size, 5MB (S3's minimum) to 512MB (parts are held in
	 * memory)
	 * @param partsInFlight parts uploading at once; memory is about partSize x
	 * (partsInFlight + 1)
	 * @param compressionWorkers zstd compression threads besides the one reading
	 * pg_dump's output (default 1, so that reading and compressing overlap); 0 compresses
	 * on the reading thread
	 * @param pgDumpPath the pg_dump executable; must not be older than the server
	 */
	public record Dump(@DefaultValue("custom") DumpFormat format, @DefaultValue("zstd") Compression compression,
			Integer level, @DataSizeRange(min = "5MB", max = "512MB") @DefaultValue("16MB") DataSize partSize,
			@Range(min = 1, max = 64) @DefaultValue("4") int partsInFlight,
			@Range(min = 0, max = 64) @DefaultValue("1") int compressionWorkers,
			@NotBlank @DefaultValue("pg_dump") String pgDumpPath) {

		public Dump {
			level = level != null ? level : compression.defaultLevel();
		}

	}

	/**
	 * How restore-drill proves a backup: where it restores, how fast it must be, how old
	 * the backup may be.
	 *
	 * @param host drill server; a scratch database {@code drill_<database>_<time>} is
	 * created there and dropped after
	 * @param passwordEnv, passwordFile, password the drill server's password, as for a
	 * {@link Source}
	 * @param database a fixed scratch database name instead of the generated one (refused
	 * when it is the source)
	 * @param rtoTarget the longest acceptable restore (download, verify, restore, counts)
	 * @param rpoTarget the oldest acceptable backup at drill time
	 * @param restoreJobs connections loading tables' rows, and pg_restore parallel jobs
	 * ({@code -j})
	 * @param loadDuringDownload load tables' rows as they arrive, while the rest of the
	 * dump still downloads (rows from bytes that then fail verification are in a database
	 * that is dropped); {@code false} loads nothing but the schema before the download is
	 * verified
	 * @param spoolDir local folder for the downloaded dump (pg_restore needs a seekable
	 * file); removed afterwards; the temp folder when not set
	 * @param keepOnFailure keep the scratch database of a failed drill for forensics
	 * @param checks custom SQL checks run in the restored database
	 * @param webhook where drill outcomes are posted (Slack-compatible)
	 * @param coldRestoreTimeout how long a drill or restore waits for a GLACIER /
	 * DEEP_ARCHIVE backup to be made readable (RestoreObject) before it fails; the wait
	 * counts in the measured RTO
	 * @param coldRestorePoll how often it asks whether the cold object is readable yet
	 * @param coldRestoreDays how long the store keeps the restored copy readable
	 * @param target the storage target a drill reads its backup from when the job
	 * parameter {@code target} does not say: a target name, {@code rotate} (each drill
	 * takes the target whose copy was proven longest ago, so every copy gets proven in
	 * turn), or empty for the primary
	 */
	public record Drill(@NotBlank @DefaultValue("127.0.0.1") String host,
			@Range(min = 1, max = 65535) @DefaultValue("5432") int port,
			@NotBlank @DefaultValue("postgres") String username, String passwordEnv, @ReadableFile Path passwordFile,
			String password,
			@Pattern(regexp = "^$|" + NAME, message = "must be 1-63 letters, digits, '_', '-' or '.'") String database,
			@PositiveDuration @DefaultValue("1h") Duration rtoTarget,
			@PositiveDuration @DefaultValue("24h") Duration rpoTarget,
			@Range(min = 1, max = 64) @DefaultValue("2") int restoreJobs,
			@DefaultValue("true") boolean loadDuringDownload, @WritableFolder Path spoolDir,
			@DefaultValue("false") boolean keepOnFailure, @NotBlank @DefaultValue("pg_restore") String pgRestorePath,
			@NotBlank @DefaultValue("psql") String psqlPath, List<@Valid Check> checks,
			@Valid @DefaultValue Webhook webhook, @PositiveDuration @DefaultValue("12h") Duration coldRestoreTimeout,
			@PositiveDuration @DefaultValue("30s") Duration coldRestorePoll,
			@Min(value = 1, message = "must be at least 1") @DefaultValue("2") int coldRestoreDays,
			@DefaultValue("") String target) {

		public Drill {
			checks = checks == null ? List.of() : List.copyOf(checks);
			spoolDir = spoolDir != null ? spoolDir : Path.of(System.getProperty("java.io.tmpdir"));
		}

		@Override
		public String toString() {
			return "Drill[" + this.username + "@" + this.host + ":" + this.port + "]";
		}

	}

	/**
	 * A custom check: {@code sql} returns one value in the restored database, which must
	 * read as {@code expect}. {@code ${snapshot_time}} in the SQL stands for the backup's
	 * snapshot time (a timestamptz literal), e.g. {@code SELECT max(created_at) >=
	 * ${snapshot_time} - interval '25 hours' FROM audit_logs}.
	 *
	 * @param databases the source names it applies to; empty for every database
	 */
	public record Check(@NotNull(message = NAME_RULE) @Pattern(regexp = NAME, message = NAME_RULE) String name,
			@NotBlank(message = "must not be empty") String sql, @DefaultValue("true") String expect,
			List<String> databases) {

		public Check {
			databases = databases == null ? List.of() : List.copyOf(databases);
		}

		public boolean appliesTo(String database) {
			return this.databases.isEmpty() || this.databases.contains(database);
		}

	}

	/**
	 * @param url the webhook URL; it usually embeds a token, so bind it from the
	 * environment ({@code DRBATCH_DRILL_WEBHOOK_URL}); it is never logged
	 * @param notifyOnSuccess post passing drills too (failures are always posted)
	 * @param attempts tries per notification, with doubling back-off from one second
	 */
	public record Webhook(@HttpUrl URI url, @DefaultValue("false") boolean notifyOnSuccess,
			@Range(min = 1, max = 10) @DefaultValue("3") int attempts,
			@PositiveDuration @DefaultValue("10s") Duration timeout) {

		@Override
		public String toString() {
			return "Webhook[" + (this.url != null ? "configured" : "none") + "]";
		}

	}

}
