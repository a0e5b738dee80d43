package io.drbatch.jobs.restore;

import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.batch.core.BatchStatus;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.listener.JobExecutionListener;

import io.drbatch.failure.DrbatchException;
import io.drbatch.jobs.config.DrbatchProperties;
import io.drbatch.manifest.ManifestJson;

/**
 * Posts the outcome of every restore drill (or restore) that failed (at any step: a
 * corrupt object is as much a failure as a missing table), and of passing ones when
 * configured, to a Slack-compatible webhook: {@code {"text": ...}} plus structured
 * fields. The payload holds names, results and timings, never a secret; the URL is never
 * logged. Retries with doubling back-off; a notification that cannot be delivered is
 * logged and does not change the drill's outcome. Thread-safe.
 */
public class DrillNotifier implements JobExecutionListener {

	private static final Logger log = LoggerFactory.getLogger(DrillNotifier.class);

	private final DrbatchProperties.Webhook webhook;

	private final HttpClient http;

	private final String noun;

	public DrillNotifier(DrbatchProperties.Webhook webhook, String noun) {
		this.webhook = webhook;
		this.noun = noun;
		this.http = HttpClient.newBuilder().connectTimeout(webhook.timeout()).build();
	}

	@Override
	public void afterJob(JobExecution execution) {
		boolean failed = execution.getStatus() != BatchStatus.COMPLETED;
		if (this.webhook.url() == null || (!failed && !this.webhook.notifyOnSuccess())) {
			return;
		}
		String database = execution.getJobParameters().getString("database");
		String result = failed ? "FAILED" : "PASSED";
		String reason = execution.getAllFailureExceptions()
			.stream()
			.findFirst()
			.map(ex -> DrbatchException.find(ex).map(Throwable::getMessage).orElse(ex.getClass().getSimpleName()))
			.orElse("");
		Map<String, Object> payload = new LinkedHashMap<>();
		payload.put("text",
				"drbatch " + this.noun + " " + result + " for " + database + (reason.isEmpty() ? "" : ": " + reason));
		payload.put("kind", this.noun);
		payload.put("result", result);
		payload.put("database", database);
		payload.put("executionId", execution.getId());
		payload.put("rtoMillis", execution.getExecutionContext().getLong(DrillContext.RTO_MILLIS, -1));
		payload.put("rpoMillis", execution.getExecutionContext().getLong(DrillContext.RPO_MILLIS, -1));
		payload.put("report", execution.getExecutionContext().getString(DrillContext.REPORT_KEY, null));
		post(ManifestJson.write(payload));
	}

	private void post(byte[] body) {
		HttpRequest request = HttpRequest.newBuilder(this.webhook.url())
			.timeout(this.webhook.timeout())
			.header("Content-Type", "application/json")
			.POST(HttpRequest.BodyPublishers.ofByteArray(body))
			.build();
		long backoff = 1000;
		for (int attempt = 1; attempt <= this.webhook.attempts(); attempt++) {
			try {
				HttpResponse<String> response = this.http.send(request,
						HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
				if (response.statusCode() / 100 == 2) {
					log.info("Drill notification delivered (attempt {})", attempt);
					return;
				}
				log.warn("Drill webhook answered {} (attempt {} of {})", response.statusCode(), attempt,
						this.webhook.attempts());
			}
			catch (IOException ex) {
				log.warn("Drill webhook unreachable (attempt {} of {}): {}", attempt, this.webhook.attempts(),
						ex.getClass().getSimpleName());
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				return;
			}
			if (attempt < this.webhook.attempts()) {
				try {
					Thread.sleep(backoff);
				}
				catch (InterruptedException ex) {
					Thread.currentThread().interrupt();
					return;
				}
				backoff *= 2;
			}
		}
		log.error("Drill notification could not be delivered after {} attempts", this.webhook.attempts());
	}

}
