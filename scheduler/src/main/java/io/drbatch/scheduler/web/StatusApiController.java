package io.drbatch.scheduler.web;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

import io.drbatch.manifest.ManifestJson;
import io.drbatch.scheduler.status.HistoryReader;
import io.drbatch.scheduler.status.StatusReader;
import io.drbatch.scheduler.status.TrendReader;

/**
 * The status page's data as JSON, the same documents {@code drbatch status --json} prints
 * (schema: docs/STATUS-API.md): {@code /api/status}, {@code /api/history} and the plots'
 * {@code /api/trends}. Read-only; thread-safe.
 */
@RestController
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
class StatusApiController {

	/** The plots' longest window. */
	static final int MAX_DAYS = 400;

	private final StatusReader status;

	private final HistoryReader history;

	private final TrendReader trends;

	StatusApiController(StatusReader status, HistoryReader history, TrendReader trends) {
		this.status = status;
		this.history = history;
		this.trends = trends;
	}

	@GetMapping(path = "/api/status", produces = MediaType.APPLICATION_JSON_VALUE)
	ResponseEntity<byte[]> status() {
		return json(this.status.read());
	}

	/**
	 * @param job one job's executions only
	 * @param days executions started in the last this many days (default 90)
	 * @param limit instances per job (default 200)
	 */
	@GetMapping(path = "/api/history", produces = MediaType.APPLICATION_JSON_VALUE)
	ResponseEntity<byte[]> history(@RequestParam(required = false) String job,
			@RequestParam(defaultValue = "90") int days, @RequestParam(defaultValue = "200") int limit) {
		if (days < 1 || days > MAX_DAYS || limit < 1 || limit > 10_000) {
			return badRequest("days must be 1.." + MAX_DAYS + " and limit 1..10000");
		}
		List<HistoryReader.Execution> executions = this.history.read(job, limit,
				Instant.now().minus(Duration.ofDays(days)));
		return json(executions);
	}

	/**
	 * What the page plots over the last {@code days} days (default 90): backups' size and
	 * duration, drills' RTO, replication lag, the age of the newest PITR restore point.
	 */
	@GetMapping(path = "/api/trends", produces = MediaType.APPLICATION_JSON_VALUE)
	ResponseEntity<byte[]> trends(@RequestParam(defaultValue = "" + StatusPageController.DEFAULT_DAYS) int days) {
		if (days < 1 || days > MAX_DAYS) {
			return badRequest("days must be 1.." + MAX_DAYS);
		}
		return json(this.trends.read(days));
	}

	private static ResponseEntity<byte[]> badRequest(String error) {
		return ResponseEntity.badRequest()
			.contentType(MediaType.APPLICATION_JSON)
			.body(ManifestJson.write(java.util.Map.of("error", error)));
	}

	private static ResponseEntity<byte[]> json(Object body) {
		return ResponseEntity.ok().contentType(MediaType.APPLICATION_JSON).body(ManifestJson.write(body));
	}

}
