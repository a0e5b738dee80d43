package io.drbatch.scheduler.web;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.regex.Pattern;

import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.server.ResponseStatusException;

import io.drbatch.jobs.restore.DrillReport;
import io.drbatch.jobs.wiring.SourceDatabases;
import io.drbatch.jobs.wiring.StoreTargets;
import io.drbatch.manifest.ManifestJson;
import io.drbatch.store.ObjectStore;
import io.drbatch.scheduler.status.HistoryReader;
import io.drbatch.scheduler.status.StatusReader;

/**
 * The status page at {@code /} and each drill report's page at
 * {@code /drills/<database>/<id>}: rendered on the server (templates {@code status.html},
 * {@code drill.html}), so the verdict and every table read without JavaScript. Read-only;
 * thread-safe.
 */
@Controller
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
class StatusPageController {

	/** The plots' window unless {@code ?days=} says otherwise. */
	static final int DEFAULT_DAYS = 90;

	/** The windows the page offers. */
	static final List<Integer> WINDOWS = List.of(7, 30, 90, 365);

	/** Executions listed under "Job history". */
	static final int HISTORY_ROWS = 30;

	/** A drill report's folder name: its start time as a backup id. */
	private static final Pattern REPORT_ID = Pattern.compile("\\d{8}T\\d{6}Z");

	private final StatusReader status;

	private final HistoryReader history;

	private final StoreTargets targets;

	private final SourceDatabases sources;

	StatusPageController(StatusReader status, HistoryReader history, StoreTargets targets, SourceDatabases sources) {
		this.status = status;
		this.history = history;
		this.targets = targets;
		this.sources = sources;
	}

	/**
	 * @param days the plots' window; a value outside
	 * 1..{@value StatusApiController#MAX_DAYS} falls back to the default
	 */
	@GetMapping("/")
	String page(@RequestParam(defaultValue = "" + DEFAULT_DAYS) int days, Model model) {
		model.addAttribute("days", days >= 1 && days <= StatusApiController.MAX_DAYS ? days : DEFAULT_DAYS);
		model.addAttribute("windows", WINDOWS);
		model.addAttribute("report", this.status.read());
		model.addAttribute("history", this.history.read(null, 20, null).stream().limit(HISTORY_ROWS).toList());
		model.addAttribute("f", new Format());
		return "status";
	}

	/**
	 * A drill report from the primary target ({@code drills/<database>/<id>/}): its
	 * figures, failures, tables and checks, and its markdown as stored. 404 for a
	 * database that is not configured or an id that is not a report's.
	 */
	@GetMapping("/drills/{database}/{id}")
	String drill(@PathVariable String database, @PathVariable String id, Model model) {
		if (!this.sources.names().contains(database) || !REPORT_ID.matcher(id).matches()) {
			throw new ResponseStatusException(HttpStatus.NOT_FOUND, "no such drill report");
		}
		String folder = "drills/" + database + "/" + id + "/";
		ObjectStore store = this.targets.primary();
		if (store.head(folder + "report.json").isEmpty()) {
			throw new ResponseStatusException(HttpStatus.NOT_FOUND, "no such drill report");
		}
		try (InputStream json = store.get(folder + "report.json"); InputStream md = store.get(folder + "report.md")) {
			model.addAttribute("report", ManifestJson.read(json.readAllBytes(), DrillReport.class, folder));
			model.addAttribute("markdown", new String(md.readAllBytes(), StandardCharsets.UTF_8));
		}
		catch (IOException ex) {
			throw new UncheckedIOException("cannot read " + folder, ex);
		}
		model.addAttribute("f", new Format());
		return "drill";
	}

	/** Formatting for the template: times in UTC to the second, durations in words. */
	static final class Format {

		public String time(Instant instant) {
			return instant == null ? "-" : LocalDateTime.ofInstant(instant, ZoneOffset.UTC).withNano(0) + "Z";
		}

		public String human(Long millis) {
			return millis == null ? "-" : DrillReport.human(millis);
		}

		public String bytes(Long bytes) {
			if (bytes == null) {
				return "-";
			}
			String[] units = { "B", "KiB", "MiB", "GiB", "TiB" };
			double value = bytes;
			int unit = 0;
			while (value >= 1024 && unit < units.length - 1) {
				value /= 1024;
				unit++;
			}
			return unit == 0 ? bytes + " B" : String.format("%.1f %s", value, units[unit]);
		}

	}

}
