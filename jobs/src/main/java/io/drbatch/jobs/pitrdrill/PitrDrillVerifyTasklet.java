package io.drbatch.jobs.pitrdrill;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.scope.context.ChunkContext;
import org.springframework.batch.core.step.StepContribution;
import org.springframework.batch.core.step.tasklet.Tasklet;
import org.springframework.batch.infrastructure.item.ExecutionContext;
import org.springframework.batch.infrastructure.repeat.RepeatStatus;

import io.drbatch.failure.DrbatchException;
import io.drbatch.failure.FailureKind;
import io.drbatch.jobs.config.DrbatchProperties;
import io.drbatch.jobs.restore.CheckResult;
import io.drbatch.jobs.restore.CustomChecks;
import io.drbatch.jobs.restore.DrillReport;
import io.drbatch.jobs.restore.TableCheck;
import io.drbatch.jobs.wiring.SourceDatabases;
import io.drbatch.jobs.wiring.StoreTargets;
import io.drbatch.manifest.BackupCatalog;
import io.drbatch.manifest.BackupManifest;
import io.drbatch.manifest.ManifestJson;
import io.drbatch.pg.ChildProcess;
import io.drbatch.pg.PgConnectionSpec;
import io.drbatch.pg.PgTables;
import io.drbatch.recovery.RecoveryServer;
import io.drbatch.recovery.RecoveryTarget;

/**
 * The verify step of pitr-drill, on the recovered cluster (started again when a relaunch
 * finds it stopped): counts every table of the dump compared with, and for an approximate
 * comparison counts, in each table that differs, the row versions written by transactions
 * the dump's snapshot did not see (their {@code xmin} is not visible in the snapshot's
 * {@code txid_current_snapshot()}), which explains the difference exactly when the
 * recovered count minus those rows is the dump's count; lists tables the dump does not
 * name; runs the custom checks and pg_amcheck. Judging is the report step's. Idempotent.
 */
class PitrDrillVerifyTasklet implements Tasklet {

	private static final Logger log = LoggerFactory.getLogger(PitrDrillVerifyTasklet.class);

	private static final String UNDEFINED_TABLE = "42P01";

	private final SourceDatabases sources;

	private final StoreTargets targets;

	private final DrbatchProperties properties;

	private final Clock clock;

	PitrDrillVerifyTasklet(SourceDatabases sources, StoreTargets targets, DrbatchProperties properties, Clock clock) {
		this.sources = sources;
		this.targets = targets;
		this.properties = properties;
		this.clock = clock;
	}

	@Override
	public RepeatStatus execute(StepContribution contribution, ChunkContext chunkContext) {
		JobExecution job = chunkContext.getStepContext().getStepExecution().getJobExecution();
		ExecutionContext context = job.getExecutionContext();
		String database = job.getJobParameters().getString("database");
		long started = System.nanoTime();
		PgConnectionSpec source = this.sources.resolve(database);
		int port = context.getInt(PitrDrillContext.PORT);
		PgConnectionSpec recovered = new PgConnectionSpec(database + " (recovered)", "127.0.0.1", port,
				source.database(), source.username(), source.password(), "disable");
		RecoveryServer server = new ScratchCluster(Path.of(context.getString(PitrDrillContext.DATA_DIR)),
				PitrDrillJobConfiguration.server(this.properties.recovery()))
			.serverOn(context.getInt(PitrDrillContext.SERVER_VERSION_NUM) / 10000, port);
		if (!server.running()) {
			log.info("pitr-drill {}: the recovered server is not running (relaunch); starting it again", database);
			server.start();
			server.awaitPromotion(recovered, this.properties.recovery().timeout(), Optional::empty);
		}
		BackupManifest dump = context.containsKey(PitrDrillContext.DUMP_MANIFEST)
				? new BackupCatalog(this.targets.get(context.getString(PitrDrillContext.STORE_TARGET)))
					.read(context.getString(PitrDrillContext.DUMP_MANIFEST))
				: null;
		List<TableCheck> tables = new ArrayList<>();
		List<DrillReport.TableDifference> explained = new ArrayList<>();
		List<String> extra = new ArrayList<>();
		List<CheckResult> checks;
		try (Connection connection = recovered.open("drbatch-pitr-drill")) {
			if (dump != null) {
				boolean exact = "exact".equals(context.getString(PitrDrillContext.COMPARISON));
				for (BackupManifest.TableRows table : dump.tables()) {
					TableCheck check = count(connection, table);
					tables.add(check);
					if (!check.passed() && check.restored() >= 0 && !exact) {
						long unseen = rowsUnseenBy(connection, table, dump.source().snapshotTransactions());
						if (unseen > 0 && check.restored() - unseen == check.expected()) {
							explained.add(new DrillReport.TableDifference(table.schema() + "." + table.table(),
									check.expected(), check.restored(), unseen));
						}
					}
				}
				extra = extraTables(connection, dump);
			}
			context.putLong(PitrDrillContext.COUNTED_MILLIS, this.clock.millis());
			checks = CustomChecks.run(connection, this.properties.drill().checks(), database,
					targetTime(context, dump));
		}
		catch (SQLException ex) {
			throw new DrbatchException(FailureKind.DATABASE_UNAVAILABLE,
					"cannot verify the recovered database " + recovered.describe() + ": " + ex.getMessage(), ex);
		}
		Amcheck amcheck = amcheck(server, recovered);
		PitrDrillFindings findings = new PitrDrillFindings(tables, explained, extra, checks, amcheck.summary(),
				amcheck.passed());
		context.putString(PitrDrillContext.FINDINGS, ManifestJson.writeString(findings));
		context.putLong(PitrDrillContext.VERIFY_MILLIS, (System.nanoTime() - started) / 1_000_000);
		log.info(
				"pitr-drill {}: {} table(s) counted, {} differ ({} by rows the dump's snapshot did not see), {} extra;"
						+ " {} custom check(s); amcheck {}",
				database, tables.size(), tables.stream().filter(t -> !t.passed()).count(), explained.size(),
				extra.size(), checks.size(), amcheck.summary());
		return RepeatStatus.FINISHED;
	}

	private static Instant targetTime(ExecutionContext context, BackupManifest dump) {
		if (dump != null) {
			return dump.source().snapshotTime();
		}
		if (RecoveryTarget
			.parse(context.getString(PitrDrillContext.RECOVERY_TARGET)) instanceof RecoveryTarget.AtTime at) {
			return at.time();
		}
		return context.containsKey(PitrDrillContext.LAST_COMMIT)
				? Instant.parse(context.getString(PitrDrillContext.LAST_COMMIT)) : Instant.EPOCH;
	}

	private static TableCheck count(Connection connection, BackupManifest.TableRows table) {
		try {
			return new TableCheck(table.schema(), table.table(), table.rows(),
					PgTables.count(connection, PgTables.quote(table.schema(), table.table()), true));
		}
		catch (SQLException ex) {
			if (UNDEFINED_TABLE.equals(ex.getSQLState())) {
				return new TableCheck(table.schema(), table.table(), table.rows(), -1);
			}
			throw new DrbatchException(FailureKind.DATABASE_UNAVAILABLE, "cannot count " + table.schema() + "."
					+ table.table() + " in the recovered database: " + ex.getMessage(), ex);
		}
	}

	/**
	 * Row versions of {@code table} whose inserting transaction the snapshot
	 * ({@code xmin:xmax:xip,...}) does not see: their 32-bit {@code xmin} is widened to
	 * the snapshot's epoch (the nearest value to its {@code xmax}), and frozen or
	 * bootstrap ids (below 3) count as seen.
	 */
	static long rowsUnseenBy(Connection connection, BackupManifest.TableRows table, String snapshot) {
		long xmax = Long.parseLong(snapshot.split(":")[1]);
		long epochBase = xmax & ~0xFFFFFFFFL;
		String sql = "SELECT count(*) FROM ONLY " + PgTables.quote(table.schema(), table.table())
				+ " WHERE NOT txid_visible_in_snapshot(CASE WHEN xmin::text::bigint < 3 THEN 1"
				+ " ELSE xmin::text::bigint + ? + CASE WHEN xmin::text::bigint + ? > ? + 2147483648 THEN -4294967296"
				+ " WHEN xmin::text::bigint + ? < ? - 2147483648 THEN 4294967296 ELSE 0 END END, ?::txid_snapshot)";
		try (PreparedStatement statement = connection.prepareStatement(sql)) {
			statement.setLong(1, epochBase);
			statement.setLong(2, epochBase);
			statement.setLong(3, xmax);
			statement.setLong(4, epochBase);
			statement.setLong(5, xmax);
			statement.setString(6, snapshot);
			try (ResultSet rs = statement.executeQuery()) {
				rs.next();
				return rs.getLong(1);
			}
		}
		catch (SQLException ex) {
			throw new DrbatchException(FailureKind.DATABASE_UNAVAILABLE, "cannot read the row versions of "
					+ table.schema() + "." + table.table() + " in the recovered database: " + ex.getMessage(), ex);
		}
	}

	private static List<String> extraTables(Connection connection, BackupManifest dump) throws SQLException {
		Set<String> inDump = dump.tables().stream().map(t -> t.schema() + "." + t.table()).collect(Collectors.toSet());
		return PgTables.withData(connection)
			.stream()
			.map(PgTables.Table::qualifiedName)
			.filter(name -> !inDump.contains(name))
			.toList();
	}

	private record Amcheck(String summary, boolean passed) {
	}

	/**
	 * pg_amcheck (of the recovered server's version) on the database: every heap and
	 * B-tree index, installing the amcheck extension in the scratch cluster when missing.
	 * Corruption it reports fails the drill; a role that may not run it skips it, which
	 * the report says.
	 */
	private Amcheck amcheck(RecoveryServer server, PgConnectionSpec recovered) {
		List<String> command = List.of(server.binDir().resolve("pg_amcheck").toString(), "--host=127.0.0.1",
				"--port=" + recovered.port(), "--username=" + recovered.username(), "--no-password",
				"--install-missing", "--jobs=2", recovered.database());
		try (ChildProcess amcheck = ChildProcess.start(command, recovered, false)) {
			amcheck.stdin().close();
			String reported = new String(amcheck.stdout().readAllBytes(), StandardCharsets.UTF_8).strip();
			try {
				amcheck.waitForSuccess();
				return reported.isEmpty() ? new Amcheck("ok", true)
						: new Amcheck("reported: " + firstLines(reported), false);
			}
			catch (DrbatchException ex) {
				if (!reported.isEmpty()) {
					return new Amcheck("corruption: " + firstLines(reported), false);
				}
				String why = amcheck.stderrSummary();
				if (why.contains("permission denied") || why.contains("must be superuser")
						|| why.contains("must be owner")) {
					return new Amcheck("skipped: role '" + recovered.username() + "' may not run amcheck (" + why
							+ "); give it EXECUTE on the amcheck functions or drill as a superuser", true);
				}
				return new Amcheck("pg_amcheck failed: " + why, false);
			}
		}
		catch (IOException ex) {
			return new Amcheck("pg_amcheck failed: " + ex.getMessage(), false);
		}
		catch (DrbatchException ex) {
			if (ex.kind() == FailureKind.TOOL_MISMATCH) {
				return new Amcheck("skipped: " + ex.getMessage(), true);
			}
			throw ex;
		}
	}

	private static String firstLines(String text) {
		return text.lines().limit(5).collect(Collectors.joining(" | "));
	}

}
